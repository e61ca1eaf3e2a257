// The live playground and TSC calculator on the static site: Python in the reader's browser.
//
// Loads Pyodide (CPython compiled to WebAssembly) from the site itself, unpacks the tscmath
// wheel the site build made, and wires the page's plain HTML controls to
// tsccourse.playground.web.WebApp and tsccourse.playground.calculator.calculate_json: every
// control sends the form's values (strings) to Python and shows the HTML strings it returns.
// The model, the drawings and the messages are all Python; this file only moves values.
// Nothing is fetched from outside the site. Included by the page as an async script. Written out by tools/site_pyodide.py, which also
// writes manifest.json (the wheel's file name) beside it.
(() => {
  "use strict";
  if (window.__tscLive) return; // the playground and the calculator both include this script
  window.__tscLive = true;

  const script = document.currentScript;
  const liveURL = new URL("./", script.src); // .../_static/offline/live/
  const pyodideURL = new URL("../pyodide/", liveURL);
  const READY = "Live: computed by tscmath in your browser (Python in WebAssembly, no server).";
  const FRAME_MS = 100; // Play: 10 frames per second, real time, as in JupyterLab

  const setStatus = (text, kind) => {
    document.querySelectorAll(".tsc-live .tsc-status, .tsc-calc .tsc-status").forEach((el) => {
      el.textContent = text;
      el.dataset.state = kind;
    });
  };

  // performance marks (tsc-pyodide, tsc-wheel, tsc-ready) let benchmarks/site_live.py say
  // where the load time goes.
  async function loadPython() {
    const wheelBytes = fetch(new URL("manifest.json", liveURL))
      .then((r) => r.json())
      .then((manifest) => fetch(new URL(manifest.wheel, liveURL)))
      .then((r) => r.arrayBuffer()); // fetched while the interpreter starts
    const { loadPyodide } = await import(new URL("pyodide.mjs", pyodideURL).href);
    const pyodide = await loadPyodide({ indexURL: pyodideURL.href });
    performance.mark("tsc-pyodide");
    pyodide.unpackArchive(await wheelBytes, "wheel");
    performance.mark("tsc-wheel");
    return pyodide;
  }

  function wirePlayground(root, web) {
    const frameStart = Number(root.dataset.frame || 0);
    const app = web.WebApp(frameStart);
    const q = (sel) => root.querySelector(sel);
    const slider = q('[data-action="frame"]');
    const timeOut = q(".tsc-time");
    const playButton = q('[data-action="play"]');
    let timer = null;

    const show = (json) => {
      const parts = JSON.parse(json);
      if ("message" in parts) {
        q(".tsc-message").innerHTML = parts.message;
        q(".tsc-note").style.display = parts.message ? "none" : "";
      }
      if ("note" in parts) q(".tsc-note").innerHTML = parts.note;
      if ("readout" in parts) q(".tsc-readout").innerHTML = parts.readout;
      if ("clocks" in parts) q(".tsc-clocks").innerHTML = parts.clocks;
      if ("plot" in parts) q(".tsc-error-plot").innerHTML = parts.plot;
      if ("frame" in parts) {
        slider.value = String(parts.frame);
        timeOut.textContent = parts.time;
      }
      root.dataset.hops = JSON.stringify(parts.hops || []);
      return parts;
    };
    const values = () => {
      const out = {};
      root.querySelectorAll("[data-setting]").forEach((el) => {
        out[el.dataset.setting] = el.value;
      });
      return JSON.stringify(out);
    };
    const stop = () => {
      if (timer !== null) clearInterval(timer);
      timer = null;
      playButton.textContent = "▶ Play";
    };
    const tick = () => {
      const next = Number(slider.value) + 1;
      if (next > Number(slider.max)) return stop();
      show(app.set_frame(next));
    };

    root.querySelectorAll("[data-setting]").forEach((el) => {
      el.addEventListener("change", () => show(app.apply(values())));
      if (el.type === "range") {
        const out = el.parentElement.querySelector("output");
        el.addEventListener("input", () => { out.textContent = el.value; });
      }
    });
    slider.addEventListener("input", () => show(app.set_frame(Number(slider.value))));
    q('[data-action="migrate"]').addEventListener("click", () => {
      show(app.migrate(Number(slider.value)));
    });
    q('[data-action="reset"]').addEventListener("click", () => {
      stop();
      show(app.reset());
    });
    playButton.addEventListener("click", () => {
      if (timer !== null) return stop();
      if (Number(slider.value) >= Number(slider.max)) show(app.set_frame(0));
      playButton.textContent = "❚❚ Pause";
      timer = setInterval(tick, FRAME_MS);
    });
    show(app.apply(values())); // the page's first picture, now from the live session
    root.querySelectorAll("[disabled]").forEach((el) => { el.disabled = false; });
    root.tscApp = app; // for benchmarks/site_live.py: time the Python call alone
    root.dataset.ready = "true";
  }

  function wireCalculator(root, calculator) {
    const result = root.querySelector(".tsc-calc-result");
    const update = () => {
      const values = {};
      root.querySelectorAll("[data-calc]").forEach((el) => { values[el.dataset.calc] = el.value; });
      result.innerHTML = JSON.parse(calculator.calculate_json(JSON.stringify(values))).html;
    };
    root.querySelectorAll("[data-calc]").forEach((el) => {
      el.addEventListener("input", update);
      el.addEventListener("change", update);
      el.disabled = false;
    });
    update();
    root.dataset.ready = "true";
  }

  // Python starts loading at once (the script is async), while the page is still parsed and
  // its other scripts run; the controls are wired when the document is ready.
  const started = performance.now();
  performance.mark("tsc-start");
  const python = typeof WebAssembly === "object"
    ? loadPython().then((pyodide) => ({ pyodide }), (error) => ({ error }))
    : null;

  async function main() {
    const apps = document.querySelectorAll(".tsc-live");
    const calcs = document.querySelectorAll(".tsc-calc");
    if (!apps.length && !calcs.length) return;
    if (python === null) {
      setStatus(
        "This browser cannot run WebAssembly, so the live playground cannot start here: "
          + "the picture below stays still. The recorded migration further down plays anyway.",
        "unavailable",
      );
      return;
    }
    try {
      const { pyodide, error } = await python;
      if (error) throw error;
      const web = pyodide.pyimport("tsccourse.playground.web");
      const calculator = pyodide.pyimport("tsccourse.playground.calculator");
      apps.forEach((root) => wirePlayground(root, web));
      calcs.forEach((root) => wireCalculator(root, calculator));
      performance.mark("tsc-ready");
      window.__tscLiveReadyMs = performance.now() - started; // Python start to controls on
      window.__tscLiveReadyAt = performance.now(); // navigation start to controls on
      setStatus(READY, "ready");
    } catch (err) {
      setStatus(
        "Python could not start in this browser (" + String(err && err.message || err)
          + "): the picture below stays still; the recorded migration further down plays.",
        "failed",
      );
      console.warn("tscmath live playground:", err);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
})();
