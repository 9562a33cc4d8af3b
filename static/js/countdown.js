/* Ticks every <span data-countdown-to="ISO 8601 time">2 days 4 hours left</span> on the page.
   The server renders the text; this only keeps it moving. Says "Closed" at zero.
   No dependencies; loaded with defer. */
(function () {
  "use strict";

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  // The same words as campaign.timewords.duration_words on the server.
  function durationWords(ms) {
    var seconds = Math.max(0, Math.floor(ms / 1000));
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (days) return plural(days, "day") + (hours ? " " + plural(hours, "hour") : "");
    if (hours) return plural(hours, "hour") + (minutes ? " " + plural(minutes, "minute") : "");
    if (minutes) return plural(minutes, "minute");
    return "less than a minute";
  }

  function tick(elements) {
    var now = Date.now();
    var running = false;
    elements.forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-countdown-to"));
      if (isNaN(end)) return;
      var text = end - now <= 0 ? "Closed" : durationWords(end - now) + " left";
      if (el.textContent !== text) el.textContent = text;
      if (end - now > 0) {
        running = true;
      } else if (el.parentNode && el.parentNode.classList.contains("time-left")) {
        el.parentNode.classList.add("time-left--closed");  /* the "live" dot goes grey */
      }
    });
    return running;
  }

  function start() {
    var elements = Array.prototype.slice.call(document.querySelectorAll("[data-countdown-to]"));
    if (!elements.length) return;
    tick(elements);
    var timer = window.setInterval(function () {
      if (!tick(elements)) window.clearInterval(timer);
    }, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
