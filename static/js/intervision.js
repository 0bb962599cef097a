// Small behaviours that would otherwise be inline handlers, which the Content-Security-Policy
// forbids: a print button, and a confirmation before submitting a destructive form.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// A table wider than its box scrolls sideways inside it (.table-responsive): the box is then a
// named region that Tab reaches, so keyboard users can scroll it with the arrow keys. Its name is
// the table's caption, else the heading above it.
function nameOf(box) {
  const caption = box.querySelector("caption");
  if (caption) {
    return caption.textContent.trim();
  }
  let before = box.previousElementSibling;
  while (before && !/^H[1-6]$/.test(before.tagName)) {
    before = before.previousElementSibling;
  }
  return (before || document.querySelector("h1") || document).textContent.trim();
}
function markScrollers() {
  document.querySelectorAll(".table-responsive").forEach((box) => {
    if (box.scrollWidth > box.clientWidth) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label")) {
        box.setAttribute("aria-label", nameOf(box));
      }
    } else if (box.getAttribute("role") === "region") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
    }
  });
}

// After a form, the focus moves to what it says happened (a message marked data-result, announced
// by its role="status"), so nobody has to search the page for it: on the page the form led to,
// and in the part of the page htmx swapped in.
function focusResult() {
  const result = document.querySelector("[data-result]");
  if (result) {
    result.removeAttribute("data-result");
    result.tabIndex = -1;
    result.focus();
  }
}
// Stacked tables (.table-stack, see intervision.css) name each cell after its column.
function labelCells() {
  document.querySelectorAll("table.table-stack").forEach((table) => {
    const names = Array.from(table.querySelectorAll("thead th"), (th) => {
      const hidden = th.children.length === 1 && th.firstElementChild.classList.contains("visually-hidden");
      return hidden ? "" : th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach((row) => {
      Array.from(row.cells).forEach((cell, index) => {
        if (names[index] && cell.colSpan === 1) {
          cell.dataset.label = names[index];
        }
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => {
  labelCells();
  markScrollers();
  focusResult();
});
window.addEventListener("resize", markScrollers);
document.addEventListener("htmx:afterSwap", () => {
  labelCells();
  markScrollers();
  focusResult();
});
