// Tekser's embeddable card. A newsroom pastes
//   <div class="tekser-debunk" data-slug="SLUG" data-lang="ru"></div>   (or <div class="tekser-check"></div>)
//   <script src="https://TEKSER-HOST/embed.js" async></script>
// Each box becomes a sandboxed iframe from the same host as this script (no same-origin: no
// cookies, no storage, no access to the page), sized to its content by the height the frame posts.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var host = new URL(script.src).origin;
  var LANGS = { en: 1, ru: 1, kk: 1 };
  var SLUG = /^[a-z0-9-]{3,80}$/;
  var frames = [];

  function language(box) {
    var lang = (box.getAttribute("data-lang") || document.documentElement.lang || "ru").slice(0, 2).toLowerCase();
    return LANGS[lang] ? lang : "ru";
  }

  function mount(box, path, title) {
    if (box.getAttribute("data-tekser-mounted")) return;
    box.setAttribute("data-tekser-mounted", "1");
    var frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.setAttribute("title", title);
    frame.setAttribute("scrolling", "no");
    frame.style.cssText = "display:block;width:100%;max-width:40rem;height:12rem;border:0;overflow:hidden;background:transparent";
    frame.src = host + path;
    box.textContent = ""; // the snippet's plain link, for readers without JavaScript
    box.appendChild(frame);
    frames.push(frame);
  }

  function scan() {
    var boxes = document.querySelectorAll("div.tekser-debunk[data-slug], div.tekser-check");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var lang = language(box);
      if (box.classList.contains("tekser-check")) {
        mount(box, "/embed/check?lang=" + lang, "Tekser");
      } else {
        var slug = box.getAttribute("data-slug");
        if (SLUG.test(slug)) mount(box, "/embed/d/" + slug + "?lang=" + lang, "Tekser: " + slug);
      }
    }
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.tekser !== "size" || typeof data.height !== "number") return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(40, Math.min(data.height, 5000)) + "px";
      }
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
