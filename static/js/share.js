// The share panel: copy the link, and the phone's own share sheet where the browser has one.
(function () {
  "use strict";

  document.querySelectorAll(".share").forEach(function (panel) {
    var copy = panel.querySelector(".share-copy");
    var native = panel.querySelector(".share-native");
    var shown = panel.querySelector(".share-shown");
    var field = panel.querySelector(".share-url");

    function showLink() {
      // No clipboard (old browser, no permission): show the link to copy by hand.
      shown.hidden = false;
      field.focus();
      field.select();
    }

    if (copy) {
      copy.addEventListener("click", function () {
        var url = copy.dataset.copy;
        if (!navigator.clipboard || !navigator.clipboard.writeText) { showLink(); return; }
        navigator.clipboard.writeText(url).then(function () {
          copy.textContent = copy.dataset.copied;
        }, showLink);
      });
    }

    if (native && navigator.share) {
      native.hidden = false;
      native.addEventListener("click", function () {
        navigator.share({ title: native.dataset.title, url: native.dataset.url })
          .catch(function () { /* the person closed the share sheet */ });
      });
    }
  });
})();
