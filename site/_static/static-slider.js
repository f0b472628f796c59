// Static sliders: an <input type="range"> swaps precomputed frames of a course app (no kernel).
// Each <figure class="static-slider"> carries its frames as JSON in data-frames:
// [{src, value, text}, ...]; with radio buttons (e.g. SGD / Adam) frame option * positions +
// position is shown. Arrow keys, Home/End and PageUp/PageDown work as on any range input.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("figure.static-slider").forEach(function (fig) {
    var frames = JSON.parse(fig.dataset.frames);
    var positions = Number(fig.dataset.positions || frames.length);
    var input = fig.querySelector("input[type=range]");
    var radios = fig.querySelectorAll("input[type=radio]");
    var out = fig.querySelector("output");
    var img = fig.querySelector("img");
    var text = fig.querySelector(".static-slider-text");
    // preload the other frames only when the figure comes near the screen or is touched: a page
    // loads one picture per slider up front, not every frame
    var loaded = false;
    function preload() {
      if (loaded) return;
      loaded = true;
      frames.forEach(function (f) { new Image().src = f.src; });
    }
    if ("IntersectionObserver" in window) {
      var seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { preload(); seen.disconnect(); }
      }, {rootMargin: "300px"});
      seen.observe(fig);
    }
    fig.addEventListener("pointerdown", preload);
    fig.addEventListener("focusin", preload);
    function show() {
      var option = 0;
      radios.forEach(function (r) { if (r.checked) option = Number(r.value); });
      var f = frames[option * positions + Number(input.value)];
      img.src = f.src;
      img.alt = fig.dataset.alt + f.value + ".";
      out.textContent = f.value;
      input.setAttribute("aria-valuetext", f.value);
      if (text && text.dataset.shown !== f.text) {
        text.innerHTML = f.text;
        text.dataset.shown = f.text;
        if (window.MathJax && window.MathJax.typesetPromise) window.MathJax.typesetPromise([text]);
      }
    }
    input.addEventListener("input", show);
    radios.forEach(function (r) { r.addEventListener("change", show); });
  });
});
