// The subject access export page: live progress while a worker builds the zip,
// then a reload to show the download button (or the error).
(function () {
  "use strict";

  var panel = document.getElementById("export-progress-panel");
  if (!panel) {
    return;
  }
  var meter = document.getElementById("export-progress");
  var bar = meter.querySelector(".progress-bar");
  var text = document.getElementById("export-status-text");

  var show = function (percent) {
    bar.style.width = percent + "%";
    meter.setAttribute("aria-valuenow", percent);
  };
  show(parseInt(meter.dataset.progress, 10) || 0);

  var poll = function () {
    fetch(panel.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (state) {
        if (state.status !== "queued" && state.status !== "building") {
          window.location.reload();
          return;
        }
        show(state.progress);
        text.textContent = (state.step || state.status_label) + " (" + state.progress + "%)";
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  };
  window.setTimeout(poll, 1000);
})();
