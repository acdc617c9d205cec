// Dashboard charts. Data comes from json_script blocks so no inline script is needed (CSP).
(function () {
  const canvas = document.getElementById("renewal-chart");
  const source = document.getElementById("renewal-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: data.currency, maximumFractionDigits: 0 });
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: "MRR renewing", data: data.values, backgroundColor: "#4f7cac", borderRadius: 4 }] },
    options: {
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => money.format(ctx.parsed.y) } } },
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => money.format(v) } }, x: { grid: { display: false } } },
    },
  });
})();
