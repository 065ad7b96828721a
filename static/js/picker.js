// Material inputs: suggestions from the library as the officer types a title. Each suggestion
// reads "Title (#12)"; the server also understands a plain title, so this is only a help.
(function () {
  "use strict";

  var WAIT_MS = 200;

  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var asked = "";

    function fill(materials) {
      list.replaceChildren.apply(list, materials.map(function (m) {
        var option = document.createElement("option");
        option.value = m.value;
        return option;
      }));
    }

    function ask() {
      var text = input.value.trim();
      if (text.length < 2 || text === asked || /\(#\d+\)$/.test(text)) { return; }
      asked = text;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.ok ? response.json() : { materials: [] };
      }).then(function (body) {
        if (asked === text) { fill(body.materials || []); }
      }).catch(function () { /* offline: the title is searched on submit instead */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, WAIT_MS);
    });
  });
})();
