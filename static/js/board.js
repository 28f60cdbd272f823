// The deal board: drag a card onto another column to move the deal (plain HTML5 drag
// events). The drop fills the page's hidden move form and submits it, so the request is
// an ordinary htmx form post (CSRF header, swaps) like the card's own stage menu.
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  if (!board) { return; }
  var dragged = null;

  function column(target) {
    return target && target.closest ? target.closest("[data-drop-stage]") : null;
  }

  function clearTargets() {
    board.querySelectorAll(".drop-target").forEach(function (el) {
      el.classList.remove("drop-target");
    });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-deal-id][draggable=true]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.dealId);
  });

  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    clearTargets();
  });

  board.addEventListener("dragover", function (event) {
    var target = column(event.target);
    if (!target) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!target.classList.contains("drop-target")) {
      clearTargets();
      target.classList.add("drop-target");
    }
  });

  board.addEventListener("drop", function (event) {
    var target = column(event.target);
    if (!target) { return; }
    event.preventDefault();
    clearTargets();
    var dealId = event.dataTransfer.getData("text/plain") || (dragged && dragged.dataset.dealId);
    var card = dealId && document.getElementById("card-" + dealId);
    if (!card || card.dataset.stageId === target.dataset.dropStage) { return; }
    var form = document.getElementById("board-move-form");
    if (!form) { return; }
    form.elements.deal_id.value = dealId;
    form.elements.stage_id.value = target.dataset.dropStage;
    card.classList.add("moving");
    form.requestSubmit();
  });

  // The reason dialog's Cancel closes it (without JavaScript it is a link back).
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-dialog-close]");
    if (!close) { return; }
    var dialog = close.closest("dialog");
    if (dialog && document.getElementById("board-dialog")) {
      event.preventDefault();
      dialog.remove();
      board.querySelectorAll(".moving").forEach(function (el) { el.classList.remove("moving"); });
    }
  });
})();
