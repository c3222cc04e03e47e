// Tree toggles: a folder button loads its children once (HTMX), then only shows or hides them.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-toggle-children]");
  if (!button) return;
  const box = document.getElementById(button.dataset.toggleChildren);
  if (!box) return;
  if (box.dataset.loaded === "1") {
    event.preventDefault();
    event.stopPropagation();
    const hidden = box.hidden = !box.hidden;
    button.setAttribute("aria-expanded", hidden ? "false" : "true");
    button.textContent = hidden ? "▸" : "▾";
  }
}, true);
document.addEventListener("htmx:afterSwap", function (event) {
  const box = event.detail.target;
  if (box && box.classList && box.classList.contains("children")) {
    box.dataset.loaded = "1";
    box.hidden = false;
    const button = document.querySelector('[data-toggle-children="' + box.id + '"]');
    if (button) { button.textContent = "▾"; button.setAttribute("aria-expanded", "true"); }
  }
});
// On a phone the tree starts folded, so the page's own content comes first.
document.addEventListener("DOMContentLoaded", function () {
  if (window.matchMedia("(max-width: 800px)").matches) {
    document.querySelectorAll("details.tree-box").forEach(function (d) { d.open = false; });
  }
});
