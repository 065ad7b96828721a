// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Title suggestions while typing, from /api/v1/suggest, in the search box's datalist.
  var box = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  if (box && list && window.fetch) {
    var timer = null, last = "";
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = box.value.trim();
        if (text.length < 2 || text === last) { return; }
        last = text;
        fetch(box.dataset.suggest + "?q=" + encodeURIComponent(text))
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (titles) {
            list.textContent = "";
            titles.forEach(function (title) {
              var option = document.createElement("option");
              option.value = title;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience; the search still works */ });
      }, 150);
    });
  }

  // A YouTube or Facebook video: the player (and everything it loads from those sites) is put
  // in only when the visitor taps play.
  Array.prototype.forEach.call(document.querySelectorAll(".video-facade"), function (box) {
    var play = box.querySelector(".play");
    play.addEventListener("click", function (event) {
      event.preventDefault();
      var frame = document.createElement("iframe");
      frame.src = box.dataset.player;
      frame.title = box.dataset.title;
      frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
      frame.allowFullscreen = true;
      box.textContent = "";
      box.appendChild(frame);
      frame.focus();
    });
  });

  // Search filters fold behind "Lọc" on a phone; where there is room they stand open beside
  // the results.
  var filters = document.querySelector("details.filters");
  if (filters && window.matchMedia && window.matchMedia("(min-width: 720px)").matches) {
    filters.open = true;
  }

  // The service worker (static/js/sw.js, served at /sw.js): installable app, pages that open
  // without a network.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the site works without */ });
  }

  // The password reset link carries its token after "#": browsers never send that part to a
  // server, so it is in no access log. Move it into the form and out of the address bar.
  var reset = document.getElementById("reset-form");
  if (reset && window.location.hash.length > 1) {
    reset.elements.token.value = window.location.hash.slice(1);
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname);
    }
  }
})();
