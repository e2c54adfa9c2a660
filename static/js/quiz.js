// Quizzes: save answers as the trainee goes, and count down the time left.
// Progressive enhancement only: every answer is saved by the form's own POST without this.
(function () {
  "use strict";

  // Every word shown comes from the page (data-* attributes), in the reader's language.
  function setStatus(form, text, isError) {
    var status = form.querySelector("[data-autosave-status]");
    if (!status) { return; }
    status.textContent = status.getAttribute("data-" + text) || text;
    status.classList.toggle("quiz-save-status--error", Boolean(isError));
  }

  function autosave(form) {
    var pending = null;
    var inFlight = false;
    var again = false;
    var token = form.querySelector("input[name=csrf_token]");

    function send() {
      if (inFlight) { again = true; return; }
      inFlight = true;
      setStatus(form, "saving", false);
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: {
          "X-Requested-With": "fetch",
          "Accept": "application/json",
          "X-CSRFToken": token ? token.value : ""
        }
      }).then(function (response) {
        // A page instead of JSON (signed out, say) is "not saved", not a lost connection.
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok && data.saved) {
            setStatus(form, data.message || "saved", false);
          } else if (data.closed) {
            // Handed in elsewhere, or the time ran out: show the attempt as it now is.
            window.location.assign(form.action.replace(/\/questions\/[^/]+$/, ""));
          } else {
            setStatus(form, data.message || "not-saved", true);
          }
        });
      }).catch(function () {
        setStatus(form, "offline", true);
        window.addEventListener("online", send, { once: true });
      }).then(function () {
        inFlight = false;
        if (again) { again = false; send(); }
      });
    }

    form.addEventListener("change", function () {
      window.clearTimeout(pending);
      send();
    });
    form.addEventListener("input", function (event) {
      if (event.target.type !== "text") { return; }
      window.clearTimeout(pending);
      pending = window.setTimeout(send, 1200);
    });
    // An answer given before this script ran (a slow connection, a quick hand) raised its
    // events with no one listening: save it now rather than let it look saved when it is not.
    if (Array.prototype.some.call(form.elements, changedSinceLoad)) { send(); }
  }

  function changedSinceLoad(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.type === "text" || field.tagName === "TEXTAREA") {
      return field.value !== field.defaultValue;
    }
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    return false;
  }

  function minutesLeft(timer, minutes) {
    var form = new Intl.PluralRules(document.documentElement.lang).select(minutes);
    var text = timer.getAttribute("data-minutes-" + form) || timer.getAttribute("data-minutes-other");
    return text.replace("{n}", new Intl.NumberFormat(document.documentElement.lang).format(minutes));
  }

  function countdown(timer) {
    var deadline = Date.parse(timer.getAttribute("data-deadline"));
    var text = timer.querySelector("[data-timer-text]");
    if (!deadline || !text) { return; }
    var warned = false;
    function tick() {
      var left = Math.max(0, deadline - Date.now());
      var minutes = Math.ceil(left / 60000);
      if (left <= 0) {
        text.textContent = timer.getAttribute("data-time-up");
        window.setTimeout(function () { window.location.reload(); }, 1500);
        return;
      }
      text.textContent = minutes <= 1 ? timer.getAttribute("data-under-a-minute") : minutesLeft(timer, minutes);
      if (minutes <= 5 && !warned) {
        warned = true;
        timer.classList.add("quiz-timer--soon");
      }
      window.setTimeout(tick, left > 120000 ? 30000 : 5000);
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-autosave]"), autosave);
    Array.prototype.forEach.call(document.querySelectorAll("[data-deadline]"), countdown);
  });
})();
