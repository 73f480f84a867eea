// Micro-analysis: a frame-accurate player for reading the film frame by frame,
// marking clips, noting moments, previewing and ordering the chosen clips, and
// their live status while the worker cuts them. The practitioner's hands are
// on the keys and eyes on the film, so every action has a key as well as a
// button, and each one is said in #analysis-status for screen readers.
// Progressive enhancement of the #analysis page: without it the forms still post.
(function () {
  "use strict";

  var section = document.getElementById("analysis");
  var video = document.getElementById("analysis-video");
  if (!section || !video) return;

  var fps = parseFloat(section.dataset.fps) || 25;
  var frameCount = parseInt(section.dataset.frameCount, 10) || 0;
  var statusLine = document.getElementById("analysis-status");
  var timecodeOut = document.getElementById("timecode");
  var marksOut = document.getElementById("marks");
  var rateSelect = document.getElementById("playback-rate");
  var playButton = section.querySelector('[data-action="play"]');
  var strip = section.querySelector(".thumbnail-strip");
  var clipForm = document.getElementById("clip-form");
  var startInput = document.getElementById("id_start_frame");
  var endInput = document.getElementById("id_end_frame");
  var captionInput = document.getElementById("id_caption");
  var lengthOut = document.getElementById("clip-length");
  var annotationForm = document.getElementById("annotation-form");
  var annotationFrame = document.getElementById("id_annotation_frame");
  var annotationNote = document.getElementById("id_annotation_note");
  var annotationList = document.getElementById("annotation-list");
  var clipList = document.getElementById("clip-list");
  var helpDialog = document.getElementById("shortcuts-help");

  // The video has no native controls (ours are frame-accurate); it takes focus
  // only from script, when "the player" is where the practitioner goes back to.
  if (!video.hasAttribute("tabindex")) video.tabIndex = -1;

  // ---------------------------------------------------------------- frames

  var hasFrameCallback = "requestVideoFrameCallback" in HTMLVideoElement.prototype;
  var shown = null; // the frame on screen, as the compositor reported it
  var target = null; // the frame a seek still under way will show

  function lastFrame() {
    if (frameCount > 0) return frameCount - 1;
    if (isFinite(video.duration) && video.duration > 0) return Math.max(0, Math.ceil(video.duration * fps) - 1);
    return Infinity; // metadata not loaded yet: do not clamp to frame 0
  }

  function clamp(frame) {
    return Math.min(Math.max(0, Math.round(frame)), lastFrame());
  }

  // While playing, currentTime runs ahead of the picture; the frame callback
  // says what is really on screen. Paused, every seek of ours lands mid-frame,
  // so currentTime names the frame without doubt.
  function timeFrame() {
    return clamp(Math.floor(video.currentTime * fps + 1e-3));
  }

  function currentFrame() {
    if (target !== null) return target;
    if (shown !== null) return shown;
    return timeFrame();
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function timecode(frame) {
    var seconds = Math.floor(frame / fps + 1e-9);
    var ff = frame - Math.ceil(seconds * fps - 1e-9); // also right for a rate such as 29.97
    return pad(Math.floor(seconds / 3600)) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60) + ":" + pad(ff);
  }

  function describe(frame) {
    return timecode(frame) + ", frame " + frame;
  }

  var positionTimer = null;
  var news = []; // clip status changes held back while a position is about to be said

  function say(text) {
    window.clearTimeout(positionTimer); // what was just done matters more than where
    positionTimer = null;
    if (news.length) text += " " + news.splice(0).join(" ");
    if (!statusLine) return;
    // The same words twice in a row are not read again unless the text changes.
    statusLine.textContent = text === statusLine.textContent ? text + "\u00a0" : text;
  }

  // Holding an arrow key steps many frames a second: say only where it stopped.
  function sayPositionSoon() {
    window.clearTimeout(positionTimer);
    positionTimer = window.setTimeout(function () {
      say(describe(currentFrame()));
    }, 400);
  }

  // News from the server must not cut short, or be cut short by, the position.
  function sayNews(text) {
    if (positionTimer === null) say(text);
    else news.push(text);
  }

  var rendered = null;
  function render() {
    var frame = currentFrame();
    if (frame === rendered) return;
    rendered = frame;
    if (timecodeOut) timecodeOut.textContent = timecode(frame) + " · frame " + frame;
    highlightThumbnail(frame);
  }

  // Seek to the middle of the frame: never a boundary, where rounding could
  // show the frame before or after. One seek at a time: in Chromium, seeks
  // sent faster than frames are painted (a held arrow key) could leave an
  // earlier frame on screen for good while the player had moved on. So a seek
  // waits until the one before has been painted, and then goes straight to
  // the latest frame asked for, skipping those in between.
  var sentFrame = null; // the frame of the seek under way
  var sentAt = 0;
  var paintedSinceSeek = false; // a frame callback came after the seek was sent

  function showFrame(frame) {
    frame = clamp(frame);
    if (!isFinite(frame)) return currentFrame();
    target = frame;
    render();
    // A seek that never finished (a load reset it) must not block the rest.
    if (sentFrame === null || Date.now() - sentAt > 3000) sendSeek();
    return frame;
  }

  function sendSeek() {
    if (video.readyState === 0) {
      sentFrame = null; // no seeking before metadata: "loadedmetadata" sends it
      return;
    }
    sentFrame = target;
    sentAt = Date.now();
    paintedSinceSeek = false;
    video.currentTime = (target + 0.5) / fps;
  }

  function seekDone() {
    if (sentFrame === null) return;
    if (target !== null && target !== sentFrame) {
      sendSeek();
      return;
    }
    sentFrame = null;
    target = null;
    // A seek to the frame already on screen paints nothing new, so no frame
    // callback comes: currentTime then names the frame. If one did come, it
    // has the last word, even when it is not the frame asked for: a frame
    // decoded before a pause can still be painted after it, and Chromium
    // then sometimes leaves it up.
    if (hasFrameCallback && !paintedSinceSeek) shown = timeFrame();
    render();
  }

  video.addEventListener("seeked", function () {
    if (video.seeking) return; // a later seek is still under way
    // Two animation frames: the new picture has been painted by then.
    window.requestAnimationFrame(function () {
      window.requestAnimationFrame(seekDone);
    });
  });

  video.addEventListener("emptied", function () {
    sentFrame = null;
  });

  function frameShown() {
    render();
    checkPreviewEnd();
  }

  if (hasFrameCallback) {
    var onFrame = function (now, metadata) {
      shown = clamp(Math.round(metadata.mediaTime * fps));
      paintedSinceSeek = true;
      video.requestVideoFrameCallback(onFrame);
      frameShown();
    };
    video.requestVideoFrameCallback(onFrame);
  } else {
    // Older Safari and Firefox: follow currentTime once per screen refresh.
    var tick = function () {
      frameShown();
      if (!video.paused) window.requestAnimationFrame(tick);
    };
    video.addEventListener("play", function () {
      window.requestAnimationFrame(tick);
    });
  }

  video.addEventListener("loadedmetadata", function () {
    if (!frameCount && isFinite(video.duration)) frameCount = Math.round(video.duration * fps);
    if (target !== null && sentFrame === null) sendSeek(); // asked for before the film could seek
    rendered = null;
    render();
  });

  // ---------------------------------------------------------------- playing

  function updatePlayButton() {
    if (playButton) playButton.setAttribute("aria-pressed", String(!video.paused));
  }

  video.addEventListener("play", updatePlayButton);
  video.addEventListener("pause", function () {
    updatePlayButton();
    // Snap to the frame on screen, so that currentTime agrees with the picture
    // and the next step or mark starts from what the practitioner saw.
    if (target !== null || video.ended) return;
    var frame = hasFrameCallback && shown !== null ? shown : timeFrame();
    showFrame(frame);
    if (pauseToSay) say("Paused at " + describe(frame));
    pauseToSay = false;
  });
  var pauseToSay = false;
  video.addEventListener("ended", function () {
    updatePlayButton();
    previewEnd = null;
    say("End of the film, " + describe(currentFrame()) + ".");
  });
  video.addEventListener("error", function () {
    say("The film could not be loaded. Reload the page to try again.");
  });

  function play() {
    var promise = video.play();
    if (promise && promise.catch) {
      promise.catch(function (error) {
        if (error && error.name !== "AbortError") say("The film could not play: " + error.message);
      });
    }
  }

  function togglePlay() {
    cancelPreview();
    if (video.paused || video.ended) {
      play();
      say(video.playbackRate === 1 ? "Playing" : "Playing at " + rateLabel(video.playbackRate));
    } else if (hasFrameCallback) {
      var frame = currentFrame();
      video.pause();
      showFrame(frame);
      say("Paused at " + describe(frame));
    } else {
      // Without the frame callback, seeking in the same task as pausing
      // sometimes left another frame up in Chromium: the "pause" listener snaps.
      pauseToSay = true;
      video.pause();
    }
  }

  function stepFrames(frames) {
    cancelPreview();
    var from = currentFrame();
    if (!video.paused) video.pause(); // stepping while playing would be lost at once
    showFrame(from + frames);
    sayPositionSoon();
  }

  function jumpFrames(frames) {
    cancelPreview();
    showFrame(currentFrame() + frames); // keeps playing if it was
    sayPositionSoon();
  }

  function goTo(frame) {
    cancelPreview();
    showFrame(frame);
    sayPositionSoon();
  }

  // ---------------------------------------------------------------- speed

  var rates = rateSelect
    ? Array.prototype.map.call(rateSelect.options, function (option) { return parseFloat(option.value); })
    : [0.25, 0.5, 1, 1.5, 2];

  function rateLabel(rate) {
    return rate + "×";
  }

  function setRate(index) {
    var rate = rates[index];
    video.playbackRate = rate;
    video.defaultPlaybackRate = rate; // survives the reset a new load does
    if (rateSelect) rateSelect.selectedIndex = index;
    say("Speed " + rateLabel(rate));
  }

  function rateIndex() {
    var index = rates.indexOf(video.playbackRate);
    return index === -1 ? rates.indexOf(1) : index;
  }

  function changeRate(direction) {
    var index = rateIndex() + direction;
    if (index < 0 || index >= rates.length) {
      say((direction < 0 ? "Already the slowest speed, " : "Already the fastest speed, ") + rateLabel(video.playbackRate));
      return;
    }
    setRate(index);
  }

  if (rateSelect) {
    rateSelect.addEventListener("change", function () {
      setRate(rateSelect.selectedIndex);
    });
    // A reload can keep a changed choice in the select: play at what it shows.
    if (rateSelect.selectedIndex >= 0) video.playbackRate = video.defaultPlaybackRate = rates[rateSelect.selectedIndex];
  }

  // ---------------------------------------------------------------- marks

  var marks = { in: null, out: null };

  function readFrame(input) {
    if (!input || input.value.trim() === "") return null;
    var value = parseInt(input.value, 10);
    return isNaN(value) ? null : value;
  }

  function markText(frame) {
    return frame === null ? "not set" : timecode(frame) + " (frame " + frame + ")";
  }

  function lengthText() {
    if (marks.in === null || marks.out === null) return { text: "", long: false };
    if (marks.out < marks.in) return { text: "The out mark is before the in mark.", long: false };
    var frames = marks.out - marks.in + 1; // both marked frames are in the clip
    var seconds = frames / fps;
    var text = seconds.toFixed(1) + " s (" + frames + " frames)";
    return { text: seconds > 60 ? text + " — Long for a clip (over a minute)" : text, long: seconds > 60 };
  }

  function showMarks() {
    if (marksOut) marksOut.textContent = "In: " + markText(marks.in) + " · Out: " + markText(marks.out);
    if (lengthOut) {
      var length = lengthText();
      lengthOut.textContent = length.text;
      lengthOut.classList.toggle("is-long", length.long);
    }
  }

  function setMark(which) {
    cancelPreview();
    var frame = currentFrame();
    marks[which] = frame;
    var message = (which === "in" ? "Marked in at " : "Marked out at ") + describe(frame) + ".";
    if (marks.in !== null && marks.out !== null && marks.out < marks.in) {
      var earlier = marks.out;
      marks.out = marks.in;
      marks.in = earlier;
      message += " In and out were the wrong way round, so they were swapped: in at frame " + marks.in + ", out at frame " + marks.out + ".";
    }
    if (startInput) startInput.value = marks.in === null ? "" : marks.in;
    if (endInput) endInput.value = marks.out === null ? "" : marks.out;
    showMarks();
    var length = lengthText();
    if (length.text) message += " Length " + length.text + ".";
    say(message);
  }

  function marksFromFields() {
    marks.in = readFrame(startInput);
    marks.out = readFrame(endInput);
    showMarks();
  }

  [startInput, endInput].forEach(function (input) {
    if (input) input.addEventListener("input", marksFromFields);
  });
  marksFromFields(); // a form shown again after an error keeps its numbers

  function saveClip() {
    if (!clipForm) return;
    if (marks.in === null || marks.out === null) {
      var missing = marks.in === null && marks.out === null ? "Mark in (I) and mark out (O)" : marks.in === null ? "Mark in (I)" : "Mark out (O)";
      say(missing + " first, then save the clip.");
      return;
    }
    if (marks.out < marks.in) {
      say("The out mark (frame " + marks.out + ") is before the in mark (frame " + marks.in + "). Mark them again.");
      return;
    }
    if (captionInput && !captionInput.value.trim()) {
      if (!video.paused) togglePlay();
      captionInput.focus();
      say("Write a caption: what is happening, in your words. Then press Enter or Save clip. Escape goes back to the film.");
      return;
    }
    say("Saving the clip…");
    if (clipForm.requestSubmit) clipForm.requestSubmit(); // runs the form's own checks and handlers
    else clipForm.submit();
  }

  // ---------------------------------------------------------------- notes

  function noteMoment() {
    if (!annotationForm || !annotationFrame) return;
    cancelPreview();
    var frame = currentFrame();
    if (!video.paused) {
      video.pause();
      showFrame(frame); // keep the noted frame on screen, not the one after
    }
    annotationFrame.value = frame;
    if (annotationNote) annotationNote.focus();
    say("Noting the moment at " + describe(frame) + ". Type the note and press Enter to save it; Escape goes back to the film.");
  }

  if (annotationForm && annotationFrame) {
    annotationForm.addEventListener("submit", function () {
      if (annotationFrame.value === "") annotationFrame.value = currentFrame();
    });
  }

  if (annotationList) {
    annotationList.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (!button || !annotationList.contains(button)) return;
      var frame = parseInt(button.dataset.frame, 10);
      if (isNaN(frame)) return;
      if (button.dataset.action === "goto-frame") {
        if (!video.paused) video.pause();
        goTo(frame);
      } else if (button.dataset.action === "clip-from-here") {
        if (!video.paused) video.pause();
        cancelPreview();
        showFrame(frame);
        setMark("in");
        focusPlayer();
      }
    });
  }

  function focusPlayer() {
    video.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- preview a clip

  var previewEnd = null;
  var previewLabel = "";

  function clipLabel(item) {
    return "Clip " + (clipItems().indexOf(item) + 1);
  }

  function previewClip(item) {
    var start = parseInt(item.dataset.startFrame, 10);
    var end = parseInt(item.dataset.endFrame, 10);
    if (isNaN(start) || isNaN(end)) return;
    video.pause();
    showFrame(start);
    previewEnd = clamp(end);
    previewLabel = clipLabel(item).toLowerCase();
    play();
    say("Playing " + previewLabel + ", from " + describe(start) + " to frame " + end + ".");
  }

  function cancelPreview() {
    previewEnd = null;
  }

  // Called for every frame put on screen: pausing there keeps that frame up.
  // Frames the compositor skipped are made good by seeking back to the end.
  // Without the frame callback, currentTime lags the picture: stop a little
  // early (the seek to the end frame still shows it) rather than a frame late.
  function checkPreviewEnd() {
    if (previewEnd === null || video.paused || target !== null) return;
    var frame = hasFrameCallback && shown !== null
      ? shown
      : Math.floor((video.currentTime + 0.05 * video.playbackRate) * fps + 1e-3);
    if (frame < previewEnd) return;
    var end = previewEnd;
    previewEnd = null;
    video.pause();
    target = end; // from now on the end frame is what counts, whatever the seek does
    if (hasFrameCallback) {
      showFrame(end);
    } else {
      // Seeking in the same task as pausing sometimes left the frame before
      // on screen in Chromium without the callback: seek once it has paused.
      video.addEventListener("pause", function () { showFrame(end); }, { once: true });
    }
    say("End of " + previewLabel + ", " + describe(end) + ".");
  }

  // ---------------------------------------------------------------- clip list

  function clipItems() {
    return clipList ? Array.prototype.slice.call(clipList.querySelectorAll(".clip-item")) : [];
  }

  function csrfToken() {
    var input = (clipForm && clipForm.querySelector("input[name=csrfmiddlewaretoken]")) ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  if (clipList) {
    clipList.addEventListener("click", function (event) {
      var button = event.target.closest('[data-action="preview-clip"]');
      if (button && clipList.contains(button)) previewClip(button.closest(".clip-item"));
    });

    // A still is of the frame on screen; the server checks it lies in the clip,
    // and saying so here saves a round trip and a lost caption.
    clipList.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.classList.contains("still-form")) return;
      var item = form.closest(".clip-item");
      var start = parseInt(item.dataset.startFrame, 10);
      var end = parseInt(item.dataset.endFrame, 10);
      var frame = currentFrame();
      if (frame < start || frame > end) {
        event.preventDefault();
        say("Move to a frame inside this clip first: frames " + start + " to " + end + ". The film is at frame " + frame + ".");
        return;
      }
      if (!video.paused) {
        video.pause();
        showFrame(frame);
      }
      var input = form.querySelector("input[name=frame]");
      if (input) input.value = frame;
    });
  }

  // Drag and drop for mouse and touch; keyboard and screen-reader users have
  // the Move up / Move down forms, which work without script.
  if (clipList && section.dataset.reorderUrl) {
    var dragged = null;
    var orderBefore = null;
    var dropped = false;

    var orderOf = function () {
      return clipItems().map(function (item) { return parseInt(item.dataset.clipId, 10); });
    };

    var restore = function (order) {
      order.forEach(function (id) {
        clipList.appendChild(clipList.querySelector('.clip-item[data-clip-id="' + id + '"]'));
      });
    };

    // Numbers and the first/last Move buttons as the server would render them now.
    var renumber = function () {
      var items = clipItems();
      items.forEach(function (item, index) {
        item.querySelectorAll(".clip-number").forEach(function (number) { number.textContent = index + 1; });
        item.querySelectorAll('input[name="direction"]').forEach(function (input) {
          var button = input.form && input.form.querySelector("button");
          if (!button) return;
          button.disabled = (input.value === "up" && index === 0) || (input.value === "down" && index === items.length - 1);
        });
      });
    };

    // A drag that starts in a text box would stop the caption from being selected.
    clipList.addEventListener("pointerdown", function (event) {
      var item = event.target.closest(".clip-item");
      if (item) item.draggable = !event.target.closest("input, textarea, select");
    });

    clipList.addEventListener("dragstart", function (event) {
      var item = event.target.closest && event.target.closest(".clip-item");
      if (!item || !clipList.contains(item)) return;
      dragged = item;
      orderBefore = orderOf();
      dropped = false;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.clipId); // Firefox drags nothing without data
      item.classList.add("is-dragging");
    });

    var over = function (event) {
      if (!dragged) return;
      event.preventDefault(); // allows the drop
      event.dataTransfer.dropEffect = "move";
      var item = event.target.closest && event.target.closest(".clip-item");
      if (!item || item === dragged || !clipList.contains(item)) return;
      var box = item.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      clipList.insertBefore(dragged, after ? item.nextSibling : item);
    };
    clipList.addEventListener("dragenter", over);
    clipList.addEventListener("dragover", over);

    clipList.addEventListener("drop", function (event) {
      if (!dragged) return;
      event.preventDefault();
      dropped = true;
      var order = orderOf();
      var label = clipLabel(dragged);
      if (order.join() === orderBefore.join()) return;
      renumber();
      fetch(section.dataset.reorderUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify({ order: order }),
      })
        .then(function (response) {
          if (!response.ok) return Promise.reject(response.status);
          say("Moved to " + label.toLowerCase() + ". The shared review will play the clips in this order.");
        })
        .catch(function () {
          // The server's order is the truth: show it rather than a list that lies.
          say("The new order could not be saved. Reloading the page…");
          window.location.reload();
        });
    });

    clipList.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("is-dragging");
      if (!dropped) restore(orderBefore); // cancelled (Escape, or dropped outside the list)
      dragged = null;
    });
  }

  // Live status while clips are being cut.
  var statusUrl = section.dataset.clipStatusUrl;
  var BADGE_CLASSES = { processing: "text-bg-info", ready: "text-bg-success", failed: "text-bg-danger" };

  function processingItems() {
    return clipItems().filter(function (item) { return item.dataset.status === "processing"; });
  }

  function updateClip(item, clip) {
    var before = item.dataset.status;
    item.dataset.status = clip.status;
    var badge = item.querySelector(".clip-status");
    if (badge) {
      badge.textContent = clip.status_label;
      Object.keys(BADGE_CLASSES).forEach(function (status) {
        if (badge.classList.contains("badge")) badge.classList.toggle(BADGE_CLASSES[status], status === clip.status);
      });
    }
    var errorText = item.querySelector(".clip-error");
    if (clip.error && !errorText && badge) {
      errorText = document.createElement("span");
      errorText.className = "clip-error text-danger";
      badge.insertAdjacentElement("afterend", errorText);
      badge.insertAdjacentText("afterend", " ");
    }
    if (errorText) errorText.textContent = clip.error || "";
    if (before === "processing" && clip.status === "ready") return clipLabel(item) + " is ready.";
    if (before === "processing" && clip.status === "failed") {
      return clipLabel(item) + " could not be cut" + (clip.error ? ": " + clip.error : ".");
    }
    return "";
  }

  function pollClips() {
    fetch(statusUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        var changes = [];
        (data.clips || []).forEach(function (clip) {
          var item = clipList.querySelector('.clip-item[data-clip-id="' + clip.id + '"]');
          if (!item || item.dataset.status === clip.status) return;
          var message = updateClip(item, clip);
          if (message) changes.push(message);
        });
        if (changes.length) sayNews(changes.join(" "));
        if (processingItems().length) window.setTimeout(pollClips, 1500);
      })
      .catch(function () { window.setTimeout(pollClips, 5000); });
  }

  if (clipList && statusUrl && processingItems().length) window.setTimeout(pollClips, 1500);

  // ---------------------------------------------------------------- thumbnails

  var thumbnails = [];
  var thumbnailInterval = 0;
  var currentThumbnail = null;

  if (strip && strip.dataset.src) {
    var count = parseInt(strip.dataset.count, 10) || 0;
    thumbnailInterval = parseFloat(strip.dataset.interval) || 0;
    for (var i = 0; i < count; i++) {
      var seconds = i * thumbnailInterval;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "thumbnail";
      button.style.backgroundImage = "url(" + strip.dataset.src + ")";
      // With the sprite scaled to count tiles wide, tile i sits at i/(count-1) of the slack.
      button.style.backgroundPosition = (count > 1 ? (i * 100) / (count - 1) : 0) + "% 0";
      button.style.backgroundSize = count * 100 + "% 100%";
      // Tile i is the first keyframe at or after its time: land on (about) that frame.
      button.dataset.frame = Math.ceil(seconds * fps - 1e-6);
      var label = Math.floor(seconds / 60) + ":" + String(Math.floor(seconds % 60)).padStart(2, "0");
      button.setAttribute("aria-label", "Jump to " + label);
      button.title = label;
      strip.appendChild(button);
      thumbnails.push(button);
    }
    strip.addEventListener("click", function (event) {
      var thumbnail = event.target.closest("button.thumbnail");
      if (thumbnail) goTo(parseInt(thumbnail.dataset.frame, 10));
    });
  }

  // Which stretch of the film is on screen, kept in view in the strip (not the page).
  function highlightThumbnail(frame) {
    if (!thumbnails.length || !thumbnailInterval) return;
    var index = Math.min(thumbnails.length - 1, Math.floor(frame / fps / thumbnailInterval + 1e-9));
    var thumbnail = thumbnails[index];
    if (thumbnail === currentThumbnail) return;
    if (currentThumbnail) currentThumbnail.classList.remove("is-current");
    thumbnail.classList.add("is-current");
    currentThumbnail = thumbnail;
    var left = thumbnail.getBoundingClientRect().left - strip.getBoundingClientRect().left + strip.scrollLeft;
    if (left < strip.scrollLeft || left + thumbnail.offsetWidth > strip.scrollLeft + strip.clientWidth) {
      strip.scrollLeft = left - (strip.clientWidth - thumbnail.offsetWidth) / 2;
    }
  }

  // ---------------------------------------------------------------- shortcuts help

  var focusBeforeHelp = null;

  function openHelp() {
    if (!helpDialog || helpDialog.open) return;
    focusBeforeHelp = document.activeElement;
    if (helpDialog.showModal) helpDialog.showModal();
    else helpDialog.setAttribute("open", "");
  }

  function closeHelp() {
    if (!helpDialog || !helpDialog.open) return;
    if (helpDialog.close) helpDialog.close();
    else {
      helpDialog.removeAttribute("open");
      helpDialog.dispatchEvent(new Event("close"));
    }
  }

  if (helpDialog) {
    helpDialog.addEventListener("click", function (event) {
      // A click on the dialog box itself (not its content) is on the backdrop.
      if (event.target.closest('[data-action="close-help"]') || event.target === helpDialog) closeHelp();
    });
    helpDialog.addEventListener("close", function () {
      if (focusBeforeHelp && focusBeforeHelp !== document.body && document.contains(focusBeforeHelp)) {
        focusBeforeHelp.focus({ preventScroll: true });
      } else {
        focusPlayer();
      }
    });
  }

  // ---------------------------------------------------------------- buttons and keys

  var actions = {
    "second-back": function () { jumpFrames(-Math.round(fps)); },
    "frame-back": function () { stepFrames(-1); },
    play: togglePlay,
    "frame-forward": function () { stepFrames(1); },
    "second-forward": function () { jumpFrames(Math.round(fps)); },
    "mark-in": function () { setMark("in"); },
    "mark-out": function () { setMark("out"); },
    note: noteMoment,
    "save-clip": saveClip,
    help: openHelp,
  };

  var toolbar = section.querySelector(".player-controls");
  if (toolbar) {
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (button && actions[button.dataset.action]) actions[button.dataset.action]();
    });
  }

  // A click or tap on a player button hands the focus to the player, not the
  // button: Space then goes on playing and pausing, rather than pressing that
  // button again or ticking a box that had the focus before. Keyboard users
  // who Tab to a button keep the focus there, and Space presses it.
  section.addEventListener("mousedown", function (event) {
    if (event.button === 0 && event.target.closest(".player-controls button, .thumbnail-strip button")) {
      event.preventDefault();
      focusPlayer();
    }
  });

  var TEXT_INPUT_TYPES = /^(text|search|email|url|tel|password|number|date|time|datetime-local|month|week)$/;

  function isTyping(element) {
    if (!element || !element.tagName) return false;
    if (element.isContentEditable) return true;
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && TEXT_INPUT_TYPES.test(element.type);
  }

  // Controls whose own Space or arrow keys must keep working.
  function ownsSpace(element) {
    return !!(element && element.closest && element.closest("button, a[href], summary, input, [role=button], [role=checkbox], [role=radio], [role=switch]"));
  }

  function ownsArrows(element) {
    return !!(element && element.closest && element.closest("input[type=radio], input[type=range], [role=slider], [role=radio], [role=tab], [role=listbox], [role=menu]"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (helpDialog && helpDialog.open) return; // the modal dialog has its own keys; Escape closes it
    var element = event.target;
    var key = event.key;

    if (key === "Escape" || key === "Esc") {
      if (isTyping(element)) {
        event.preventDefault();
        element.blur();
        focusPlayer();
        say("Back to the film, " + describe(currentFrame()) + ".");
      }
      return;
    }
    if (isTyping(element)) return;

    var action = null;
    switch (key) {
      case " ":
      case "Spacebar":
        if (!ownsSpace(element)) action = togglePlay;
        break;
      case "ArrowLeft":
      case "Left":
        if (!ownsArrows(element)) action = event.shiftKey ? actions["second-back"] : actions["frame-back"];
        break;
      case "ArrowRight":
      case "Right":
        if (!ownsArrows(element)) action = event.shiftKey ? actions["second-forward"] : actions["frame-forward"];
        break;
      case "Home":
        if (!ownsArrows(element)) action = function () { goTo(0); };
        break;
      case "End":
        if (!ownsArrows(element)) action = function () { goTo(lastFrame()); };
        break;
      case "?":
        action = openHelp;
        break;
      default:
        switch (key.toLowerCase()) {
          case "k": action = togglePlay; break;
          case "j": action = function () { changeRate(-1); }; break;
          case "l": action = function () { changeRate(1); }; break;
          case "i": action = actions["mark-in"]; break;
          case "o": action = actions["mark-out"]; break;
          case "n": action = noteMoment; break;
          case "s": action = saveClip; break;
        }
    }
    if (!action) return;
    event.preventDefault(); // no page scroll for Space, arrows, Home and End
    // Held keys repeat: fine for stepping through frames, not for toggles or saving.
    var repeats = /^(ArrowLeft|ArrowRight|Left|Right)$/.test(key);
    if (event.repeat && !repeats) return;
    action();
  });

  render();
  updatePlayButton();
})();
