// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Keep the chosen language across pages without adding ?lang= to every link.
  document.querySelectorAll("a[data-lang]").forEach(function (link) {
    link.addEventListener("click", function () {
      document.cookie = "lang=" + link.dataset.lang + ";path=/;max-age=31536000;samesite=lax";
    });
  });
})();
