// Shared review: the chosen clips, large, one after another, watched with the
// parent. The guider drives from the keyboard (or the buttons, on a tablet)
// while talking; each clip stops at its end, so that there is time to ask
// what the parent noticed, and the next one waits until the guider moves on.
(function () {
  "use strict";

  var section = document.getElementById("shared-review");
  var data = document.getElementById("review-clips");
  var video = document.getElementById("review-video");
  if (!section || !data || !video) return;

  var clips;
  try {
    clips = JSON.parse(data.textContent) || [];
  } catch (error) {
    clips = [];
  }

  var stage = section.querySelector(".review-stage") || video.parentElement;
  var overlay = document.getElementById("review-overlay");
  var caption = document.getElementById("review-caption");
  var principles = document.getElementById("review-principles");
  var position = document.getElementById("review-position");
  var note = document.getElementById("review-note");
  var playlist = document.getElementById("review-playlist");
  var captionButton = section.querySelector('[data-action="toggle-caption"]');
  var index = -1;

  // #review-position is the page's live region: where we are, and what happened.
  function say(text) {
    if (!position) return;
    position.textContent = text === position.textContent ? text + "\u00a0" : text;
  }

  function where(i) {
    return "Clip " + (i + 1) + " of " + clips.length;
  }

  function load(i) {
    if (!clips.length) return;
    if (i < 0) {
      say(where(index) + ". This is the first clip.");
      return;
    }
    if (i >= clips.length) {
      say(where(index) + ". This is the last clip.");
      return;
    }
    if (i === index) {
      say(where(i) + "."); // already loaded: keep its place in the clip
      return;
    }
    index = i;
    var clip = clips[i];
    video.pause();
    video.poster = clip.poster || "";
    video.src = clip.src; // starts loading; the guider presses play when ready to watch
    video.setAttribute("aria-label", where(i) + ": " + clip.caption);
    if (caption) caption.textContent = clip.caption || "";
    if (principles) {
      principles.textContent = "";
      (clip.principles || []).forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        principles.appendChild(item);
      });
      principles.hidden = !(clip.principles || []).length;
    }
    if (note) note.textContent = clip.note || "No notes for this clip.";
    if (playlist) {
      playlist.querySelectorAll("button[data-index]").forEach(function (button) {
        var current = parseInt(button.dataset.index, 10) === i;
        if (current) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
        if (button.parentElement) button.parentElement.classList.toggle("is-current", current);
      });
    }
    say(where(i) + (clip.duration ? ", " + clip.duration : "") + ".");
  }

  function play() {
    var promise = video.play();
    if (promise && promise.catch) {
      promise.catch(function (error) {
        if (error && error.name !== "AbortError") say("The clip could not play: " + error.message);
      });
    }
  }

  function togglePlay() {
    if (index === -1) return;
    if (video.paused || video.ended) play();
    else video.pause();
  }

  function replay() {
    if (index === -1) return;
    video.currentTime = 0;
    play();
  }

  function setCaptionShown(shown) {
    if (overlay) overlay.hidden = !shown;
    if (captionButton) captionButton.setAttribute("aria-pressed", String(shown));
  }

  function toggleCaption() {
    var shown = !!overlay && overlay.hidden;
    setCaptionShown(shown);
    say(shown ? "Caption shown." : "Caption hidden.");
  }

  function toggleFullscreen() {
    var current = document.fullscreenElement || document.webkitFullscreenElement;
    if (current) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
      return;
    }
    var request = stage.requestFullscreen || stage.webkitRequestFullscreen;
    if (request) {
      // The stage, not the video alone: the caption stays over the picture.
      var promise = request.call(stage);
      if (promise && promise.catch) promise.catch(function () { say("Full screen is not available here."); });
    } else if (video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen(); // iPhone: only the video can fill the screen
    } else {
      say("Full screen is not available in this browser.");
    }
  }

  video.addEventListener("ended", function () {
    var last = index === clips.length - 1;
    say("End of clip " + (index + 1) + (last ? ", the last clip. Press R to play it again." : ". Press N for the next clip."));
  });
  video.addEventListener("error", function () {
    if (index !== -1) say("Clip " + (index + 1) + " could not be played. Try Play again, or reload the page.");
  });

  // The toggle button's state says whether the caption shows, so its label
  // must not change with it: "Show caption", pressed or not.
  if (captionButton) {
    captionButton.textContent = "Show caption";
    setCaptionShown(captionButton.getAttribute("aria-pressed") !== "false");
  }

  var actions = {
    previous: function () { load(index - 1); },
    next: function () { load(index + 1); },
    replay: replay,
    "toggle-caption": toggleCaption,
    fullscreen: toggleFullscreen,
    play: togglePlay,
  };

  section.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !section.contains(button)) return;
    if (button.dataset.index !== undefined && playlist && playlist.contains(button)) {
      load(parseInt(button.dataset.index, 10));
    } else if (actions[button.dataset.action]) {
      actions[button.dataset.action]();
    }
  });

  // A click or tap on a review button hands the focus to the video, not the
  // button: Space then goes on playing and pausing, rather than pressing that
  // button again. Keyboard users who Tab to a button keep the focus there.
  section.addEventListener("mousedown", function (event) {
    if (event.button === 0 && event.target.closest("[role=toolbar] button, #review-playlist button")) {
      event.preventDefault();
      video.focus({ preventScroll: true });
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

  function ownsSpace(element) {
    return !!(element && element.closest && element.closest("button, a[href], summary, input, [role=button]"));
  }

  function keyAction(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return null;
    if (isTyping(event.target) || !clips.length) return null;
    switch (event.key) {
      case " ":
      case "Spacebar":
        return ownsSpace(event.target) ? null : togglePlay;
      case "ArrowRight":
      case "Right":
        return actions.next;
      case "ArrowLeft":
      case "Left":
        return actions.previous;
    }
    switch (event.key.toLowerCase()) {
      case "k": return togglePlay;
      case "n": return actions.next;
      case "p": return actions.previous;
      case "r": return replay;
      case "c": return toggleCaption;
      case "f": return toggleFullscreen;
    }
    return null;
  }

  function onKey(event) {
    var action = keyAction(event);
    if (!action) return;
    event.preventDefault();
    if (event.target === video) {
      // The browser's own controls listen on the video itself, before the
      // page: Space (pressed and released) would play or pause a second time
      // and the arrows would seek. Ours stand instead.
      event.stopPropagation();
    }
    if (event.type !== "keydown" || event.repeat) return; // a held key moves one clip, not the whole list
    action();
  }

  // Capture, so that keys on the focused video reach us before its controls.
  window.addEventListener("keydown", onKey, true);
  window.addEventListener("keyup", function (event) {
    if (event.target === video && keyAction(event)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  if (!clips.length) {
    section.querySelectorAll("[role=toolbar] button").forEach(function (button) { button.disabled = true; });
    say("There are no clips to review yet.");
    return;
  }
  load(0);
})();
