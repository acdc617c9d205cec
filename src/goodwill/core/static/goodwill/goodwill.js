// Small helpers for staff: "/" focuses search; rows marked .gw-row-link open on Enter.
// Behaviours that templates would otherwise write inline (onsubmit=, onchange=), which the
// Content-Security-Policy blocks: form[data-confirm] asks first, select[data-submit-on-change]
// submits its form.
(function () {
  document.addEventListener("keydown", function (event) {
    const tag = (event.target.tagName || "").toLowerCase();
    const typing = tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
    if (event.key === "/" && !typing) {
      const search = document.getElementById("gw-q");
      if (search) { event.preventDefault(); search.focus(); }
    }
  });
  document.addEventListener("click", function (event) {
    const row = event.target.closest("tr.gw-row-link");
    if (!row || event.target.closest("a, button, input, label")) return;
    const link = row.querySelector("a[href]");
    if (link) window.location = link.href;
  });
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
  document.addEventListener("change", function (event) {
    const select = event.target.closest("select[data-submit-on-change]");
    if (select && select.form) select.form.requestSubmit();
  });
})();
