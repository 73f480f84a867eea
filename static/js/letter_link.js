// The "Copy the link" button on the page that shows a new client link once.
(function () {
  "use strict";

  function announce(button, text) {
    var id = button.getAttribute("aria-describedby");
    var status = id && document.getElementById(id);
    if (status) {
      status.textContent = text;
    }
  }

  function fallbackCopy(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy-target"));
      if (!input) {
        return;
      }
      var done = function () { announce(button, "Copied. Paste it into your message to the client."); };
      var failed = function () {
        input.focus();
        input.select();
        announce(button, "Could not copy automatically: the link is selected, press Ctrl+C (or Cmd+C) to copy it.");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          if (fallbackCopy(input)) { done(); } else { failed(); }
        });
      } else if (fallbackCopy(input)) {
        done();
      } else {
        failed();
      }
    });
  });
})();
