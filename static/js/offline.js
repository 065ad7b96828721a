// "Lưu để đọc khi không có mạng": a material's page and its pictures are put in the browser's
// cache (the service worker answers from it without a network), and listed on /offline with
// their size and a way to remove each. What is saved stays on the phone: the server never knows.
(function () {
  "use strict";
  var KEY = "thuvien-saved";
  var CACHE = "saved";
  if (!("caches" in window) || !("serviceWorker" in navigator) || !window.localStorage) { return; }

  function saved() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function keep(items) { localStorage.setItem(KEY, JSON.stringify(items)); }
  function size(bytes) {
    var format = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 1 });
    return bytes >= 1048576 ? format.format(bytes / 1048576) + " MB" : format.format(bytes / 1024) + " KB";
  }

  function save(box, button, status) {
    var files = JSON.parse(box.dataset.files);
    var bytes = 0;
    button.disabled = true;
    status.textContent = box.dataset.saving;
    caches.open(CACHE).then(function (cache) {
      return Promise.all(files.map(function (file) {
        return fetch(file, { credentials: "same-origin" }).then(function (response) {
          if (!response.ok) { throw new Error(file + ": " + response.status); }
          return response.clone().blob().then(function (blob) {
            bytes += blob.size;
            return cache.put(file, response);
          });
        });
      }));
    }).then(function () {
      var items = saved();
      items[box.dataset.page] = { title: box.dataset.title, bytes: bytes, files: files, at: Date.now() };
      keep(items);
      status.textContent = box.dataset.done.replace("%s", size(bytes));
      button.textContent = box.dataset.savedLabel;
    }).catch(function () {
      status.textContent = box.dataset.failed;
      button.disabled = false;
    });
  }

  function remove(page) {
    var items = saved();
    var item = items[page];
    if (!item) { return Promise.resolve(); }
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(item.files.map(function (file) { return cache.delete(file); }));
    }).then(function () {
      delete items[page];
      keep(items);
    });
  }

  function list(box) {
    var items = saved();
    var pages = Object.keys(items).sort(function (a, b) { return items[b].at - items[a].at; });
    var total = 0;
    box.textContent = "";
    if (!pages.length) {
      var empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = box.dataset.empty;
      box.appendChild(empty);
      return;
    }
    var ul = document.createElement("ul");
    ul.className = "saved";
    pages.forEach(function (page) {
      var item = items[page];
      total += item.bytes;
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = page;
      link.lang = "vi";
      link.textContent = item.title;
      var facts = document.createElement("small");
      facts.textContent = size(item.bytes) + " · " + new Date(item.at).toLocaleDateString(document.documentElement.lang);
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = box.dataset.remove;
      button.setAttribute("aria-label", box.dataset.remove + ": " + item.title);
      button.addEventListener("click", function () { remove(page).then(function () { list(box); }); });
      li.append(link, facts, button);
      ul.appendChild(li);
    });
    var sum = document.createElement("p");
    sum.className = "saved-total";
    sum.textContent = box.dataset.total.replace("%s", size(total));
    box.append(ul, sum);
  }

  var box = document.querySelector(".save-offline");
  if (box) {
    var button = box.querySelector("button");
    var status = box.querySelector("[role=status]");
    box.hidden = false;
    if (saved()[box.dataset.page]) { button.textContent = box.dataset.savedLabel; }
    button.addEventListener("click", function () { save(box, button, status); });
  }
  var shelf = document.getElementById("saved-list");
  if (shelf) {
    list(shelf);
    var notice = document.getElementById("offline-now");
    if (notice && !navigator.onLine) { notice.hidden = false; }
  }
})();
