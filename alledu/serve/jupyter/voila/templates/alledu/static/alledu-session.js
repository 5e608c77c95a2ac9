/* alledu: say so, in plain words, when a lesson's kernel is gone or was restarted.
 *
 * Why: a kernel that was culled, shut down or restarted (kill -9, then Voila's restarter brings
 * it back under the same id without re-running the lesson) leaves a page whose widgets no longer
 * compute: a learner would see the old dose next to new inputs. This script watches the page's
 * kernel websocket; on a "restarting"/"dead" status, or when the socket closes and does not come
 * back within a few seconds, it hides the lesson's cells and shows a message with a reload button.
 * It must load before Voila's own scripts (it wraps window.WebSocket).
 */
(function () {
  "use strict";
  var Native = window.WebSocket;
  if (!Native) return;
  var RECONNECT_GRACE_MS = 8000;
  var STATUS = /"msg_type":\s*"status"[\s\S]*"execution_state":\s*"(restarting|autorestarting|dead)"/;
  var decoder = window.TextDecoder ? new TextDecoder() : null;
  var leaving = false;
  var shown = false;
  var pending = {};

  var kernels = {};  // kernel id -> the server path before "api/kernels/"

  window.addEventListener("beforeunload", function () { leaving = true; });
  /* The tab closes or navigates away: ask the server to shut this page's kernel down now.
   * (Voila's own beacon on beforeunload is not sent by every browser on close; pagehide is.) */
  window.addEventListener("pagehide", function () {
    leaving = true;
    var xsrf = /(?:^|;\s*)_xsrf=([^;]*)/.exec(document.cookie);
    Object.keys(kernels).forEach(function (id) {
      var form = new FormData();
      form.append("_xsrf", xsrf ? decodeURIComponent(xsrf[1]) : "");
      if (navigator.sendBeacon) navigator.sendBeacon(kernels[id] + "voila/api/shutdown/" + id, form);
    });
    kernels = {};
  });

  function show(reason) {
    if (shown || leaving) return;
    shown = true;
    document.body.classList.add("alledu-kernel-gone");
    var box = document.createElement("div");
    box.id = "alledu-kernel-gone";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-labelledby", "alledu-kernel-gone-title");
    var title = document.createElement("h2");
    title.id = "alledu-kernel-gone-title";
    title.textContent = "This lesson has stopped";
    var text = document.createElement("p");
    text.textContent = reason + " Its results are hidden because they would no longer update. " +
      "Reload the page to start the lesson again.";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "Reload the lesson";
    button.addEventListener("click", function () { window.location.reload(); });
    box.appendChild(title);
    box.appendChild(text);
    box.appendChild(button);
    document.body.insertBefore(box, document.body.firstChild);
    button.focus();
  }

  function asText(data) {
    if (typeof data === "string") return data;
    if (decoder && data instanceof ArrayBuffer && data.byteLength < 8192) return decoder.decode(data);
    return "";
  }

  function Watched(url, protocols) {
    var ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    var match = /\/api\/kernels\/([0-9a-fA-F-]+)\/channels/.exec(String(url));
    if (!match) return ws;
    var kernel = match[1];
    kernels[kernel] = new URL(String(url), window.location.href).pathname.split("api/kernels/")[0];
    ws.addEventListener("open", function () {
      clearTimeout(pending[kernel]);
      delete pending[kernel];
    });
    ws.addEventListener("message", function (event) {
      var text = asText(event.data);
      if (text.indexOf("execution_state") >= 0 && STATUS.test(text)) {
        show("The lesson's engine on the server was restarted.");
      }
    });
    ws.addEventListener("close", function () {
      if (leaving || pending[kernel]) return;
      pending[kernel] = setTimeout(function () {
        show("The connection to this lesson ended (it was idle for a long time, or the server restarted).");
      }, RECONNECT_GRACE_MS);
    });
    return ws;
  }
  Watched.prototype = Native.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (name) { Watched[name] = Native[name]; });
  window.WebSocket = Watched;
})();
