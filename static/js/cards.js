// On a phone each table row shows as a card (site.css): label every cell with its column's
// name, so a card reads "Kênh: Zalo". Without this file the cards show the values alone.
(function () {
  "use strict";

  document.querySelectorAll("main table").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) { return; }
    var names = [];
    heads.forEach(function (th) {
      for (var i = 0; i < (th.colSpan || 1); i++) { names.push(th.textContent.trim()); }
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        var name = names[column];
        if (name && cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", name);
        }
        column += cell.colSpan || 1;
      });
    });
  });
})();
