// The page's one Python: starts the Web Worker (worker.js) as soon as this script runs and
// gives the page's live parts (playground, calculator, exercises) one way to call Python:
//
//   tscLive.call(name, args, {timeoutMs}) -> Promise of the string tsccourse.site_bridge returns
//   tscLive.packages(names)               -> Promise (SymPy, mpmath unpacked once)
//   tscLive.ready                         -> Promise, resolved when Python is ready
//   tscLive.on("progress" | "ready" | "failed" | "restart", callback)
//
// A call that runs past its time limit ends the worker (nothing in Python could stop it) and
// starts a new one; the call is rejected with an Error whose name is "TimeLimit". The page's
// main thread never runs Python, so it stays responsive while Python loads or loops.
// Every status line of the page ([data-tsc-status], .tsc-status) says what is loading.
(() => {
  "use strict";
  if (window.tscLive) return;
  const script = document.currentScript;
  const liveURL = new URL("./", script.src); // .../_static/offline/live/
  const pyodideURL = new URL("../pyodide/", liveURL);
  const READY = "Live: computed by tscmath in your browser (Python in WebAssembly, no server).";
  const listeners = { progress: [], ready: [], failed: [], restart: [] };
  const emit = (kind, value) => listeners[kind].forEach((f) => f(value));
  const pending = new Map();
  let worker = null;
  let nextId = 1;
  let resolveReady = null;
  let rejectReady = null;
  let state = "loading";
  let lastProgress = "Loading Python in your browser…";

  let lastStatus = null;
  const setStatus = (text, kind) => {
    lastStatus = [text, kind];
    document.querySelectorAll("[data-tsc-status], .tsc-live .tsc-status, .tsc-calc .tsc-status")
      .forEach((el) => {
        el.textContent = text;
        el.dataset.state = kind;
      });
  };

  function newReady() {
    live.ready = new Promise((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    live.ready.catch(() => {});
  }

  function startWorker() {
    state = "loading";
    performance.mark("tsc-start");
    worker = new Worker(new URL("worker.js", liveURL), { type: "module" });
    worker.onmessage = (event) => {
      const m = event.data;
      if (m.type === "progress") {
        lastProgress = m.text;
        if (state === "loading") setStatus(m.text, "loading");
        emit("progress", m.text);
      } else if (m.type === "mark") {
        try {
          performance.mark(m.name, { startTime: m.at - performance.timeOrigin });
        } catch (err) { /* old browsers: no startTime option */ }
      } else if (m.type === "ready") {
        state = "ready";
        performance.mark("tsc-python");
        live.fromSnapshot = m.snapshot;
        setStatus(READY, "ready");
        resolveReady();
        emit("ready");
      } else if (m.type === "failed") {
        state = "failed";
        const text = "Python could not start in this browser (" + m.error + "): the pictures "
          + "stay still and the exercises cannot be checked here (JupyterLab can).";
        setStatus(text, "failed");
        rejectReady(new Error(m.error));
        emit("failed", text);
      } else if (m.type === "result") {
        const call = pending.get(m.id);
        if (!call) return;
        pending.delete(m.id);
        clearTimeout(call.timer);
        if ("error" in m) call.reject(new Error(m.error));
        else call.resolve(m.value);
        live.lastCallMs = m.ms;
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (state === "loading") {
        state = "failed";
        setStatus("Python could not start in this browser (" + event.message + ").", "failed");
        rejectReady(new Error(event.message));
      }
    };
    worker.postMessage({ type: "start", pyodideURL: pyodideURL.href, live: liveURL.href });
  }

  function restart(reason) {
    worker.terminate();
    const error = new Error(reason);
    error.name = "Restarted";
    for (const call of pending.values()) {
      clearTimeout(call.timer);
      call.reject(error);
    }
    pending.clear();
    newReady();
    setStatus("Restarting Python…", "loading");
    startWorker();
    emit("restart", reason);
  }

  function send(message, timeoutMs) {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      const call = { resolve, reject, timer: null };
      if (timeoutMs) {
        call.timer = setTimeout(() => {
          pending.delete(id);
          const error = new Error(`did not finish within ${timeoutMs / 1000} s`);
          error.name = "TimeLimit";
          reject(error);
          restart("time limit");
        }, timeoutMs);
      }
      pending.set(id, call);
      worker.postMessage({ ...message, id });
    });
  }

  const live = {
    ready: null,
    fromSnapshot: false,
    lastCallMs: NaN,
    get state() { return state; },
    get progress() { return lastProgress; },
    on(kind, callback) { listeners[kind].push(callback); },
    async call(name, args = [], { timeoutMs = 30000 } = {}) {
      await live.ready;
      return send({ type: "call", name, args }, timeoutMs);
    },
    async packages(names, { timeoutMs = 120000 } = {}) {
      await live.ready;
      return send({ type: "packages", names }, timeoutMs);
    },
    restart,
    READY,
  };
  window.tscLive = live;
  newReady();
  if (typeof WebAssembly !== "object" || typeof Worker !== "function") {
    state = "unavailable";
    rejectReady(new Error("no WebAssembly"));
    const apply = () => setStatus(
      "This browser cannot run WebAssembly, so Python cannot start here: the pictures stay "
        + "still, and the exercises can be done in JupyterLab.",
      "unavailable",
    );
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", apply);
    else apply();
    return;
  }
  startWorker();
  // Status lines written after this script ran (the page still being parsed) catch up.
  document.addEventListener("DOMContentLoaded", () => {
    if (lastStatus) setStatus(...lastStatus);
  });
})();
