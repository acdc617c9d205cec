// Billing charts and the drafts "select all" box. Data comes from json_script blocks (CSP: no
// inline script).
(function () {
  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function money(currency) {
    const format = new Intl.NumberFormat(undefined, { style: "currency", currency: currency, maximumFractionDigits: 0 });
    return (v) => format.format(v);
  }
  const palette = ["#4f7cac", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#2c4d75", "#772c2a", "#5f7530", "#4d3b62", "#276a7c", "#b65708"];

  const ageing = data("ageing-chart-data");
  const ageingCanvas = document.getElementById("ageing-chart");
  if (ageing && ageingCanvas && typeof Chart !== "undefined") {
    const fmt = money(ageing.currency);
    const chart = new Chart(ageingCanvas, {
      type: "bar",
      data: {
        labels: ageing.labels,
        datasets: ageing.datasets.map((d, i) => ({ label: d.label, data: d.data, backgroundColor: palette[i % palette.length] })),
      },
      options: {
        animation: false,
        scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true, ticks: { callback: fmt } } },
        plugins: { tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmt(ctx.parsed.y)}` } } },
        // Drill down: a click on a bar opens the invoices of that age bucket.
        onClick: (event, elements) => {
          if (!elements.length) return;
          const key = ageing.keys[elements[0].index];
          window.location.href = `../invoices/?age=${encodeURIComponent(key)}`;
        },
      },
    });
    ageingCanvas.dataset.ready = chart ? "1" : "";
  }

  const mrr = data("mrr-chart-data");
  const mrrCanvas = document.getElementById("mrr-chart");
  if (mrr && mrrCanvas && typeof Chart !== "undefined") {
    const fmt = money(mrr.currency);
    new Chart(mrrCanvas, {
      type: "line",
      data: {
        labels: mrr.labels,
        datasets: [
          { label: "MRR", data: mrr.mrr, borderColor: "#4f7cac", backgroundColor: "#4f7cac", tension: 0.2, yAxisID: "y" },
          { label: "ARR", data: mrr.arr, borderColor: "#9bbb59", backgroundColor: "#9bbb59", tension: 0.2, yAxisID: "y2" },
        ],
      },
      options: {
        scales: {
          y: { beginAtZero: true, ticks: { callback: fmt }, title: { display: true, text: "MRR" } },
          y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: { callback: fmt }, title: { display: true, text: "ARR" } },
        },
        plugins: { tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmt(ctx.parsed.y)}` } } },
      },
    });
  }

  document.querySelectorAll("[data-check-all]").forEach((box) => {
    box.addEventListener("change", () => {
      document.querySelectorAll(`input[name="${box.dataset.checkAll}"]`).forEach((b) => { b.checked = box.checked; });
    });
  });
})();
