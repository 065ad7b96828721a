// Tell the library that a video or audio started playing, once per page: a "play" for the
// Program 1268 figures. Nothing is sent if the browser lacks sendBeacon.
(function () {
  "use strict";
  if (!navigator.sendBeacon) { return; }
  document.querySelectorAll("video[data-material], audio[data-material]").forEach(function (media) {
    media.addEventListener("play", function () {
      navigator.sendBeacon("/track/play/" + encodeURIComponent(media.dataset.material));
    }, { once: true });
  });
})();
