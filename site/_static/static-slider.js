// Static sliders: an <input type="range"> swaps precomputed frames of a course app (no kernel).
// Each <figure class="static-slider"> carries its frames as JSON in data-frames:
// [{src, value, text}, ...]. Arrow keys, Home/End and PageUp/PageDown work as on any range input.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("figure.static-slider").forEach(function (fig) {
    var frames = JSON.parse(fig.dataset.frames);
    var input = fig.querySelector("input[type=range]");
    var out = fig.querySelector("output");
    var img = fig.querySelector("img");
    var text = fig.querySelector(".static-slider-text");
    frames.forEach(function (f) { new Image().src = f.src; });   // preload: moves feel instant
    input.addEventListener("input", function () {
      var f = frames[Number(input.value)];
      img.src = f.src;
      img.alt = fig.dataset.alt + f.value + ".";
      out.textContent = f.value;
      input.setAttribute("aria-valuetext", f.value);
      if (text) {
        text.innerHTML = f.text;
        if (window.MathJax && window.MathJax.Hub) window.MathJax.Hub.Queue(["Typeset", MathJax.Hub, text]);
      }
    });
  });
});
