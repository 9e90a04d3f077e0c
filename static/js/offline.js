// The capture app on the phone (docs/offline.md): installs the service worker, keeps what the queue needs to send
// (who is signed in, the CSRF token, the page's language), shows how many leads wait on this phone, sends them
// when the page loads and when the network returns, and on the capture page keeps every lead in the queue first,
// so that one typed without signal is never lost. A lead the server refuses is listed with the server's message,
// to correct and send again.
(function () {
  "use strict";
  var body = document.body;
  var Q = window.LantouQueue;
  if (!body.dataset.user || !Q || !window.indexedDB) { return; }
  var user = body.dataset.user;
  var offlineCopy = document.documentElement.hasAttribute("data-offline-copy");
  var panel = document.getElementById("offline-queue");
  var form = document.querySelector("form[data-offline-capture]");
  var WARM_EVERY = 10 * 60 * 1000;

  function text(key, n) { return ((panel && panel.dataset[key]) || "").replace("{n}", n); }

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function keepContext() {
    if (offlineCopy) { return Promise.resolve(); } // the copy's token may be older than the one kept
    return Q.setMeta("context", {
      user: user, csrf: csrf(), lang: document.documentElement.lang, api: body.dataset.leadsApi,
    });
  }

  // --- The service worker ------------------------------------------------------------------------------------

  function worker() {
    if (!("serviceWorker" in navigator) || !body.dataset.worker) { return Promise.reject(new Error("no worker")); }
    return navigator.serviceWorker.ready;
  }

  if ("serviceWorker" in navigator && body.dataset.worker && !offlineCopy) {
    navigator.serviceWorker.register(body.dataset.worker, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var key = "lantou-warmed-" + user;
      if (navigator.onLine && Date.now() - Number(localStorage.getItem(key) || 0) > WARM_EVERY) {
        registration.active.postMessage({ type: "warm" });
        localStorage.setItem(key, String(Date.now()));
      }
    }).catch(function () { /* no worker: the pages still work online */ });
  }

  function askForBackgroundSync() {
    worker().then(function (registration) {
      if (registration.sync) { return registration.sync.register(Q.SYNC_TAG); }
    }).catch(function () { /* no Background Sync: the `online` event and the next page load send instead */ });
  }

  // Signing out forgets the kept pages and who may send, before the form goes.
  document.querySelectorAll("form[data-logout]").forEach(function (logout) {
    logout.addEventListener("submit", function (event) {
      if (logout.dataset.forgotten) { return; }
      event.preventDefault();
      localStorage.removeItem("lantou-warmed-" + user);
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "forget" });
      }
      var go = function () { logout.dataset.forgotten = "1"; HTMLFormElement.prototype.submit.call(logout); };
      Q.setMeta("context", null).then(go, go);
      setTimeout(go, 1500);
    });
  });

  // --- The queue on the page ------------------------------------------------------------------------------------

  function labelFor(name) {
    if (!form) { return ""; }
    var label = form.querySelector('label[for="id_' + name + '"]');
    return label ? label.textContent.replace(/[:：]\s*$/, "").trim() : "";
  }

  function flatten(value) {
    if (typeof value === "string") { return [value]; }
    if (Array.isArray(value)) { return value.reduce(function (all, v) { return all.concat(flatten(v)); }, []); }
    if (value && typeof value === "object") {
      return Object.keys(value).reduce(function (all, k) { return all.concat(flatten(value[k])); }, []);
    }
    return [];
  }

  function messages(errors) {
    var out = [];
    Object.keys(errors || {}).forEach(function (name) {
      var label = /^(detail|non_field_errors|__all__)$/.test(name) ? "" : labelFor(name);
      flatten(errors[name]).forEach(function (m) { out.push(label ? label + ": " + m : m); });
    });
    return out.length ? out : [text("refusedUnknown")];
  }

  function element(tag, className, content) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (content !== undefined) { el.textContent = content; }
    return el;
  }

  function render() {
    if (!panel) { return Promise.resolve(); }
    return Q.list(user).then(function (records) {
      var waiting = records.filter(function (r) { return r.state === "waiting"; }).length;
      var refused = records.filter(function (r) { return r.state === "refused"; });
      var count = panel.querySelector("[data-count]");
      count.textContent = waiting === 0 ? text("none") : text(waiting === 1 ? "one" : "many", waiting);
      count.dataset.waiting = String(waiting);
      panel.classList.toggle("has-waiting", waiting > 0);
      var list = panel.querySelector("[data-refused]");
      list.textContent = "";
      refused.forEach(function (record) { list.appendChild(refusedItem(record)); });
      panel.querySelector("[data-refused-heading]").hidden = !refused.length;
      panel.hidden = !records.length && !offlineCopy && navigator.onLine;
    });
  }

  function refusedItem(record) {
    var li = element("li", "refused-lead");
    li.dataset.key = record.key;
    li.appendChild(element("strong", "", (record.form && record.form.company_name) || "—"));
    li.appendChild(element("span", "muted", " " + text("captured", new Date(record.capturedAt).toLocaleString())));
    var ul = element("ul", "errorlist");
    messages(record.errors).forEach(function (m) { ul.appendChild(element("li", "", m)); });
    li.appendChild(ul);
    var actions = element("div", "actions");
    if (form) {
      var fix = element("button", "btn", text("correct"));
      fix.type = "button";
      fix.dataset.correct = record.key;
      fix.addEventListener("click", function () { correct(record); });
      actions.appendChild(fix);
    } else if (panel.dataset.captureUrl) {
      var link = element("a", "btn", text("correct"));
      link.href = panel.dataset.captureUrl + "?correct=" + encodeURIComponent(record.key);
      actions.appendChild(link);
    }
    var drop = element("button", "btn btn-secondary", text("discard"));
    drop.type = "button";
    drop.addEventListener("click", function () {
      if (window.confirm(text("discardConfirm"))) { Q.remove(record.key).then(render); }
    });
    actions.appendChild(drop);
    li.appendChild(actions);
    return li;
  }

  function announce(message) {
    var status = panel && panel.querySelector("[data-announce]");
    if (status) { status.textContent = message; }
  }

  // Send what waits; `own` is the lead this page just captured (opened once it is saved, shown if refused).
  function send(own) {
    return keepContext().then(Q.sync).then(function (outcome) {
      return render().then(function () {
        var mine = own && outcome.results.filter(function (r) { return r.key === own; })[0];
        if (mine && mine.state === "sent" && mine.id) {
          location.assign(body.dataset.leadUrl.replace("/0/", "/" + mine.id + "/") + "?saved=1");
          return;
        }
        if (mine && mine.state === "refused") { Q.get(own).then(correct); return; }
        if (own && !mine && !outcome.stopped) {
          // Another tab or the worker sent it first.
          Q.get(own).then(function (record) { if (!record) { announce(text("sentOne", 1)); } });
        }
        if (outcome.sent) { announce(text(outcome.sent === 1 ? "sentOne" : "sentMany", outcome.sent)); }
        if (outcome.stopped === "network") { askForBackgroundSync(); }
        if (own && outcome.stopped) { announce(text("kept")); }
      });
    });
  }

  // --- The capture form ------------------------------------------------------------------------------------

  function readForm() {
    var raw = {};
    var fields = {};
    var competitors = [];
    var contacts = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.type === "button") { return; }
      if (el.name === "csrfmiddlewaretoken" || el.name === "idempotency_key") { return; }
      var value = (el.value || "").trim();
      raw[el.name] = el.value;
      var match = /^competitor_\d+$/.exec(el.name);
      if (match) {
        if (value) { competitors.push({ competitor: labelFor(el.name), monthly: value }); }
        return;
      }
      match = /^contact(\d+)_(name|title|role|phone)$/.exec(el.name);
      if (match) {
        contacts[match[1]] = contacts[match[1]] || {};
        contacts[match[1]][match[2]] = value;
        return;
      }
      fields[el.name] = value;
    });
    var input = form.querySelector("input[type=file][name=photos]");
    var photos = Array.prototype.map.call((input && input.files) || [], function (file) {
      return { blob: file, name: file.name };
    });
    var others = Object.keys(contacts).sort().map(function (k) { return contacts[k]; }).filter(function (c) {
      return c.name || c.phone;
    });
    return { form: raw, payload: { fields: fields, competitors: competitors, contacts: others }, photos: photos };
  }

  function clearErrors() {
    form.querySelectorAll("[data-offline-error]").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".field.has-error").forEach(function (el) { el.classList.remove("has-error"); });
    form.querySelectorAll(".field.from-card").forEach(function (el) { el.classList.remove("from-card"); });
    var reading = document.getElementById("card-reading");
    if (reading) { reading.hidden = true; }
    var box = document.getElementById("offline-form-errors");
    if (box) { box.hidden = true; box.textContent = ""; }
    var kept = document.getElementById("offline-photo-kept");
    if (kept) { kept.hidden = true; }
  }

  function resetForm() {
    form.reset();
    clearErrors();
    delete form.dataset.correcting;
    var preview = document.getElementById("photo-preview");
    if (preview) { preview.textContent = ""; }
    form.dataset.submitted = "";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.removeAttribute("aria-busy"); });
  }

  // Put a refused lead back in the form, with the server's messages at their fields.
  function correct(record) {
    if (!record) { return; }
    resetForm();
    Object.keys(record.form || {}).forEach(function (name) {
      var el = form.elements[name];
      if (el && el.type !== "file") { el.value = record.form[name]; }
    });
    form.dataset.correcting = record.key;
    var box = document.getElementById("offline-form-errors");
    var general = [];
    Object.keys(record.errors || {}).forEach(function (name) {
      var input = form.querySelector("#id_" + name);
      var field = input && input.closest(".field");
      if (!field) { general = general.concat(messages({ [name]: record.errors[name] })); return; }
      field.classList.add("has-error");
      var ul = element("ul", "errorlist");
      ul.dataset.offlineError = "1";
      flatten(record.errors[name]).forEach(function (m) { ul.appendChild(element("li", "", m)); });
      field.appendChild(ul);
    });
    if (box && general.length) { box.textContent = general.join(" "); box.hidden = false; }
    var kept = document.getElementById("offline-photo-kept");
    if (kept) { kept.hidden = !(record.photos && record.photos.length); }
    var first = form.querySelector(".field.has-error input, .field.has-error select, .field.has-error textarea");
    (first || form.elements.company_name).focus();
  }

  function capture() {
    var correcting = form.dataset.correcting || "";
    return (correcting ? Q.get(correcting) : Promise.resolve(null)).then(function (before) {
      var record = readForm();
      record.key = before ? before.key : Q.newKey();
      record.user = user;
      // A corrected lead keeps the moment it was first captured, and the day it counts on.
      record.capturedAt = before ? before.capturedAt : new Date().toISOString();
      record.offline = before ? Boolean(before.offline) : !navigator.onLine;
      if (!record.photos.length && before) { record.photos = before.photos || []; }
      record.state = "waiting";
      return Q.put(record).then(function () { return record; });
    }).then(function (record) {
      resetForm();
      return render().then(function () {
        if (!navigator.onLine) {
          announce(text("kept"));
          askForBackgroundSync();
          return null;
        }
        return send(record.key);
      });
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; } // a second tap (lantou.js)
      event.preventDefault();
      capture().catch(function () {
        // The phone keeps nothing (storage full or refused): submit the page as it always could.
        HTMLFormElement.prototype.submit.call(form);
      });
    });
    var params = new URLSearchParams(location.search);
    if (params.get("correct")) { Q.get(params.get("correct")).then(correct); }
  }

  // --- When to send --------------------------------------------------------------------------------------------

  render().then(function () {
    if (navigator.onLine) { return send(null); }
    askForBackgroundSync();
  });
  window.addEventListener("online", function () { send(null); });
  window.addEventListener("offline", render);
})();
