// Alongside: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Quick exit: hide the page, end the session on the server (the request outlives the page:
  // keepalive, or a beacon), then replace this page in history with the neutral site, so
  // that Back finds only the sign-in page. Without this script the form does the same.
  var leaving = false;
  function quickExit(form) {
    if (leaving) { return; }
    leaving = true;
    var button = form.querySelector("[data-quick-exit]");
    var target = (button && button.getAttribute("data-exit-url")) || "about:blank";
    try { document.body.style.display = "none"; } catch (e) { /* keep going */ }
    var go = function () { window.location.replace(target); };
    var sent = null;
    try {
      if (window.fetch) {
        sent = window.fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          keepalive: true, redirect: "manual", cache: "no-store"
        });
      } else if (navigator.sendBeacon) {
        navigator.sendBeacon(form.action, new FormData(form));
      }
    } catch (e) { sent = null; }
    if (sent && window.Promise) {
      // Wait a moment for the server to end the session, but never long.
      Promise.race([sent, new Promise(function (resolve) { setTimeout(resolve, 500); })])
        .then(go, go);
    } else {
      go();
    }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("[data-quick-exit-form]");
    if (!form) { return; }
    event.preventDefault();
    quickExit(form);
  });
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - lastEscape < 800) {
      var form = document.querySelector("[data-quick-exit-form]");
      if (form) { quickExit(form); }
    }
    lastEscape = now;
  });
  // A signed-in page brought back from the browser's memory (Back) is asked for again, so
  // that a session ended meanwhile shows the sign-in page instead.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.body && document.body.hasAttribute("data-signed-in")) {
      window.location.reload();
    }
  });

  // Move focus to an error summary so screen-reader and keyboard users hear it first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
  });
  // A file larger than the site accepts is stopped before it is sent, so nothing typed is lost
  // to a page the server would have to cut short. The server checks again either way.
  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
      var file = input.files && input.files[0];
      if (!file || !(file.size > limit)) { continue; }
      event.preventDefault();
      var note = document.getElementById(input.id + "-too-large");
      if (!note) {
        note = document.createElement("p");
        note.id = input.id + "-too-large";
        note.className = "field__error";
        note.setAttribute("role", "alert");
        input.parentNode.insertBefore(note, input);
      }
      note.textContent = input.getAttribute("data-too-large");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
  });

  // A table wider than the screen scrolls sideways inside its frame. Such a frame takes the
  // keyboard focus, so that it can be scrolled with the arrow keys, and is named after its
  // table's caption; a frame that fits is left as it was.
  function scrollingTables() {
    var frames = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      var scrolls = frame.scrollWidth > frame.clientWidth;
      if (scrolls && !frame.hasAttribute("tabindex")) {
        var caption = frame.querySelector("caption");
        frame.setAttribute("tabindex", "0");
        frame.setAttribute("role", "region");
        frame.setAttribute("aria-label", caption ? caption.textContent.trim() : document.body.getAttribute("data-table-label"));
        frame.setAttribute("data-scrolls", "");
      } else if (!scrolls && frame.hasAttribute("data-scrolls")) {
        ["tabindex", "role", "aria-label", "data-scrolls"].forEach(function (name) {
          frame.removeAttribute(name);
        });
      }
    }
  }
  document.addEventListener("DOMContentLoaded", scrollingTables);
  window.addEventListener("resize", scrollingTables);
})();
