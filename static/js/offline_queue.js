// The phone's queue of leads captured without signal, kept in IndexedDB and sent to POST /api/v1/leads/ when the
// network returns. Loaded by the pages (window.LantouQueue) and by the service worker (importScripts), so both
// send through the same code.
//
// Each lead is sent exactly once: it carries an Idempotency-Key made on the phone, so a send cut halfway (the
// server saved the lead, the answer never arrived) is answered with the first lead when it is sent again; and one
// sender at a time works through the queue (the Web Locks API, or a claim in IndexedDB where there is none), so
// two tabs and the worker never send the same lead side by side. Oldest first. A lead the server refuses (400)
// stays on the phone with the server's message until it is corrected and sent again, or discarded.
(function (root) {
  "use strict";

  var DB_NAME = "lantou-offline";
  var DB_VERSION = 1;
  var LEADS = "leads";
  var META = "meta";
  var LOCK = "lantou-lead-queue";
  var SYNC_TAG = "lantou-leads";
  var CLAIM_MS = 60 * 1000; // a claim left by a tab closed mid-send lapses after this

  var opening = null;

  function db() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = root.indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var database = request.result;
          if (!database.objectStoreNames.contains(LEADS)) {
            database.createObjectStore(LEADS, { keyPath: "key" }).createIndex("capturedAt", "capturedAt");
          }
          if (!database.objectStoreNames.contains(META)) { database.createObjectStore(META); }
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { opening = null; reject(request.error); };
      });
    }
    return opening;
  }

  // One transaction; `work(stores)` issues requests, and the promise settles when the transaction completes.
  function transact(names, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(names, mode);
        var stores = {};
        names.forEach(function (name) { stores[name] = tx.objectStore(name); });
        var result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
        work(stores, function (value) { result = value; });
      });
    });
  }

  function put(record) {
    return transact([LEADS], "readwrite", function (s) { s[LEADS].put(record); });
  }

  function get(key) {
    return transact([LEADS], "readonly", function (s, done) {
      s[LEADS].get(key).onsuccess = function (e) { done(e.target.result || null); };
    });
  }

  function remove(key) {
    return transact([LEADS], "readwrite", function (s) { s[LEADS].delete(key); });
  }

  // The user's queued leads, oldest capture first.
  function list(user) {
    return transact([LEADS], "readonly", function (s, done) {
      var found = [];
      s[LEADS].index("capturedAt").openCursor().onsuccess = function (e) {
        var cursor = e.target.result;
        if (!cursor) { done(found); return; }
        if (String(cursor.value.user) === String(user)) { found.push(cursor.value); }
        cursor.continue();
      };
    });
  }

  function counts(user) {
    return list(user).then(function (records) {
      var waiting = records.filter(function (r) { return r.state === "waiting"; }).length;
      return { waiting: waiting, refused: records.length - waiting };
    });
  }

  function setMeta(key, value) {
    return transact([META], "readwrite", function (s) {
      if (value === null || value === undefined) { s[META].delete(key); } else { s[META].put(value, key); }
    });
  }

  function getMeta(key) {
    return transact([META], "readonly", function (s, done) {
      s[META].get(key).onsuccess = function (e) { done(e.target.result || null); };
    });
  }

  function newKey() {
    if (root.crypto && root.crypto.randomUUID) { return root.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    root.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // Without the Web Locks API: take the queue by a claim written in one read-write transaction (IndexedDB runs
  // such transactions one after the other, so two tabs cannot both find it free).
  function claim(owner) {
    return transact([META], "readwrite", function (s, done) {
      s[META].get("claim").onsuccess = function (e) {
        var held = e.target.result;
        if (held && held.owner !== owner && held.until > Date.now()) { done(false); return; }
        s[META].put({ owner: owner, until: Date.now() + CLAIM_MS }, "claim");
        done(true);
      };
    });
  }

  function release(owner) {
    return transact([META], "readwrite", function (s) {
      s[META].get("claim").onsuccess = function (e) {
        if (e.target.result && e.target.result.owner === owner) { s[META].delete("claim"); }
      };
    });
  }

  function exclusively(work) {
    var locks = root.navigator && root.navigator.locks;
    if (locks && locks.request) { return locks.request(LOCK, work); }
    var owner = newKey();
    return claim(owner).then(function (mine) {
      if (!mine) { return { sent: 0, refused: 0, results: [], stopped: "busy" }; }
      return Promise.resolve().then(work).then(
        function (result) { return release(owner).then(function () { return result; }); },
        function (error) { return release(owner).then(function () { throw error; }); }
      );
    });
  }

  // The multipart body of POST /api/v1/leads/ (lists as DRF reads them from a form: competitors[0]monthly).
  function body(record) {
    var data = new FormData();
    var payload = record.payload || {};
    Object.keys(payload.fields || {}).forEach(function (name) {
      var value = payload.fields[name];
      if (value !== "" && value !== null && value !== undefined) { data.append(name, value); }
    });
    (payload.competitors || []).forEach(function (c, i) {
      data.append("competitors[" + i + "]competitor", c.competitor);
      data.append("competitors[" + i + "]monthly", c.monthly);
    });
    (payload.contacts || []).forEach(function (c, i) {
      Object.keys(c).forEach(function (name) {
        if (c[name]) { data.append("contacts[" + i + "]" + name, c[name]); }
      });
    });
    (record.photos || []).forEach(function (photo) { data.append("photos", photo.blob, photo.name); });
    // Sent later than captured: the capture moment decides the day the lead counts on (within the server's window).
    if (record.offline) { data.append("collected_at", record.capturedAt); }
    return data;
  }

  function sendAll(context) {
    var outcome = { sent: 0, refused: 0, results: [], stopped: null };
    return list(context.user).then(function (records) {
      var waiting = records.filter(function (r) { return r.state === "waiting"; });
      var next = function (i) {
        if (i >= waiting.length) { return outcome; }
        return get(waiting[i].key).then(function (record) {
          if (!record || record.state !== "waiting") { return next(i + 1); } // sent or changed meanwhile
          return sendOne(context, record, outcome).then(function (goOn) { return goOn ? next(i + 1) : outcome; });
        });
      };
      return next(0);
    });
  }

  function sendOne(context, record, outcome) {
    var headers = { "Idempotency-Key": record.key, "X-CSRFToken": context.csrf, "Accept": "application/json" };
    if (context.lang) { headers["Accept-Language"] = context.lang; }
    return root.fetch(context.api, { method: "POST", credentials: "same-origin", headers: headers, body: body(record) })
      .then(function (response) {
        if (response.status === 201) {
          return response.json().catch(function () { return {}; }).then(function (lead) {
            outcome.sent += 1;
            outcome.results.push({ key: record.key, id: lead.id, state: "sent" });
            return remove(record.key).then(function () { return true; });
          });
        }
        if (response.status === 400) {
          return response.json().catch(function () { return {}; }).then(function (errors) {
            record.state = "refused";
            record.errors = errors;
            outcome.refused += 1;
            outcome.results.push({ key: record.key, state: "refused", errors: errors });
            return put(record).then(function () { return true; });
          });
        }
        // Signed out (401, 403), too many requests, or the server unwell: keep everything, try again later.
        outcome.stopped = response.status;
        return false;
      }, function () {
        // No network, or the answer was cut off: the lead may have reached the server, and its key will say so.
        // From now on it is a lead sent later than captured.
        outcome.stopped = "network";
        record.offline = true;
        return put(record).then(function () { return false; });
      });
  }

  // Send the waiting leads of the signed-in person (the context the pages keep: user, CSRF token, language).
  function sync() {
    return getMeta("context").then(function (context) {
      if (!context) { return { sent: 0, refused: 0, results: [], stopped: "signed-out" }; }
      return exclusively(function () { return sendAll(context); });
    });
  }

  root.LantouQueue = {
    SYNC_TAG: SYNC_TAG,
    newKey: newKey,
    put: put,
    get: get,
    remove: remove,
    list: list,
    counts: counts,
    setMeta: setMeta,
    getMeta: getMeta,
    sync: sync,
  };
})(self);
