// Allocation page: the running sum of the child units' targets, compared with the unit's own
// target as people type. The figures and messages come from the json_script "allocation-data"
// (no inline scripts); the server checks everything again when the table is saved.
(function () {
  var lang = document.documentElement.lang || "vi";
  var english = lang.indexOf("en") === 0;
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });

  // "8.450" and "92,5" in Vietnamese, "8,450" and "92.5" in English; then the other reading when
  // it is the only one ("92.5" typed on a Vietnamese page). Same rules as the form.
  function parse(text) {
    text = (text || "").replace(/[\s\u00a0]/g, "").replace(/^\+/, "");
    if (!text) return 0;
    if (/^\d+$/.test(text)) return Number(text);
    var conventions = english ? [[",", "."], [".", ","]] : [[".", ","], [",", "."]];
    for (var i = 0; i < conventions.length; i++) {
      var group = "\\" + conventions[i][0];
      var point = "\\" + conventions[i][1];
      var match = new RegExp("^(\\d{1,3}(?:" + group + "\\d{3})+|\\d+)(?:" + point + "(\\d+))?$").exec(text);
      if (match) {
        var whole = match[1].split(conventions[i][0]).join("");
        return Number(match[2] ? whole + "." + match[2] : whole);
      }
    }
    return NaN;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key];
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-allocation-form]");
    var source = document.getElementById("allocation-data");
    if (!form || !source) return;
    var data = JSON.parse(source.textContent);
    var inputs = form.querySelectorAll("input[data-allocation]");
    var sumCell = form.querySelector("[data-allocation-sum]");
    var status = form.querySelector("[data-allocation-status]");
    var target = data.target === null ? null : Number(data.target);

    function update() {
      var sum = 0;
      var bad = false;
      inputs.forEach(function (input) {
        var value = parse(input.value);
        if (isNaN(value)) bad = true;
        else sum += value;
      });
      // Cents, not floats: 0.1 + 0.2 must show as 0.3.
      sum = Math.round(sum * 100) / 100;
      if (sumCell) sumCell.textContent = bad ? "?" : number.format(sum);
      if (!status || !data.additive || bad) {
        if (status) status.textContent = "";
        return;
      }
      var values = { sum: number.format(sum) };
      var key = "no_target";
      if (target !== null) {
        values.target = number.format(target);
        values.gap = number.format(Math.abs(Math.round((sum - target) * 100) / 100));
        key = sum === target ? "adds_up" : sum < target ? "short" : "over";
      }
      status.textContent = fill(data.messages[key], values);
      status.className = "small mb-3 fw-semibold " + (key === "adds_up" ? "text-success" : key === "no_target" ? "text-body-secondary" : "text-danger");
    }

    inputs.forEach(function (input) {
      input.addEventListener("input", update);
    });
    update();
  });
})();
