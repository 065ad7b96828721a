// The library's service worker: pages already visited and materials saved with "Lưu để đọc khi
// không có mạng" open without a network. Written without modules or build step (CSP: 'self').
"use strict";

var VERSION = "2";
var SHELL = "shell-" + VERSION;   // the offline page, styles, scripts, icons
var PAGES = "pages-" + VERSION;   // pages visited, newest answer kept
var SAVED = "saved";              // materials saved on purpose (static/js/offline.js)
var MAX_PAGES = 200;              // answers kept in PAGES, the oldest dropped first
var SHELL_FILES = [
  "/offline",
  "/static/css/site.css",
  "/static/js/site.js",
  "/static/js/offline.js",
  "/static/js/tracking.js",
  "/static/js/share.js",
  "/static/js/cards.js",
  "/static/img/icon-192.png"
];
// Never kept: writes, the API, counting beacons, management pages and file downloads.
var NOT_KEPT = /^\/(api|track|manage|login|logout|account|metrics|oai|files\/\d+\/[^/]+\.(pdf|mp4|webm|mp3|m4a))/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_FILES); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name !== SAVED && name !== SHELL && name !== PAGES;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(request, response) {
  if (response.ok && response.type === "basic" && response.headers.get("X-Offline-Keep") !== "no") {
    var copy = response.clone();
    caches.open(PAGES).then(function (cache) {
      return cache.put(request, copy).then(function () { return cache.keys(); }).then(function (keys) {
        return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map(function (key) {
          return cache.delete(key);
        }));
      });
    });
  }
  return response;
}

function fromCache(request) {
  return caches.match(request).then(function (found) {
    if (found || request.mode !== "navigate") { return found; }
    // A material opened from a shared link carries ?ch=...: the saved page is the same page.
    if (new URL(request.url).pathname.indexOf("/materials/") === 0) {
      return caches.match(request, { ignoreSearch: true });
    }
    return undefined;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || NOT_KEPT.test(url.pathname)) {
    return;
  }
  // Network first, so a worker online always sees the current page; the kept copy without one.
  event.respondWith(fetch(request).then(function (response) {
    return keep(request, response);
  }).catch(function () {
    return fromCache(request).then(function (found) {
      if (found) { return found; }
      if (request.mode === "navigate") { return caches.match("/offline"); }
      return new Response("", { status: 504, statusText: "Offline" });
    });
  }));
});
