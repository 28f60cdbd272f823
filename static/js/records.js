// Records: list selection and bulk bar, record pickers, inline-edit keys, and the command
// palette (Ctrl-K or "/"). No framework; htmx does the requests.
(function () {
  "use strict";

  // ---- Lists: selection and the bulk bar -------------------------------------------
  function bulkBar() { return document.querySelector("[data-bulk-bar]"); }

  function updateSelection() {
    var bar = bulkBar();
    if (!bar) { return; }
    var boxes = document.querySelectorAll('#records input[name="ids"]');
    var chosen = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
    var counter = bar.querySelector("[data-bulk-count]");
    if (counter) {
      counter.textContent = chosen === 0 ? "None selected" : chosen + " selected";
    }
    bar.classList.toggle("has-selection", chosen > 0);
    var all = document.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      document.querySelectorAll('#records input[name="ids"]').forEach(function (box) {
        box.checked = target.checked;
      });
      updateSelection();
    } else if (target.matches('#records input[name="ids"]')) {
      updateSelection();
    }
  });

  // The search box searches as you type; its "change" on blur must not resubmit the form
  // (by then a chip or link may have changed the view).
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "list-q") { event.stopPropagation(); }
  }, true);

  // After the results change, the toolbar links and fields follow the view shown (a chip
  // removed a filter, a link changed the sort), so the next change starts from it.
  function syncListLinks() {
    var state = document.querySelector("#list-results [data-canonical]");
    if (!state) { return; }
    var canonical = state.getAttribute("data-canonical");
    var params = new URLSearchParams(canonical.indexOf("?") >= 0 ? canonical.split("?")[1] : "");
    var form = document.getElementById("list-form");
    if (form) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field.type === "checkbox" || field.type === "hidden" || field === document.activeElement) { return; }
        field.value = params.get(field.name) || "";
      });
    }
    var exportLink = document.querySelector("[data-export-link]");
    if (exportLink) { exportLink.setAttribute("href", state.getAttribute("data-export-url")); }
    document.querySelectorAll("input[data-view-query]").forEach(function (input) {
      input.value = state.getAttribute("data-view-query");
    });
    updateSelection();
  }

  document.addEventListener("htmx:after:swap", function () {
    syncListLinks();
  });

  // ---- Record pickers (choose a company or contact by searching) ---------------------
  document.addEventListener("click", function (event) {
    var choice = event.target.closest("[data-pick-id]");
    if (!choice) { return; }
    var picker = choice.closest("[data-picker]");
    if (!picker) { return; }
    event.preventDefault();
    picker.querySelector("[data-picker-value]").value = choice.getAttribute("data-pick-id");
    var input = picker.querySelector("[data-picker-input]");
    input.value = choice.getAttribute("data-pick-label");
    var results = picker.querySelector(".picker-results");
    if (results) { results.innerHTML = ""; }
    input.focus();
    picker.dispatchEvent(new Event("picked", { bubbles: true }));
  });

  // Typing over a picked name forgets the choice until a new one is picked.
  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-picker-input]")) {
      var picker = event.target.closest("[data-picker]");
      var hidden = picker && picker.querySelector("[data-picker-value]");
      if (hidden && event.target.value.trim() === "") { hidden.value = ""; }
    }
  });

  // ---- Inline edit: Escape cancels ----------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var form = event.target.closest && event.target.closest("[data-inline-edit]");
    if (form) {
      var cancel = form.querySelector("[data-cancel]");
      if (cancel) { event.preventDefault(); cancel.click(); }
    }
  });

  // ---- Command palette ----------------------------------------------------------------
  var palette = null;

  function buildPalette() {
    var dialog = document.createElement("dialog");
    dialog.className = "palette";
    dialog.id = "palette";
    dialog.setAttribute("aria-label", "Search records");
    dialog.innerHTML =
      '<input type="search" name="q" class="palette-input" id="palette-input" autocomplete="off" ' +
      'placeholder="Find companies, contacts, deals, leads…" aria-label="Search records" ' +
      'aria-controls="palette-results" ' +
      'hx-get="/palette" hx-trigger="input changed delay:150ms" hx-target="#palette-results" hx-swap="innerHTML" hx-sync="this:replace">' +
      '<div class="palette-results" id="palette-results" role="listbox">' +
      '<p class="palette-hint">Type a name, email, phone or domain. <kbd>↑</kbd> <kbd>↓</kbd> to move, <kbd>Enter</kbd> to open, <kbd>Esc</kbd> to close.</p></div>';
    document.body.appendChild(dialog);
    if (window.htmx) { window.htmx.process(dialog); }
    dialog.addEventListener("keydown", paletteKeys);
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) { dialog.close(); }
    });
    return dialog;
  }

  function openPalette() {
    if (!palette) { palette = buildPalette(); }
    if (!palette.open) { palette.showModal(); }
    var input = palette.querySelector(".palette-input");
    input.focus();
    input.select();
  }

  function items() { return palette ? palette.querySelectorAll(".palette-item") : []; }

  function select(index) {
    var list = items();
    if (list.length === 0) { return; }
    var next = (index + list.length) % list.length;
    list.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === next ? "true" : "false");
      if (i === next) { item.scrollIntoView({ block: "nearest" }); }
    });
  }

  function selectedIndex() {
    var list = items();
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("aria-selected") === "true") { return i; }
    }
    return -1;
  }

  function paletteKeys(event) {
    if (event.key === "ArrowDown") { event.preventDefault(); select(selectedIndex() + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); select(selectedIndex() - 1); }
    else if (event.key === "Enter") {
      var list = items();
      var index = selectedIndex();
      var item = list[index < 0 ? 0 : index];
      if (item) {
        event.preventDefault();
        window.location.assign(item.querySelector("a").getAttribute("href"));
      }
    }
  }

  // New results: the first one is selected, so Enter opens the best match.
  document.addEventListener("htmx:after:swap", function () {
    if (palette && palette.open && selectedIndex() < 0) { select(0); }
  });

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    var ctrlK = (event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K");
    var slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target);
    if (ctrlK || slash) {
      if (!document.querySelector(".topbar")) { return; }
      event.preventDefault();
      openPalette();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-palette-open]")) { openPalette(); }
  });

  // A search button in the top bar, so the palette is found without the shortcut.
  function addTrigger() {
    var actions = document.querySelector(".topbar-actions");
    if (!actions || actions.querySelector("[data-palette-open]")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-ghost palette-trigger";
    button.setAttribute("data-palette-open", "");
    button.setAttribute("data-testid", "palette-open");
    button.innerHTML = '<span class="palette-label">Search…</span> <kbd>Ctrl K</kbd>';
    actions.insertBefore(button, actions.firstChild);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { addTrigger(); syncListLinks(); });
  } else {
    addTrigger();
    syncListLinks();
  }
})();
