// Rapport's page script: small, no framework. htmx does the partial updates.
(function () {
  "use strict";

  // Every htmx request carries the session's CSRF token from the page's <meta> tag.
  document.addEventListener("htmx:config:request", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.ctx.request.headers["X-CSRF-Token"] = meta.content;
    }
  });

  // Theme: system -> light -> dark -> system, remembered in a cookie the server reads.
  var THEMES = ["system", "light", "dark"];
  function setTheme(theme) {
    document.documentElement.setAttribute("data-theme", theme);
    document.cookie = "rapport_theme=" + theme + "; path=/; max-age=31536000; samesite=lax";
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-theme-toggle]");
    if (toggle) {
      var current = document.documentElement.getAttribute("data-theme") || "system";
      setTheme(THEMES[(THEMES.indexOf(current) + 1) % THEMES.length]);
      return;
    }
    var menu = event.target.closest("[data-menu-toggle]");
    if (menu) {
      var sidebar = document.getElementById("sidebar");
      var open = sidebar.classList.toggle("open");
      menu.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });

  // Toasts fade out on their own after a while.
  var toasts = document.getElementById("toasts");
  if (toasts) {
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        record.addedNodes.forEach(function (node) {
          if (node.nodeType === 1) {
            setTimeout(function () { node.remove(); }, 8000);
          }
        });
      });
    }).observe(toasts, { childList: true });
  }
})();
