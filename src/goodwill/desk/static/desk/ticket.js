// The ticket page's small helpers. Everything works without them; they only make it livelier.
// - SLA clocks tick between the server's 60 s refreshes, from their data attributes.
// - A start/stop timer fills the "time spent" field (kept per ticket across reloads).
// - "r" jumps to the composer, Ctrl+Enter sends it.
// - The new-ticket page shows the priority that impact × urgency give.
(function () {
  "use strict";

  // Same words as desk.ticket_page.duration_text.
  function duration(seconds) {
    const minutes = Math.floor(Math.max(0, seconds) / 60);
    if (minutes < 1) return "under a minute";
    if (minutes < 60) return minutes + " min";
    const hours = Math.floor(minutes / 60), restMin = minutes % 60;
    if (hours < 24) return restMin ? hours + " h " + restMin + " min" : hours + " h";
    const days = Math.floor(hours / 24), restH = hours % 24;
    return restH ? days + " d " + restH + " h" : days + " d";
  }

  function tickClocks() {
    const now = Date.now();
    document.querySelectorAll(".gw-clock[data-tick]").forEach(function (clock) {
      const from = Date.parse(clock.dataset.from);
      const text = clock.querySelector(".gw-clock-text");
      if (isNaN(from) || !text) return;
      const kind = clock.dataset.tick;
      if (kind === "due") {
        const left = (from - now) / 1000;
        const soon = Number(clock.dataset.soon || 3600);
        clock.classList.remove("green", "amber", "red");
        if (left <= 0) {
          clock.classList.add("red");
          text.textContent = "Breached " + duration(-left) + " ago";
        } else {
          clock.classList.add(left <= soon ? "amber" : "green");
          text.textContent = "Due in " + duration(left);
        }
      } else if (kind === "breached") {
        text.textContent = "Breached " + duration((now - from) / 1000) + " ago";
      } else if (kind === "paused") {
        const paused = (now - from) / 1000, reason = clock.dataset.reason || "";
        text.textContent = paused < 60 ? "Paused just now, " + reason
          : "Paused " + duration(paused) + " " + reason;
      }
    });
  }

  // --- Timer ----------------------------------------------------------------------------------
  function timerKey(form) { return "gw-timer-" + form.dataset.ticket; }

  function asDuration(minutes) {
    const h = Math.floor(minutes / 60), m = minutes % 60;
    if (!h) return m + "m";
    return m ? h + "h " + m + "m" : h + "h";
  }

  function clockFace(ms) {
    const s = Math.floor(ms / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return (h ? h + ":" + pad(m) : m) + ":" + pad(sec);
  }

  function drawTimers() {
    document.querySelectorAll(".gw-time-form").forEach(function (form) {
      const button = form.querySelector(".gw-timer");
      if (!button) return;
      button.hidden = false;
      const started = Number(localStorage.getItem(timerKey(form)) || 0);
      const label = button.querySelector("span");
      const icon = button.querySelector("i");
      if (started) {
        button.dataset.state = "running";
        button.classList.add("btn-warning");
        button.classList.remove("btn-outline-secondary");
        icon.className = "bi bi-stop-fill";
        label.textContent = "Stop " + clockFace(Date.now() - started);
      } else {
        button.dataset.state = "stopped";
        button.classList.remove("btn-warning");
        button.classList.add("btn-outline-secondary");
        icon.className = "bi bi-play-fill";
        label.textContent = "Start timer";
      }
    });
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest(".gw-timer");
    if (!button) return;
    const form = button.closest(".gw-time-form");
    const key = timerKey(form);
    const started = Number(localStorage.getItem(key) || 0);
    if (started) {
      const minutes = Math.max(1, Math.round((Date.now() - started) / 60000));
      localStorage.removeItem(key);
      const field = form.querySelector("input[name=minutes]");
      field.value = asDuration(minutes);
      field.focus();
    } else {
      localStorage.setItem(key, String(Date.now()));
    }
    drawTimers();
  });

  // --- Composer and new ticket ----------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    const tag = (event.target.tagName || "").toLowerCase();
    const typing = tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
    if (event.key === "r" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const body = document.querySelector(".gw-composer textarea");
      if (body) { event.preventDefault(); body.focus(); }
      return;
    }
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    const area = event.target.closest(".gw-composer textarea");
    if (area) { event.preventDefault(); area.form.requestSubmit(); }
  });

  document.addEventListener("change", function (event) {
    const picker = event.target.closest(".gw-priority-picker");
    if (!picker) return;
    const impact = picker.querySelector("[name=impact]");
    const urgency = picker.querySelector("[name=urgency]");
    const output = document.getElementById("computed-priority");
    const matrix = JSON.parse(picker.dataset.matrix || "{}");
    const priority = matrix[impact.value + "," + urgency.value];
    if (output && priority) {
      output.textContent = priority;
      output.className = "gw-priority " + priority + " " + priority.toLowerCase();
    }
  });

  function tick() { tickClocks(); drawTimers(); }
  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
})();
