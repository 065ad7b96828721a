// A material's background jobs, followed live on its page by its editors: while one is queued
// or running, its state is asked of the server every few seconds (/manage/materials/<id>/
// jobs.json) and the line and progress bar under the title say it; a failed job says why; when
// nothing runs any more the page is loaded again to show what the jobs made (a failure alone is
// only said). Polling stops as soon as nothing runs, or the answer says it cannot be read.
(function () {
  "use strict";

  var POLL_MS = 3000;
  var MAX_MISSES = 5;   // network errors in a row before giving up (offline, server gone)
  var list = document.querySelector("ul.jobs[data-status]");
  if (!list) { return; }

  function active(state) { return state === "queued" || state === "running"; }

  function lineFor(job) {
    var line = list.querySelector('li[data-kind="' + job.kind + '"]');
    if (!line) {
      line = document.createElement("li");
      line.dataset.kind = job.kind;
      line.appendChild(document.createElement("span")).className = "job-text";
      list.appendChild(line);
    }
    return line;
  }

  function show(job) {
    var line = lineFor(job);
    line.className = "job job-" + job.status;
    line.dataset.state = job.status;
    line.querySelector(".job-text").textContent = job.message;
    var bar = line.querySelector("progress");
    if (job.status === "running") {
      if (!bar) {
        line.appendChild(document.createTextNode(" "));
        bar = line.appendChild(document.createElement("progress"));
        bar.max = 100;
      }
      bar.value = job.progress;
      bar.textContent = job.progress + " %";
    } else if (bar) {
      bar.remove();
    }
  }

  var finished = false;   // a job that ran while this page was open has ended done
  var misses = 0;

  function running() {
    return Array.prototype.some.call(list.querySelectorAll("li"), function (li) {
      return active(li.dataset.state);
    });
  }

  function apply(body) {
    body.jobs.forEach(function (job) {
      var line = list.querySelector('li[data-kind="' + job.kind + '"]');
      if (job.status === "done") {
        if (line) { line.remove(); finished = true; }
        return;
      }
      show(job);
    });
    if (body.running) { return schedule(); }
    if (finished) { window.location.reload(); }
  }

  function poll() {
    fetch(list.dataset.status, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      if (!response.ok) { throw new Error("refused: " + response.status); }
      misses = 0;
      return response.json().then(apply);
    }).catch(function (error) {
      misses += 1;
      // A refusal (signed out, no longer allowed) is final; the network may come back.
      if (!/^refused/.test(error.message) && misses < MAX_MISSES) { schedule(); }
    });
  }

  function schedule() { window.setTimeout(poll, POLL_MS); }

  if (running()) { schedule(); }
})();
