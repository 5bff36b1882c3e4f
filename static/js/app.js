// Small behaviours on top of Bootstrap and htmx. No inline scripts: everything lives here.

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

// A failed load (session expired, server error) says so in place instead of leaving an
// empty, expanded node. The message comes translated from the tree's data-load-error.
document.addEventListener("htmx:responseError", showLoadError);
document.addEventListener("htmx:sendError", showLoadError);

function showLoadError(event) {
  var button = event.detail && event.detail.elt;
  if (!button || !button.matches("[data-tree-toggle]")) return;
  var list = document.getElementById(button.getAttribute("data-tree-toggle"));
  var tree = button.closest("[data-load-error]");
  if (!list || !tree) return;
  var item = document.createElement("li");
  item.className = "tree-empty small text-danger";
  item.setAttribute("role", "alert");
  item.textContent = tree.getAttribute("data-load-error");
  list.replaceChildren(item);
  list.hidden = false;
}

// After a rejected form, move the focus to the error summary so keyboard and screen-reader
// users start from what needs fixing.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("form-errors");
  if (summary) summary.focus();
});
