// Achievement dashboards: the progress chart (cumulative actual against the target to date), the
// ranking of the units below, the indicator picker and the print button. Figures come from the
// json_script element named by each canvas's data-chart-source; the same figures are in the
// table under each chart.
(function () {
  var GREEN = "#198754";
  var BLUE = "#0b4f8a";
  var RED = "#c8102e";
  var AMBER = "#d97706";

  function read(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function formats() {
    var lang = document.documentElement.lang || "vi";
    return {
      number: new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }),
      compact: new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 })
    };
  }

  function progress(canvas) {
    var data = read(canvas);
    if (!data) return;
    var f = formats();
    var datasets = [
      {
        type: "bar",
        label: data.names.actual,
        data: data.actual,
        backgroundColor: "rgba(11, 79, 138, 0.75)",
        borderRadius: 3,
        order: 2
      }
    ];
    if (data.expected.some(function (v) { return v !== null; })) {
      datasets.push({
        type: "line",
        label: data.names.expected,
        data: data.expected,
        borderColor: RED,
        backgroundColor: RED,
        borderDash: [6, 4],
        pointRadius: 2,
        order: 1
      });
    }
    new Chart(canvas, {
      data: { labels: data.labels, datasets: datasets },
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
                return item.dataset.label + ": " + f.number.format(item.parsed.y);
              }
            }
          }
        },
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true, ticks: { callback: function (value) { return f.compact.format(value); } } }
        }
      }
    });
  }

  function ranking(canvas) {
    var data = read(canvas);
    if (!data) return;
    var f = formats();
    // One bar a unit: give each its height, so a long list stays readable.
    var box = canvas.parentElement;
    box.style.height = Math.max(8, data.labels.length * 1.9 + 3) + "rem";
    var colors = data.rating.map(function (rating) {
      if (rating === "exceeded") return GREEN;
      if (rating === "achieved") return BLUE;
      if (rating === "not_achieved") return AMBER;
      return "#adb5bd";
    });
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: data.name, data: data.percent, backgroundColor: colors, borderRadius: 3 }]
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return data.names[items[0].dataIndex]; },
              label: function (item) { return f.number.format(item.parsed.x) + "%"; }
            }
          }
        },
        scales: {
          x: { beginAtZero: true, ticks: { callback: function (value) { return f.number.format(value) + "%"; } } },
          y: { grid: { display: false } }
        }
      },
      plugins: [
        {
          // The 100 % line: left of it the target is not met yet.
          id: "hundred",
          afterDatasetsDraw: function (chart) {
            var x = chart.scales.x.getPixelForValue(100);
            var area = chart.chartArea;
            if (x < area.left || x > area.right) return;
            var ctx = chart.ctx;
            ctx.save();
            ctx.strokeStyle = RED;
            ctx.setLineDash([4, 3]);
            ctx.beginPath();
            ctx.moveTo(x, area.top);
            ctx.lineTo(x, area.bottom);
            ctx.stroke();
            ctx.restore();
          }
        }
      ]
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart !== "undefined") {
      document.querySelectorAll("canvas[data-chart='progress']").forEach(progress);
      document.querySelectorAll("canvas[data-chart='ranking']").forEach(ranking);
    }
    // Picking another indicator shows it at once; the button stays for browsers without scripts.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      var button = select.form.querySelector("[data-autosubmit-button]");
      if (button) button.hidden = true;
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
