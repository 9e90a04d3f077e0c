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

// Pickers (config/widgets.py): type a few letters, choose among the first matches the API sends back.
(function () {
  function setup(box) {
    var text = box.querySelector(".picker-text");
    var list = box.querySelector(".picker-list");
    var multiple = box.dataset.multiple === "1";
    var hidden = multiple ? null : box.querySelector("input[type=hidden]");
    var timer = null, seq = 0, active = -1;
    function close() { list.hidden = true; list.innerHTML = ""; active = -1; text.setAttribute("aria-expanded", "false"); }
    function choose(item) {
      if (multiple) {
        var chip = document.createElement("span");
        chip.className = "picker-chip";
        var input = document.createElement("input");
        input.type = "hidden"; input.name = box.dataset.name; input.value = item.id;
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "linklike"; remove.textContent = "×";
        remove.setAttribute("data-picker-remove", "");
        chip.appendChild(input); chip.appendChild(document.createTextNode(item.label + " ")); chip.appendChild(remove);
        box.insertBefore(chip, text);
        text.value = "";
      } else {
        hidden.value = item.id; text.value = item.label;
      }
      close();
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function show(results) {
      list.innerHTML = "";
      results.forEach(function (item, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option"); li.id = box.dataset.name + "-opt-" + i;
        li.textContent = item.label;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item); });
        li._item = item;
        list.appendChild(li);
      });
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "muted"; none.textContent = box.dataset.empty || "—";
        list.appendChild(none);
      }
      list.hidden = false; active = -1; text.setAttribute("aria-expanded", "true");
    }
    function search() {
      var mine = ++seq;
      var url = box.dataset.picker + (box.dataset.picker.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(text.value.trim());
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (mine === seq && document.activeElement === text) { show(data.results || []); } })
        .catch(function () {});
    }
    text.addEventListener("input", function () {
      if (!multiple) { hidden.value = ""; }
      clearTimeout(timer); timer = setTimeout(search, 200);
    });
    text.addEventListener("focus", function () { if (!list.children.length) { clearTimeout(timer); timer = setTimeout(search, 0); } });
    text.addEventListener("blur", function () { setTimeout(close, 150); });
    text.addEventListener("keydown", function (e) {
      var options = list.querySelectorAll("li[role=option]");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!options.length) { return; }
        e.preventDefault();
        active = (active + (e.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
        options.forEach(function (o, i) { o.classList.toggle("active", i === active); });
        text.setAttribute("aria-activedescendant", options[active].id);
      } else if (e.key === "Enter" && active >= 0 && options[active]) {
        e.preventDefault(); choose(options[active]._item);
      } else if (e.key === "Escape") { close(); }
    });
    box.addEventListener("click", function (e) {
      if (e.target.hasAttribute("data-picker-remove")) { e.target.parentNode.remove(); }
    });
  }
  document.querySelectorAll("[data-picker]").forEach(setup);
})();
