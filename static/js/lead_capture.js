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
    });
  }
  if (name.value || phone.value) { lookup(); }
})();
