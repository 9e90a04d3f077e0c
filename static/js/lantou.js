// Small progressive enhancements shared by every page.
(function () {
  var toggle = document.querySelector("[data-toggle-nav]");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var nav = document.getElementById("mainnav");
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // Forms a phone keeps folded so that figures come first (a period's dates) are open on a desk.
  if (window.matchMedia("(min-width: 768px)").matches) {
    document.querySelectorAll("details[data-open-on-desk]").forEach(function (d) { d.open = true; });
  }
  // Buttons that print the page, and buttons that copy a link (inline handlers would break the CSP).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var done = function () { b.textContent = b.dataset.copied || b.textContent; };
      var ask = function () { window.prompt("", b.dataset.copy); };
      if (navigator.clipboard) { navigator.clipboard.writeText(b.dataset.copy).then(done, ask); } else { ask(); }
    });
  });
  // Formsets grow by a line: the formset's empty form (a <template>) is copied with the next index, and the
  // management form's TOTAL_FORMS follows, up to MAX_NUM_FORMS.
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    var prefix = button.dataset.formsetAdd;
    var rows = document.querySelector('[data-formset-rows="' + prefix + '"]');
    var template = document.querySelector('template[data-formset-template="' + prefix + '"]');
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (!rows || !template || !total) return;
    var limit = max ? parseInt(max.value, 10) : 1000;
    function update() { button.hidden = parseInt(total.value, 10) >= limit; }
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (index >= limit) return;
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__num__/g, String(index + 1));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = rows.lastElementChild.querySelector("input, select, textarea");
      if (first) first.focus();
      update();
    });
    update();
  });
  // "Select all": ticks the boxes of one name that are marked as eligible (data-complete).
  document.querySelectorAll("[data-check-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('input[type=checkbox][name="' + all.dataset.checkAll + '"][data-complete]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
  // A form submits once: a double tap or an impatient second click does not post twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
    setTimeout(function () { form.dataset.submitted = ""; }, 8000);
  }, true);
})();
