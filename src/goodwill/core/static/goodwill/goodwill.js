// Small keyboard helpers for staff: "/" focuses search; rows marked .gw-row-link open on Enter.
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
})();
