// The lecture's slideshow: reveal.js on a fixed 1280 x 720 canvas, seed slide numbers in the
// address and on screen, demos as precomputed pictures. Sets <html data-slides-ready="1"> when the
// slides, the math and every visible picture are ready (the tests and the PDF printer wait for it).
(function () {
  "use strict";
  const print = /print-pdf/.test(window.location.search);

  function show(fig, src, text) {
    const img = fig.querySelector(".demo-img img");
    if (img.getAttribute("src") !== src) img.setAttribute("src", src);
    if (text !== undefined) fig.querySelector(".demo-text").innerHTML = text;
  }

  function frameOf(fig) {
    const frames = JSON.parse(fig.dataset.frames);
    const positions = Number(fig.dataset.positions);
    const range = fig.querySelector("input[type=range]");
    const radio = fig.querySelector(".demo-toggle input:checked");
    const option = radio ? Number(radio.value) : 0;
    return frames[option * positions + Number(range.value)];
  }

  function explore(fig) {             // a control moved: the picture of its position
    const f = frameOf(fig);
    fig.querySelector("output").textContent = f.value;
    fig.querySelector("input[type=range]").setAttribute("aria-valuetext", f.value);
    show(fig, f.src, f.text);
    const state = fig.querySelector(".demo-state");
    if (state) state.classList.add("left");        // no longer the build's state
  }

  document.querySelectorAll("figure.demo").forEach(function (fig) {
    fig.querySelectorAll("input").forEach(function (inp) {
      inp.addEventListener("input", function () { explore(fig); });
      // arrow keys move the slider, not the slides
      inp.addEventListener("keydown", function (e) { e.stopPropagation(); });
    });
    const img = fig.querySelector(".demo-img img");
    fig.dataset.initial = img.getAttribute("src");
    fig.dataset.initialText = fig.querySelector(".demo-text").innerHTML;
    if (print && img.dataset.final) {                // builds at their final state in the PDF
      const steps = fig.querySelectorAll(".demo-step");
      const last = steps[steps.length - 1];
      show(fig, img.dataset.final, last.dataset.text);
    }
  });

  function stepTo(fig) {              // the fragments shown so far decide the picture
    const shown = fig.querySelectorAll(".demo-step.visible");
    if (shown.length) {
      const last = shown[shown.length - 1];
      show(fig, last.dataset.src, last.dataset.text);
    } else {
      show(fig, fig.dataset.initial, fig.dataset.initialText);
    }
  }

  Reveal.initialize({
    width: 1280, height: 720, margin: 0, minScale: 0.2, maxScale: 3.0,
    center: false, hash: true, hashOneBasedIndex: true, respondToHashChanges: true,
    slideNumber: "c", showSlideNumber: "all", controls: true, progress: true,
    transition: "none", backgroundTransition: "none", overview: true, help: true,
    pdfMaxPagesPerSlide: 1, pdfSeparateFragments: false,
    plugins: [RevealNotes]
  }).then(function () {
    Reveal.on("fragmentshown", function (e) {
      const fig = e.fragment.closest("figure.demo");
      if (fig) stepTo(fig);
    });
    Reveal.on("fragmenthidden", function (e) {
      const fig = e.fragment.closest("figure.demo");
      if (fig) stepTo(fig);
    });
    // the slide on screen first (ready sooner), the others right after; all before printing
    const all = document.querySelector(".reveal .slides");
    const first = print ? all : Reveal.getCurrentSlide();
    const typeset = window.MathJax && MathJax.startup
      ? MathJax.startup.promise.then(function () { return MathJax.typesetPromise([first]); })
      : Promise.resolve();
    if (!print && window.MathJax && MathJax.startup) {
      typeset.then(function () { return MathJax.typesetPromise([all]); })
             .then(function () { document.documentElement.dataset.mathDone = "1"; Reveal.layout(); });
    }
    return typeset.then(function () {
      Reveal.layout();
      const current = Reveal.getCurrentSlide();
      const imgs = Array.from((print ? document : current).querySelectorAll("img"));
      return Promise.all(imgs.map(function (img) {
        return img.complete ? null : new Promise(function (r) { img.onload = img.onerror = r; });
      }));
    });
  }).then(function () {
    document.documentElement.dataset.slidesReady = "1";
  });
})();
