// The kanban board: drag a card (or pick from its "Move to" menu on a phone) to move a client through the
// loop. Every move goes to the transition API; a refused move shows the reason and the card goes back.
(function () {
  var board = document.getElementById("kanban");
  if (!board) return;
  var status = document.getElementById("kanban-status");
  var dialog = document.getElementById("reason-dialog");
  var loop = board.dataset.loop.split(",");
  var labels = {};
  board.dataset.labels.split("|").forEach(function (pair) {
    var i = pair.indexOf("=");
    labels[pair.slice(0, i)] = pair.slice(i + 1);
  });
  var dragged = null;

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function say(text, isError) {
    status.hidden = false;
    status.textContent = text;
    status.className = "msg" + (isError ? " msg-error" : "");
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function targets(card) {
    var from = card.dataset.stage;
    if (from === "dropped") return card.dataset.reopen ? [card.dataset.reopen] : [];
    var i = loop.indexOf(from);
    var list = loop.slice(0, i);
    if (i + 1 < loop.length) list.push(loop[i + 1]);
    list.push("dropped");
    return list;
  }

  function needsReason(from, to) {
    if (to === "dropped") return true;
    var i = loop.indexOf(from), j = loop.indexOf(to);
    return i >= 0 && j >= 0 && j < i;
  }

  function fillSelect(card) {
    var select = card.querySelector(".move-select");
    var from = card.dataset.stage;
    select.innerHTML = "";
    var first = document.createElement("option");
    first.value = "";
    first.textContent = board.dataset.msgChoose;
    select.appendChild(first);
    targets(card).forEach(function (to) {
      var option = document.createElement("option");
      option.value = to;
      var prefix = "";
      if (from === "dropped") prefix = board.dataset.msgReopen + " ";
      else if (to !== "dropped" && loop.indexOf(to) > loop.indexOf(from)) prefix = board.dataset.msgNext;
      else if (to !== "dropped") prefix = board.dataset.msgBack + " ";
      option.textContent = prefix + labels[to];
      select.appendChild(option);
    });
  }

  function column(stage) {
    return board.querySelector('.kanban-col[data-stage="' + stage + '"]');
  }

  function bump(stage, delta, revenue) {
    var badge = column(stage).querySelector("[data-count]");
    badge.textContent = String(parseInt(badge.textContent, 10) + delta);
    var total = column(stage).querySelector("[data-total]");
    var before = parseInt(total.textContent.replace(/\D/g, ""), 10) || 0;
    // As the page writes money (config/numbers.py): ¥13,856.
    total.textContent = "¥" + String(before + delta * revenue).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // A refused move says why on the card itself, where the eye is, until the card is moved again.
  function refuse(card, text) {
    var note = card.querySelector(".kanban-refusal");
    if (!note) {
      note = document.createElement("p");
      note.className = "kanban-refusal";
      note.setAttribute("role", "alert");
      card.appendChild(note);
    }
    note.textContent = text;
    card.classList.add("refused");
    card.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function clearRefusal(card) {
    var note = card.querySelector(".kanban-refusal");
    if (note) note.remove();
    card.classList.remove("refused");
  }

  function askReason(from, to) {
    return new Promise(function (resolve) {
      var form = document.getElementById("reason-form");
      document.getElementById("reason-title").textContent = labels[from] + " → " + labels[to];
      document.getElementById("drop-field").hidden = to !== "dropped";
      document.getElementById("reason-text").value = "";
      function finish(result) {
        form.removeEventListener("submit", onSubmit);
        document.getElementById("reason-cancel").removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        resolve(result);
      }
      function onSubmit(event) {
        event.preventDefault();
        var reason = document.getElementById("reason-text").value.trim();
        if (!reason) { document.getElementById("reason-text").focus(); return; }
        finish({ reason: reason, drop_reason: to === "dropped" ? document.getElementById("drop-reason").value : "" });
      }
      function onCancel(event) { if (event) event.preventDefault(); finish(null); }
      form.addEventListener("submit", onSubmit);
      document.getElementById("reason-cancel").addEventListener("click", onCancel);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
      document.getElementById("reason-text").focus();
    });
  }

  function errorText(body) {
    if (!body) return board.dataset.msgError;
    if (body.detail) return body.detail;
    var parts = [];
    Object.keys(body).forEach(function (key) {
      var value = body[key];
      parts.push(Array.isArray(value) ? value.join(" ") : String(value));
    });
    return parts.join(" ") || board.dataset.msgError;
  }

  function move(card, to) {
    var from = card.dataset.stage;
    if (!to || to === from) return;
    var home = { parent: card.parentNode, next: card.nextSibling };
    var extra = needsReason(from, to) ? askReason(from, to) : Promise.resolve({ reason: "", drop_reason: "" });
    extra.then(function (given) {
      if (!given) return;
      // Show the card where it is going at once; put it back if the server refuses.
      clearRefusal(card);
      column(to).querySelector(".kanban-cards").prepend(card);
      card.classList.add("pending");
      var url = board.dataset.transitionUrl.replace("/0/", "/" + card.dataset.id + "/");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify({ to: to, reason: given.reason, drop_reason: given.drop_reason, expected_from: from }),
      })
        .then(function (response) {
          return response.json().catch(function () { return null; }).then(function (body) {
            return { ok: response.ok, body: body };
          });
        })
        .then(function (result) {
          card.classList.remove("pending");
          if (result.ok) {
            if (to === "dropped") card.dataset.reopen = from;
            card.dataset.stage = result.body.stage;
            var revenue = parseInt(card.dataset.revenue, 10) || 0;
            bump(from, -1, revenue);
            bump(result.body.stage, 1, revenue);
            fillSelect(card);
            say(board.dataset.msgMoved.replace("{stage}", labels[result.body.stage]), false);
          } else {
            home.parent.insertBefore(card, home.next);
            refuse(card, board.dataset.msgRefused + " " + errorText(result.body));
            say(board.dataset.msgRefused + " " + errorText(result.body), true);
          }
        })
        .catch(function () {
          card.classList.remove("pending");
          home.parent.insertBefore(card, home.next);
          refuse(card, board.dataset.msgError);
          say(board.dataset.msgError, true);
        });
    });
  }

  // On a desk the board takes the rest of the window, so that the page does not scroll and every column shows.
  var desk = window.matchMedia("(min-width: 768px)");
  function fit() {
    board.style.height = desk.matches
      ? Math.max(288, window.innerHeight - board.getBoundingClientRect().top - window.scrollY - 32) + "px"
      : "";
  }
  fit();
  window.addEventListener("resize", fit);

  board.querySelectorAll(".kanban-card").forEach(function (card) {
    fillSelect(card);
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      card.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.id);
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("dragging");
      board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
    });
    card.querySelector(".move-select").addEventListener("change", function (event) {
      var to = event.target.value;
      event.target.value = "";
      move(card, to);
    });
  });

  board.querySelectorAll(".kanban-col").forEach(function (col) {
    col.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      col.classList.add("drop-target");
    });
    col.addEventListener("dragleave", function (event) {
      if (!col.contains(event.relatedTarget)) col.classList.remove("drop-target");
    });
    col.addEventListener("drop", function (event) {
      event.preventDefault();
      col.classList.remove("drop-target");
      var card = dragged;
      dragged = null;
      if (card) move(card, col.dataset.stage);
    });
  });
})();
