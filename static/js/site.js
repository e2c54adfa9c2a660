// Alongside: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Quick exit: leave at once, and replace this page in history so Back does not return here.
  function quickExit(url) {
    try { document.body.style.display = "none"; } catch (e) { /* keep going */ }
    window.location.replace(url);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-quick-exit]");
    if (!link) { return; }
    event.preventDefault();
    quickExit(link.href);
  });
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - lastEscape < 800) {
      var link = document.querySelector("[data-quick-exit]");
      if (link) { quickExit(link.href); }
    }
    lastEscape = now;
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
        frame.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
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
