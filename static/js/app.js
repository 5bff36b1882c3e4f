// Tree browser: a node's children are fetched once by htmx (hx-trigger="click once"),
// then the same button shows and hides them.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-tree-toggle]");
  if (!button) return;
  var list = document.getElementById(button.getAttribute("data-tree-toggle"));
  if (!list) return;
  var open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", open ? "false" : "true");
  list.hidden = open;
});
