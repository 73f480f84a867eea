// The film page: live processing status without reloading, and the thumbnail
// strip that jumps through the film once it is ready.
(function () {
  "use strict";

  var panel = document.getElementById("film-processing");
  if (panel && panel.dataset.status === "processing") {
    var bar = document.querySelector("#film-progress .progress-bar");
    var text = document.getElementById("film-status-text");
    // The width comes from the bar's value here, not a style attribute the CSP would refuse.
    bar.style.width = bar.parentElement.getAttribute("aria-valuenow") + "%";
    var poll = function () {
      fetch(panel.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (film) {
          if (film.status !== "processing") {
            // Ready or failed: the page itself shows the player or the error and retry button.
            window.location.reload();
            return;
          }
          bar.style.width = film.progress + "%";
          bar.parentElement.setAttribute("aria-valuenow", film.progress);
          text.textContent = film.step_label + (film.progress ? ": " + film.progress + "%" : "");
          window.setTimeout(poll, 1500);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1000);
  }

  var strip = document.querySelector(".thumbnail-strip");
  var video = document.getElementById("film-video");
  if (strip && video) {
    var count = parseInt(strip.dataset.count, 10);
    var interval = parseFloat(strip.dataset.interval);
    for (var i = 0; i < count; i++) {
      var seconds = i * interval;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "thumbnail";
      button.style.backgroundImage = "url(" + strip.dataset.src + ")";
      // With the sprite scaled to count tiles wide, tile i sits at i/(count-1) of the slack.
      button.style.backgroundPosition = (count > 1 ? (i * 100) / (count - 1) : 0) + "% 0";
      button.style.backgroundSize = (count * 100) + "% 100%";
      button.dataset.seconds = seconds;
      var label = Math.floor(seconds / 60) + ":" + String(Math.floor(seconds % 60)).padStart(2, "0");
      button.setAttribute("aria-label", "Jump to " + label);
      button.title = label;
      strip.appendChild(button);
    }
    strip.addEventListener("click", function (event) {
      var target = event.target.closest("button.thumbnail");
      if (target) {
        video.currentTime = parseFloat(target.dataset.seconds);
        video.focus();
      }
    });
  }
})();
