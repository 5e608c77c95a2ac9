// Voila's page helpers (voila_setup.macro.html.j2), as a file instead of an inline script so
// the Content-Security-Policy can forbid inline script (alledu/serve/hardening.py).
window.voila_heartbeat = function () {};
window.update_loading_text = function (cell_index, cell_count, text) {
  const spinner = document.getElementById("loading");
  if (spinner && spinner.style.display === "none") {
    spinner.style.display = "flex";
  }
  const el = document.getElementById("loading_text");
  if (el) {
    el.textContent = text ?? `Executing ${cell_index} of ${cell_count}`;
  }
};
window.display_cells = function () {
  if (!window.themeLoaded) {
    window.cellLoaded = true;
    return;
  }
  const loading = document.getElementById("loading");
  if (loading) {
    loading.parentNode.removeChild(loading);
  }
  const cells = document.getElementById("rendered_cells");
  if (cells) {
    cells.style.display = "";
  }
};
window.voila_process = window.update_loading_text;
window.voila_finish = window.display_cells;
