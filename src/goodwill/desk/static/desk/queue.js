// The staff queue: j/k move between rows, Enter opens, x ticks, / searches the tickets.
// Everything here is a shortcut: the page works without it (links, checkboxes, a GET form).
(function () {
  "use strict";
  let current = -1;

  function rows() { return Array.from(document.querySelectorAll("#queue-rows tr.gw-queue-row")); }

  function typing(target) {
    const tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function focusRow(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("is-current", i === current); });
    all[current].focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function ticked() {
    const boxes = document.querySelectorAll('#queue-rows input[name="ticket"]');
    const count = Array.from(boxes).filter(function (box) { return box.checked; }).length;
    const label = document.querySelector("[data-queue-ticked]");
    if (label) label.textContent = count ? count + " ticked" : "With the ticked tickets";
    const all = document.querySelector("[data-queue-all]");
    if (all) {
      all.hidden = boxes.length === 0;
      all.checked = boxes.length > 0 && count === boxes.length;
      all.indeterminate = count > 0 && count < boxes.length;
    }
  }

  // Capture phase on window: runs before goodwill.js's "/" (which focuses the global search).
  window.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const all = rows();
    if (event.key === "/") {
      const search = document.getElementById("queue-q");
      if (!search) return;
      event.preventDefault();
      event.stopPropagation();
      search.focus();
      search.select();
    } else if (event.key === "j" || event.key === "k") {
      if (!all.length) return;
      event.preventDefault();
      const here = all.indexOf(document.activeElement);
      const from = here >= 0 ? here : current;
      focusRow(from < 0 ? 0 : from + (event.key === "j" ? 1 : -1));
    } else if (event.key === "Enter" || event.key === "x") {
      const row = document.activeElement && document.activeElement.closest
        ? document.activeElement.closest("tr.gw-queue-row") : null;
      if (!row) return;
      if (event.key === "Enter") {
        const link = row.querySelector("td.gw-queue-ref a[href]");
        if (link) { event.preventDefault(); window.location = link.href; }
      } else {
        const box = row.querySelector('input[name="ticket"]');
        if (box) { event.preventDefault(); box.checked = !box.checked; ticked(); }
      }
    }
  }, true);

  // On a phone the filters fold away behind a button.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-queue-more]");
    if (!button) return;
    const form = document.getElementById("queue-filters");
    const open = form.classList.toggle("is-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-queue-all]")) {
      document.querySelectorAll('#queue-rows input[name="ticket"]').forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    if (event.target.closest("#queue-rows")) ticked();
  });

  document.addEventListener("focusin", function (event) {
    const row = event.target.closest ? event.target.closest("tr.gw-queue-row") : null;
    if (!row) return;
    const all = rows();
    current = all.indexOf(row);
    all.forEach(function (r) { r.classList.toggle("is-current", r === row); });
  });

  // Filters leave empty fields out of the URL, so the address stays readable and shareable.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "queue-filters") return;
    const params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      if (params[key] === "" || (key === "tab" && params[key] === "open")) delete params[key];
    });
  });

  // New rows (a tab, a filter, the next page): start again from the top.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "queue-rows") { current = -1; ticked(); }
  });
  ticked();
})();
