// The capture form: while the courier types, ask whether the phone or the company already exists, and show a
// preview of the card photo. The form works without this script; it only warns earlier.
(function () {
  var form = document.getElementById("lead-capture");
  if (!form) { return; }
  var box = document.getElementById("duplicate-warning");
  var list = box.querySelector("ul");
  var name = form.querySelector("[name=company_name]");
  var phone = form.querySelector("[name=contact_phone]");
  var url = form.dataset.lookup;
  var exclude = form.dataset.exclude || "";
  var timer = null;
  var asked = "";

  function text(value) { return document.createTextNode(value == null ? "" : String(value)); }

  function describe(m) {
    var li = document.createElement("li");
    var what = m.match === "phone" ? box.dataset.phone : (m.match === "name" ? box.dataset.name : box.dataset.similar);
    var label = m.kind === "client" ? box.dataset.client : box.dataset.lead;
    var title = m.name || box.dataset.hidden;
    if (m.url) {
      var a = document.createElement("a");
      a.href = m.url; a.appendChild(text(title)); li.appendChild(a);
    } else {
      li.appendChild(text(title));
    }
    var where = [m.area || m.station, m.status, m.collected_by, m.collected_on].filter(Boolean).join(" · ");
    li.appendChild(text(" — " + what + " (" + label + (where ? ", " + where : "") + ")"));
    return li;
  }

  function lookup() {
    var q = "company_name=" + encodeURIComponent(name.value.trim()) + "&contact_phone=" + encodeURIComponent(phone.value.trim());
    if (exclude) { q += "&exclude=" + encodeURIComponent(exclude); }
    if (q === asked) { return; }
    asked = q;
    if (name.value.trim().length < 2 && phone.value.replace(/\D/g, "").length < 7) { box.hidden = true; return; }
    fetch(url + "?" + q, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { matches: [] }; })
      .then(function (data) {
        if (q !== asked) { return; }  // a newer question is on its way
        list.textContent = "";
        (data.matches || []).forEach(function (m) { list.appendChild(describe(m)); });
        box.hidden = !(data.matches && data.matches.length);
      })
      .catch(function () { /* offline: the server checks again on submit */ });
  }

  function later() { clearTimeout(timer); timer = setTimeout(lookup, 350); }
  name.addEventListener("input", later);
  phone.addEventListener("input", later);
  name.addEventListener("blur", lookup);
  phone.addEventListener("blur", lookup);

  var photos = form.querySelector("input[type=file][name=photos]");
  var preview = document.getElementById("photo-preview");
  if (photos && preview && window.URL) {
    photos.addEventListener("change", function () {
      preview.textContent = "";
      Array.prototype.forEach.call(photos.files, function (f) {
        if (!/^image\//.test(f.type)) { return; }
        var img = document.createElement("img");
        img.alt = f.name; img.src = URL.createObjectURL(f);
        preview.appendChild(img);
      });
      readCard(photos.files[0]);
    });
  }

  // The card photo fills the form (POST /api/v1/leads/read-card/): empty fields take what the card says and are
  // highlighted for the courier to check; what was typed already is left alone. Online only: without signal the
  // photo is kept with the lead and the courier types the details.
  var reading = document.getElementById("card-reading");
  var FROM_CARD = { company_name: "company_name", contact_name: "contact_name", contact_title: "contact_title",
                    address: "address" };

  function say(key) { reading.textContent = reading.dataset[key]; reading.hidden = false; }

  function suggest(name, value) {
    var input = form.querySelector("[name=" + name + "]");
    if (!input || !value || input.value.trim()) { return false; }
    input.value = value;
    var field = input.closest(".field");
    if (field) { field.classList.add("from-card"); }
    input.addEventListener("input", function () { if (field) { field.classList.remove("from-card"); } }, { once: true });
    return true;
  }

  // A lead captured without signal kept its photo: on its page the stored photo is read once there is signal.
  var stored = form.querySelector("[data-read-stored]");
  if (stored) {
    stored.addEventListener("click", function () {
      fetch(stored.dataset.readStored, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.blob(); })
        .then(function (blob) { readCard(new File([blob], "card.jpg", { type: blob.type || "image/jpeg" })); })
        .catch(function () { say(navigator.onLine ? "failed" : "offline"); });
    });
  }

  function readCard(file) {
    if (!reading || !file || !/^image\//.test(file.type)) { return; }
    if (!navigator.onLine) { say("offline"); return; }
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var data = new FormData();
    data.append("photo", file, file.name);
    say("reading");
    fetch(reading.dataset.url, {
      method: "POST", credentials: "same-origin", body: data,
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" },
    }).then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (card) {
        var filled = 0;
        Object.keys(FROM_CARD).forEach(function (key) {
          if (card[key] && suggest(FROM_CARD[key], card[key].value)) { filled += 1; }
        });
        var phone = (card.phones || [])[0];
        if (phone && suggest("contact_phone", phone.display || phone.value)) { filled += 1; lookup(); }
        if (card.company_name && filled) { lookup(); }
        say(filled ? "read" : "nothing");
      })
      .catch(function () { say(navigator.onLine ? "failed" : "offline"); });
  }
  if (name.value || phone.value) { lookup(); }
})();
