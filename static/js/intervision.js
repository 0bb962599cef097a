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
