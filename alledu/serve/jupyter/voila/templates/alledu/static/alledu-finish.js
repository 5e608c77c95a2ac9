// Shows the rendered cells once the page has been read (Voila's inline `voila_finish()` call).
window.voila_finish();
