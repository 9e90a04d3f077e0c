// The client page's move form: the reason and drop-reason fields show only when the chosen move needs them.
(function () {
  var form = document.querySelector(".move-form");
  if (!form) return;
  var select = form.querySelector("select[name=to]");
  var needReason = (form.dataset.reasonTargets || "").split(",");
  function update() {
    var to = select.value;
    form.querySelector("[data-when=reason]").hidden = needReason.indexOf(to) < 0;
    form.querySelector("[data-when=dropped]").hidden = to !== "dropped";
    form.querySelector("textarea[name=reason]").required = needReason.indexOf(to) >= 0;
  }
  select.addEventListener("change", update);
  update();
})();
