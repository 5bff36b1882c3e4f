// A text box above long selects (data-filterable): typing narrows the options by code or name,
// without diacritics ("hoa phu" finds "Hòa Phú"). Options are rebuilt rather than hidden,
// because Safari ignores `hidden` on <option>.
(function () {
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function setUp(select) {
    var original = Array.prototype.map.call(select.children, function (node) { return node.cloneNode(true); });
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control form-control-sm mb-1 select-filter";
    input.placeholder = select.getAttribute("data-filter-placeholder") || "";
    input.setAttribute("aria-label", input.placeholder);
    input.setAttribute("aria-controls", select.id);
    input.autocomplete = "off";
    select.parentNode.insertBefore(input, select);

    function keep(option, words) {
      if (!words.length) return true;
      if (option.value === "") return false;
      var text = fold(option.textContent);
      return words.every(function (word) { return text.indexOf(word) !== -1; });
    }

    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var chosen = select.value;
      var nodes = [];
      original.forEach(function (node) {
        if (node.tagName === "OPTGROUP") {
          var group = node.cloneNode(false);
          Array.prototype.forEach.call(node.children, function (option) {
            if (keep(option, words)) group.appendChild(option.cloneNode(true));
          });
          if (group.children.length) nodes.push(group);
        } else if (keep(node, words)) {
          nodes.push(node.cloneNode(true));
        }
      });
      if (!nodes.length) {
        // Nothing matches: keep the empty choice rather than an empty box.
        var blank = original.filter(function (node) { return node.tagName === "OPTION" && node.value === ""; })[0];
        if (blank) nodes.push(blank.cloneNode(true));
      }
      select.replaceChildren.apply(select, nodes);
      select.value = chosen;
      if (select.selectedIndex === -1 && select.options.length) {
        // The chosen option was filtered out: the first match is chosen, so the form sends it.
        select.selectedIndex = 0;
      }
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();  // picking, not submitting
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-filterable]").forEach(setUp);
  });
})();
