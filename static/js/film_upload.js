// Film upload: sends the chosen film to the server with tus (tus-js-client,
// global `tus`, loaded before this file) in bounded chunks that survive a
// dropped connection, a closed laptop lid or a reload, then posts the form
// with the upload's id. Progressive enhancement of #film-upload-form.
(function () {
  "use strict";

  var form = document.getElementById("film-upload-form");
  if (!form) return;

  var fileInput = document.getElementById("film-file");
  var drop = document.getElementById("film-drop");
  var fileName = document.getElementById("film-file-name");
  var progress = document.getElementById("upload-progress");
  var bar = progress.querySelector(".progress-bar");
  var statusLine = document.getElementById("upload-status");
  var submitButton = document.getElementById("upload-button");
  var pauseButton = document.getElementById("upload-pause");
  var uploadIdInput = document.getElementById("id_upload_id");
  var csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  var MiB = 1024 * 1024;
  var OFFLINE = "Connection lost — the upload will continue when you are back online.";
  var file = null;
  var upload = null;
  var uploading = false;
  var paused = false;
  var sessionEnded = false;
  var samples = []; // [time, bytes sent] over the last few seconds, for a steady speed
  var lastStatusAt = 0;

  function say(text) {
    statusLine.textContent = text;
  }

  if (typeof tus === "undefined" || !tus.isSupported) {
    say("This browser cannot upload films. Please use an up-to-date Chrome, Edge, Firefox or Safari.");
    submitButton.disabled = true;
    return;
  }

  // tus-js-client forgets an upload when resuming it gets any 4xx answer. Ours
  // is a 403 when the session has ended (a lid closed for longer than the idle
  // time-out): keep the record then, so that after logging in again the same
  // film carries on where it stopped instead of starting from nothing.
  var storage = tus.defaultOptions.urlStorage;
  var urlStorage = Object.create(storage);
  urlStorage.removeUpload = function (key) {
    return sessionEnded ? Promise.resolve() : storage.removeUpload(key);
  };

  // The default fingerprint, kept in localStorage, holds the film's file name,
  // which may name a child. Keep only a hash of it. Without crypto.subtle (only
  // on plain HTTP) nothing is stored: retries still resume, reloads do not.
  function fingerprint(chosen, options) {
    if (!(window.crypto && crypto.subtle && window.TextEncoder)) return Promise.resolve(null);
    var text = [chosen.name, chosen.type, chosen.size, chosen.lastModified, options.endpoint].join("|");
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (digest) {
      var hex = Array.from(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, "0"); });
      return "vig-film-" + hex.join("");
    });
  }

  // Resume records also keep the metadata (the file name): clear old ones from
  // this device. A week is well past the server's expiry, which each chunk renews.
  if (tus.canStoreURLs) storage.findAllUploads().then(function (records) {
    records.forEach(function (record) {
      if (Date.now() - Date.parse(record.creationTime) > 7 * 24 * 3600 * 1000) {
        storage.removeUpload(record.urlStorageKey);
      }
    });
  });

  function formatBytes(bytes) {
    var units = [["GB", 1024 * MiB], ["MB", MiB], ["KB", 1024]];
    for (var i = 0; i < units.length; i++) {
      if (bytes >= units[i][1]) return (bytes / units[i][1]).toFixed(1) + " " + units[i][0];
    }
    return Math.round(bytes) + " bytes";
  }

  function formatDuration(seconds) {
    if (seconds < 60) return Math.max(1, Math.round(seconds)) + " s";
    if (seconds < 3600) return Math.round(seconds / 60) + " min";
    return Math.floor(seconds / 3600) + " h " + Math.round((seconds % 3600) / 60) + " min";
  }

  function setBusy(busy) {
    uploading = busy;
    submitButton.disabled = busy;
    fileInput.disabled = busy;
    pauseButton.hidden = !busy;
    progress.hidden = false;
  }

  function choose(chosen) {
    if (!chosen || uploading) return;
    file = chosen;
    upload = null; // a different film is a different upload
    submitButton.textContent = "Upload film";
    fileName.textContent = file.name + " (" + formatBytes(file.size) + ")";
    say("");
  }

  fileInput.addEventListener("change", function () {
    choose(fileInput.files[0]);
  });
  // A film chosen before this script ran (a slow connection, a quick hand) fired its change
  // event with nobody listening: take it up now.
  if (fileInput.files.length) choose(fileInput.files[0]);
  drop.addEventListener("click", function (event) {
    if (!event.target.closest("label")) fileInput.click(); // the label opens the picker itself
  });
  drop.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      fileInput.click();
    }
  });
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (event) {
      event.preventDefault(); // without this the browser opens the dropped film itself
      drop.classList.add("drag-over");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function () {
      drop.classList.remove("drag-over");
    });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    choose(event.dataTransfer.files[0]);
  });

  function showProgress(sent, total) {
    var now = Date.now();
    if (samples.length && sent < samples[samples.length - 1][1]) samples = []; // resumed from the server's offset
    samples.push([now, sent]);
    while (samples.length > 2 && now - samples[0][0] > 5000) samples.shift();
    var percent = total ? Math.floor((sent / total) * 100) : 0;
    bar.style.width = percent + "%";
    progress.setAttribute("aria-valuenow", String(percent));
    // The status line is a live region: once a second is plenty for a screen reader.
    if (now - lastStatusAt < 1000 && sent < total) return;
    lastStatusAt = now;
    var parts = [percent + "%", formatBytes(sent) + " of " + formatBytes(total)];
    var seconds = (now - samples[0][0]) / 1000;
    var speed = seconds >= 1 ? (sent - samples[0][1]) / seconds : 0;
    if (speed > 0) {
      parts.push(formatBytes(speed) + "/s", "about " + formatDuration((total - sent) / speed) + " left");
    }
    say(parts.join(" · "));
  }

  function showError(error) {
    if (!navigator.onLine) {
      say(OFFLINE); // the 'online' listener carries on
      return;
    }
    setBusy(false);
    submitButton.textContent = "Try again";
    var response = error.originalResponse;
    var status = response ? response.getStatus() : 0;
    var body = response ? response.getBody() || "" : "";
    if (status === 403) {
      say("Your session has ended. Reload this page and log in, then choose the same film: it will carry on where it stopped.");
    } else if (status >= 400 && status < 500 && body && body.length < 200 && body.indexOf("<") === -1) {
      say(body); // our own short messages, e.g. "The film is larger than the 4 GB limit."
    } else {
      say("The upload stopped: the connection or the server failed. Press Try again to carry on from where it stopped.");
    }
  }

  function finish() {
    uploading = false; // no leave-page warning for the form's own submission
    uploadIdInput.value = upload.url.replace(/\/+$/, "").split("/").pop();
    bar.style.width = "100%";
    progress.setAttribute("aria-valuenow", "100");
    pauseButton.hidden = true;
    say("Upload complete — checking the film…");
    form.submit();
  }

  function start() {
    upload = new tus.Upload(file, {
      endpoint: form.dataset.tusEndpoint,
      chunkSize: 8 * MiB, // every request is bounded: a drop costs at most one chunk
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
      headers: { "X-CSRFToken": csrfToken },
      metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
      removeFingerprintOnSuccess: true,
      fingerprint: fingerprint,
      urlStorage: urlStorage,
      onAfterResponse: function (req, res) {
        sessionEnded = res.getStatus() === 403;
      },
      onProgress: showProgress,
      onError: showError,
      onSuccess: finish,
    });
    begin();
    upload
      .findPreviousUploads()
      .then(
        function (previous) {
          previous.sort(function (a, b) {
            return Date.parse(b.creationTime) - Date.parse(a.creationTime);
          });
          if (previous.length) upload.resumeFromPreviousUpload(previous[0]); // the server says from which byte
        },
        function () {} // no record to resume from: a fresh upload
      )
      .then(function () {
        upload.start();
      });
  }

  function begin() {
    setBusy(true);
    paused = false;
    pauseButton.textContent = "Pause";
    samples = [];
    say("Uploading…");
  }

  form.addEventListener("submit", function (event) {
    if (uploadIdInput.value) return; // the film is up: let the form go to the server
    event.preventDefault();
    if (uploading || !form.reportValidity()) return; // the browser points at what is missing
    if (!file) {
      say("Choose the film to upload.");
      drop.focus();
      return;
    }
    if (upload && upload.url) {
      begin(); // "Try again": tus asks the server how far it got and carries on
      upload.start();
    } else {
      start();
    }
  });

  pauseButton.addEventListener("click", function () {
    if (!upload) return;
    paused = !paused;
    pauseButton.textContent = paused ? "Resume" : "Pause";
    if (paused) {
      upload.abort();
      say("Paused.");
    } else {
      samples = [];
      upload.start();
      say("Uploading…");
    }
  });

  window.addEventListener("offline", function () {
    if (uploading && !paused) say(OFFLINE);
  });
  window.addEventListener("online", function () {
    if (!uploading || paused) return;
    say("Back online — carrying on…");
    // Abort first: a request that hung when the network went must not run alongside the new one.
    upload.abort().then(function () {
      samples = [];
      upload.start();
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (uploading) {
      event.preventDefault();
      event.returnValue = ""; // older browsers need a value to show their warning
    }
  });
})();
