// Inside an embedded Tekser frame: tell the host page (embed.js) how tall the content is.
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ tekser: "size", height: height }, "*");
    }
  }
  if (typeof ResizeObserver === "function") new ResizeObserver(report).observe(document.documentElement);
  window.addEventListener("load", report);
  report();
})();
