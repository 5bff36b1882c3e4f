// Reorganization form: only the fields the chosen operation uses are shown, and those it needs
// are marked required. Without JavaScript every field shows and the server ignores the others.
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-reorg-form]");
    if (!form) return;
    var select = form.querySelector("select[name=operation]");
    if (!select) return;
    var boxes = form.querySelectorAll("[data-ops]");

    function words(box, name) {
      return (box.getAttribute(name) || "").split(" ").filter(Boolean);
    }

    function update() {
      var operation = select.value;
      boxes.forEach(function (box) {
        box.hidden = !operation || words(box, "data-ops").indexOf(operation) === -1;
        var label = box.querySelector(".form-label");
        if (label) label.classList.toggle("required", words(box, "data-required-for").indexOf(operation) !== -1);
      });
    }

    form.querySelectorAll(".reorg-no-js").forEach(function (note) { note.hidden = true; });
    select.addEventListener("change", update);
    update();
  });
})();
