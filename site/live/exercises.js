// The exercises on the site: an editor under each question, Check, Hint, Reset, and
// Download my work. The HTML and each exercise's spec (its setup cells, its check cell, the
// student edition's answer cell) come from site/exercises_ext.py; Python runs in the page's
// Web Worker (live.js): tsccourse.site_bridge.check runs the reader's code and the notebook's
// own check cell with the checker JupyterLab uses, and returns the same result box.
//
// Work is kept in localStorage ("tsc-exercise:<id>": the code and how many hints were shown),
// across reloads and visits. A Check that runs past CHECK_LIMIT_MS is stopped: the worker is
// ended and a new one started (live.js); the page never waits on Python.
(() => {
  "use strict";
  // The checker's own limit is 5 s per call of the reader's code; these are the backstops.
  // SymPy's checks (and its first import) take seconds in the browser, more on a busy machine.
  const CHECK_LIMIT_MS = 12000;
  const SYMPY_CHECK_LIMIT_MS = 60000;
  const PREFIX = "tsc-exercise:";
  const liveURL = new URL("./", document.currentScript.src);

  const load = (id) => {
    try {
      return JSON.parse(localStorage.getItem(PREFIX + id)) || {};
    } catch (err) {
      return {};
    }
  };
  const save = (id, patch) => {
    try {
      localStorage.setItem(PREFIX + id, JSON.stringify({ ...load(id), ...patch }));
    } catch (err) {
      // storage full or refused: the work stays on the page until it is closed
    }
  };
  const escapeHTML = (text) => text.replace(/[&<>"]/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

  function box(kind, title, body) {
    const colours = { limit: ["#fdecea", "#b3261e"], info: ["#f1f3f4", "#5f6368"] }[kind];
    return `<div style="background:${colours[0]};color:#202124;border-left:6px solid `
      + `${colours[1]};padding:6px 10px;margin:4px 0;font-family:sans-serif"><b>${title}</b>`
      + `<br>${body}</div>`;
  }

  function setUp(root, live) {
    const spec = JSON.parse(root.querySelector(".tsc-ex-spec").textContent);
    const id = spec.exercise;
    const q = (sel) => root.querySelector(sel);
    const result = q(".tsc-ex-result");
    const hints = q(".tsc-ex-hints");
    const checkButton = q('[data-action="check"]');
    const hintButton = q('[data-action="hint"]');
    const textarea = q(".tsc-ex-code");
    const saved = load(id);
    const limitMs = spec.packages.length ? SYMPY_CHECK_LIMIT_MS : CHECK_LIMIT_MS;
    const start = typeof saved.code === "string" ? saved.code : spec.stub;
    let editor;
    if (window.tscEditor) {
      const holder = document.createElement("div");
      holder.className = "tsc-ex-editor";
      textarea.replaceWith(holder);
      editor = window.tscEditor.create(holder, start, {
        label: textarea.getAttribute("aria-label"),
        onChange: (code) => save(id, { code }),
      });
    } else { // the plain text box is the editor (the bundle did not load)
      textarea.value = start;
      textarea.addEventListener("input", () => save(id, { code: textarea.value }));
      editor = { get: () => textarea.value, set: (v) => { textarea.value = v; }, focus: () => textarea.focus() };
    }
    root.tscGetCode = () => editor.get();
    root.tscSetCode = (code) => {
      editor.set(code);
      save(id, { code });
    };

    const showHint = async (level) => {
      const reply = JSON.parse(await live.call("hint", [id, level]));
      const shown = hints.querySelectorAll("[data-level]").length;
      if (reply.level > shown) {
        const div = document.createElement("div");
        div.dataset.level = String(reply.level);
        div.innerHTML = reply.html;
        hints.appendChild(div);
      }
      hintButton.textContent = reply.level >= reply.levels ? "Hint (all shown)" : "Hint";
      hintButton.disabled = reply.level >= reply.levels;
      return reply.level;
    };

    checkButton.addEventListener("click", async () => {
      const code = editor.get();
      save(id, { code });
      checkButton.disabled = true;
      result.dataset.status = "running";
      result.innerHTML = box("info", "Checking…", "Your code and the checker are running.");
      try {
        if (spec.packages.length) {
          result.innerHTML = box("info", "Checking…", "Loading SymPy first (once per visit).");
          await live.packages(spec.packages);
        }
        const args = { exercise: id, imports: spec.imports, context: spec.context, check: spec.check };
        const reply = JSON.parse(await live.call("check", [args, code], { timeoutMs: limitMs }));
        let shown = reply.html;
        if (reply.output) shown = `<pre class="tsc-ex-out">${escapeHTML(reply.output)}</pre>` + shown;
        if (reply.value) shown = `<pre class="tsc-ex-out">Out: ${escapeHTML(reply.value)}</pre>` + shown;
        result.innerHTML = shown;
        result.dataset.status = reply.status;
      } catch (err) {
        if (err.name === "TimeLimit") {
          result.innerHTML = box("limit", "&#9201; Time limit",
            `Your code did not finish within ${limitMs / 1000} s, so it was stopped and `
            + "Python was restarted (your code is kept). Look for a loop that never ends.");
          result.dataset.status = "time limit";
        } else if (err.name === "Restarted") {
          result.innerHTML = box("info", "Python was restarted", "Press Check again.");
          result.dataset.status = "restarted";
        } else {
          result.innerHTML = box("limit", "The check could not run", escapeHTML(String(err.message || err)));
          result.dataset.status = "error";
        }
      } finally {
        live.ready.then(() => { checkButton.disabled = false; }, () => {});
      }
    });
    hintButton.addEventListener("click", async () => {
      hintButton.disabled = true;
      const level = await showHint((load(id).hints || 0) + 1);
      save(id, { hints: level });
    });
    q('[data-action="reset"]').addEventListener("click", () => {
      editor.set(spec.stub);
      save(id, { code: spec.stub });
      result.innerHTML = "";
      delete result.dataset.status;
    });
    q('[data-action="download"]').addEventListener("click", () => downloadWork(root.dataset.doc));

    if (spec.packages.length && "IntersectionObserver" in window) {
      // SymPy is unpacked and imported in advance once its exercise comes into view.
      const seen = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        seen.disconnect();
        live.packages(spec.packages)
          .then(() => live.call("warm_up", [spec.packages], { timeoutMs: SYMPY_CHECK_LIMIT_MS }))
          .catch(() => {});
      });
      seen.observe(root);
    }
    live.ready.then(async () => {
      checkButton.disabled = false;
      hintButton.disabled = false;
      for (let level = 1; level <= (saved.hints || 0); level++) await showHint(level);
      root.dataset.ready = "true";
    }, () => {});
  }

  // The chapter's student edition (written by the build) with the reader's answers in it.
  async function downloadWork(doc) {
    const response = await fetch(new URL(`student/${doc}.ipynb`, liveURL));
    const nb = await response.json();
    document.querySelectorAll(`.tsc-exercise[data-doc="${doc}"]`).forEach((root) => {
      const specTag = root.querySelector(".tsc-ex-spec");
      if (!specTag) return;
      const spec = JSON.parse(specTag.textContent);
      const code = root.tscGetCode ? root.tscGetCode() : load(spec.exercise).code;
      const cell = nb.cells.find((c) => c.id === spec.cell_id);
      if (cell && typeof code === "string") cell.source = code;
    });
    const blob = new Blob([JSON.stringify(nb, null, 1) + "\n"], { type: "application/x-ipynb+json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${doc}.ipynb`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  // live.js is loaded async (Python starts as the page opens): wait for it if need be.
  function withLive(callback) {
    if (window.tscLive) return callback(window.tscLive);
    const src = new URL("live.js", liveURL).href;
    let tag = Array.from(document.scripts).find((s) => s.src === src);
    if (!tag) {
      tag = document.createElement("script");
      tag.src = src;
      document.head.appendChild(tag);
    }
    tag.addEventListener("load", () => callback(window.tscLive));
    return null;
  }

  function main(live) {
    const roots = document.querySelectorAll(".tsc-exercise");
    roots.forEach((root) => {
      if (!root.querySelector(".tsc-ex-spec")) return; // needs JupyterLab: nothing to wire
      if (!live) return;
      setUp(root, live);
    });
    if (live && roots.length) {
      live.ready.then(() => live.call("warm_up", [])).catch(() => {});
    }
  }

  const run = () => withLive(main);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
