// The live playground and TSC calculator of chapter 07: plain HTML controls, Python in the
// page's Web Worker (live.js, which this script loads first if the page has not).
//
// Every control sends the form's values (strings) to tsccourse.playground.web.WebApp (through
// tsccourse.site_bridge in the worker) and shows the HTML strings it returns; the calculator
// calls tsccourse.playground.calculator.calculate_json. The model, the drawings and the
// messages are all Python; this file only moves values. Included by the page as an async
// script; nothing is fetched from outside the site.
(() => {
  "use strict";
  if (window.__tscPlayground) return; // the playground and the calculator both include this
  window.__tscPlayground = true;
  const FRAME_MS = 100; // Play: 10 frames per second, real time, as in JupyterLab
  const script = document.currentScript;

  function withLive(callback) {
    if (window.tscLive) return callback(window.tscLive);
    const src = new URL("live.js", script.src).href;
    let tag = Array.from(document.scripts).find((s) => s.src === src);
    if (!tag) {
      tag = document.createElement("script");
      tag.src = src;
      document.head.appendChild(tag);
    }
    tag.addEventListener("load", () => callback(window.tscLive));
    return null;
  }

  // data-busy: how many calls of this app are in the worker (tests wait for "0").
  function busy(root, promise) {
    root.dataset.busy = String(Number(root.dataset.busy || 0) + 1);
    const done = () => { root.dataset.busy = String(Number(root.dataset.busy) - 1); };
    promise.then(done, done);
    return promise;
  }

  function wirePlayground(root, live) {
    const q = (sel) => root.querySelector(sel);
    const slider = q('[data-action="frame"]');
    const timeOut = q(".tsc-time");
    const playButton = q('[data-action="play"]');
    let handle = null;
    let timer = null;
    let framing = false; // one Play frame at a time: a slow frame is skipped, not queued

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
    const app = (method, ...args) => busy(root, live.call("playground", [handle, method, ...args]))
      .then(show);
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
      if (framing) return null;
      const next = Number(slider.value) + 1;
      if (next > Number(slider.max)) return stop();
      framing = true;
      app("set_frame", next).finally(() => { framing = false; });
      return null;
    };

    root.querySelectorAll("[data-setting]").forEach((el) => {
      el.addEventListener("change", () => app("apply", values()));
      if (el.type === "range") {
        const out = el.parentElement.querySelector("output");
        el.addEventListener("input", () => { out.textContent = el.value; });
      }
    });
    slider.addEventListener("input", () => app("set_frame", Number(slider.value)));
    q('[data-action="migrate"]').addEventListener("click", () => {
      app("migrate", Number(slider.value));
    });
    q('[data-action="reset"]').addEventListener("click", () => {
      stop();
      app("reset");
    });
    playButton.addEventListener("click", () => {
      if (timer !== null) return stop();
      playButton.textContent = "❚❚ Pause";
      const begin = Number(slider.value) >= Number(slider.max) ? app("set_frame", 0) : null;
      Promise.resolve(begin).then(() => { timer = setInterval(tick, FRAME_MS); });
      return null;
    });

    const start = async () => {
      handle = Number(await live.call("playground_new", [Number(root.dataset.frame || 0)]));
      await app("apply", values()); // the page's first picture, now from the live session
      root.querySelectorAll("[disabled]").forEach((el) => { el.disabled = false; });
      performance.mark("tsc-ready");
      window.__tscLiveReadyAt = performance.now(); // navigation start to controls on
      root.dataset.ready = "true";
    };
    // For benchmarks/site_live.py: the Python time of n animation frames (ms each).
    root.tscFrameTimes = async (n, from = 200) => {
      const times = [];
      for (let i = 0; i < n; i++) {
        await live.call("playground", [handle, "set_frame", from + i]);
        times.push(live.lastCallMs);
      }
      return times;
    };
    live.on("restart", () => { // a new worker: a new session with the form's settings
      stop();
      live.ready.then(start).catch(() => {});
    });
    return start();
  }

  function wireCalculator(root, live) {
    const result = root.querySelector(".tsc-calc-result");
    let latest = 0;
    const update = () => {
      const values = {};
      root.querySelectorAll("[data-calc]").forEach((el) => { values[el.dataset.calc] = el.value; });
      const mine = ++latest;
      return busy(root, live.call("calculate", [JSON.stringify(values)])).then((json) => {
        if (mine === latest) result.innerHTML = JSON.parse(json).html; // newest input wins
      });
    };
    root.querySelectorAll("[data-calc]").forEach((el) => {
      el.addEventListener("input", update);
      el.addEventListener("change", update);
    });
    return update().then(() => {
      root.querySelectorAll("[data-calc]").forEach((el) => { el.disabled = false; });
      root.dataset.ready = "true";
    });
  }

  async function main(live) {
    const apps = document.querySelectorAll(".tsc-live");
    const calcs = document.querySelectorAll(".tsc-calc");
    if (!apps.length && !calcs.length) return;
    try {
      await live.ready;
    } catch (err) {
      return; // live.js has said why on every status line
    }
    try {
      await Promise.all([
        ...Array.from(apps, (root) => wirePlayground(root, live)),
        ...Array.from(calcs, (root) => wireCalculator(root, live)),
      ]);
    } catch (err) {
      console.warn("tscmath live playground:", err);
    }
  }

  withLive((live) => {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", () => main(live));
    } else {
      main(live);
    }
  });
})();
