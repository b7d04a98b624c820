// On a lesson page: grows each H5P frame to the height its player reports (same origin only).
(function () {
  "use strict";
  if (window.sangkatH5PFrames) return;
  window.sangkatH5PFrames = true;
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== window.location.origin || !data || data.type !== "sangkat-h5p-height") return;
    var frames = document.querySelectorAll("iframe.h5p-frame");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source && typeof data.height === "number") {
        frames[i].style.height = Math.min(Math.max(data.height, 120), 4000) + "px";
      }
    }
  });
})();
