// Follow a running import: poll its status and move the progress bar; reload when it is finished.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = box.querySelector(".progress > div");
  var label = box.querySelector("[data-label]");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.style.width = s.progress + "%";
        box.querySelector(".progress").setAttribute("aria-valuenow", s.progress);
        label.textContent = s.status_label + " · " + s.progress + "% (" + s.processed_rows + "/" + s.total_rows + ")";
        if (s.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
