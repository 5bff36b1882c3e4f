// Welfare charts. The figures come from a json_script element named by the canvas's
// data-chart-source (no inline scripts); the same figures are in the table under the chart.
(function () {
  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var lang = document.documentElement.lang || "vi";
    var number = new Intl.NumberFormat(lang);
    var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
    var styles = getComputedStyle(document.documentElement);
    var blue = styles.getPropertyValue("--app-blue").trim() || "#0b4f8a";

    new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          {
            type: "bar",
            label: data.names.person_times,
            data: data.person_times,
            backgroundColor: "rgba(11, 79, 138, 0.75)",
            borderRadius: 3,
            yAxisID: "people",
            order: 2
          },
          {
            type: "line",
            label: data.names.amount,
            data: data.amount,
            borderColor: "#c8102e",
            backgroundColor: "#c8102e",
            pointRadius: 3,
            cubicInterpolationMode: "monotone",
            yAxisID: "money",
            order: 1
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + number.format(item.parsed.y);
              }
            }
          }
        },
        scales: {
          x: { grid: { display: false } },
          people: {
            position: "left",
            beginAtZero: true,
            title: { display: true, text: data.names.person_times, color: blue },
            ticks: { precision: 0, callback: function (value) { return compact.format(value); } }
          },
          money: {
            position: "right",
            beginAtZero: true,
            grid: { drawOnChartArea: false },
            title: { display: true, text: data.names.amount, color: "#c8102e" },
            ticks: { callback: function (value) { return compact.format(value); } }
          }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart-source]").forEach(draw);
  });
})();
