// The "In" (print) button of the A4 sheet: shown only where JavaScript runs, prints the page.
(function () {
  "use strict";
  var button = document.getElementById("print-sheet");
  if (button && window.print) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }
})();
