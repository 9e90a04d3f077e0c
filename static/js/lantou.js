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
  // A form submits once: a double tap or an impatient second click does not post twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
    setTimeout(function () { form.dataset.submitted = ""; }, 8000);
  }, true);
})();
