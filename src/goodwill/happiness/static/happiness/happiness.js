// Happiness charts. Data comes from json_script blocks, so no inline script is needed (CSP).
(function () {
  if (typeof Chart === "undefined") return;
  const colours = { green: "#2e9e62", amber: "#e0a100", red: "#c93c3c" };

  document.querySelectorAll("canvas[data-trend]").forEach(function (canvas) {
    const source = document.getElementById(canvas.dataset.trend);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{
          label: canvas.dataset.label || "Score", data: data.values, borderColor: "#1f3a5f",
          tension: 0.25, pointRadius: 2,
          segment: { borderColor: (ctx) => ctx.p1.parsed.y < data.red ? colours.red : ctx.p1.parsed.y < data.green ? colours.amber : colours.green },
        }],
      },
      options: {
        plugins: { legend: { display: false } },
        scales: { y: { min: 0, max: 100, ticks: { stepSize: 25 } }, x: { grid: { display: false } } },
      },
    });
  });

  const hist = document.getElementById("health-histogram");
  const histData = document.getElementById("health-histogram-data");
  if (hist && histData) {
    const data = JSON.parse(histData.textContent);
    const chart = new Chart(hist, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: "Clients", data: data.values, backgroundColor: data.colours.map((c) => colours[c]), borderRadius: 3 }] },
      options: {
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { grid: { display: false }, title: { display: true, text: "Health" } } },
        // Every figure is clickable: a bar opens the clients in its band.
        onClick: function (_event, elements) {
          if (!elements.length) return;
          const band = data.colours[elements[0].index];
          window.location.href = hist.dataset.href + "?band=" + band;
        },
      },
    });
    hist.style.cursor = "pointer";
    void chart;
  }
})();
