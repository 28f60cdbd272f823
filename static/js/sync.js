// The sync hub's page script: closing the start-sync modal (htmx loads it into #modal).
(function () {
  "use strict";

  function closeModal() {
    var modal = document.querySelector("[data-modal]");
    if (modal) {
      modal.remove();
    }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-modal]")) {
      closeModal();
      return;
    }
    // A click on the backdrop itself (not the dialog) closes it too.
    if (event.target.matches && event.target.matches("[data-modal]")) {
      closeModal();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closeModal();
    }
  });

  // Focus the first field when the modal opens, for keyboard users.
  document.addEventListener("htmx:after:swap", function () {
    var modal = document.querySelector("[data-modal]");
    if (modal && !modal.contains(document.activeElement)) {
      var field = modal.querySelector("input:not([type=hidden]), button");
      if (field) {
        field.focus();
      }
    }
  });
})();
