// Live class: a landing address with ?class=CODE carries the code on to every lesson link.
// A static file, not inline script: the pages' Content-Security-Policy allows no inline script.
(function () {
  const code = new URLSearchParams(window.location.search).get("class");
  if (!code) return;
  for (const a of document.querySelectorAll("#alledu-lesson-list a")) {
    const url = new URL(a.href);
    url.searchParams.set("class", code);
    a.href = url.toString();
  }
})();
