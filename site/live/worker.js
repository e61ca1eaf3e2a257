// The one Web Worker of a page (a module worker: Pyodide supports no other): Python (Pyodide) for the playground, the calculator and the
// exercises, off the page's main thread. Started by live.js; everything comes from the site.
//
// Messages in:  {type: "start", pyodide, live}            load Python and the course wheel
//               {type: "call", id, name, args}             tsccourse.site_bridge.call(name, args)
//               {type: "packages", id, names}              unpack SymPy/mpmath wheels (once)
// Messages out: {type: "progress", text}                    what is loading, for the page
//               {type: "mark", name, at}                   when a step ended (ms since epoch)
//               {type: "ready"} | {type: "failed", error}
//               {type: "result", id, value, ms} | {type: "result", id, error}
//
// Loading: the site build made a memory snapshot of Python with the course code imported
// (snapshot.mjs, gzip-compressed); the worker starts from it, which skips Python's start-up
// and the imports. The snapshot and the wheels are kept in the browser's Cache Storage, so a
// reload reads them from there. Without a usable snapshot Python starts from the beginning.
import { loadPyodide } from "../pyodide/pyodide.mjs";

const CACHE = "tsc-live-v1";
let pyodide = null;
let bridge = null;
let manifest = null;
let liveURL = null;
const unpacked = new Set();

const post = (message) => self.postMessage(message);
const progress = (text) => post({ type: "progress", text });
const mark = (name) => post({ type: "mark", name, at: performance.timeOrigin + performance.now() });

// A file of the site, from Cache Storage when a previous visit kept it (same URL: the build
// names the wheels by version; Pyodide's files sit under its version in the manifest key).
async function cachedBytes(url, key) {
  let cache = null;
  try {
    cache = await caches.open(CACHE);
    const hit = await cache.match(key);
    if (hit) return new Uint8Array(await hit.arrayBuffer());
  } catch (err) {
    cache = null; // no Cache Storage (private mode, file://): plain fetch
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (cache) cache.put(key, new Response(bytes.slice())).catch(() => {});
  return bytes;
}

async function forgetOldVersions(version) {
  try {
    const cache = await caches.open(CACHE);
    for (const request of await cache.keys()) {
      if (!new URL(request.url).search.startsWith(`?v=${version}`)) await cache.delete(request);
    }
  } catch (err) {
    // no Cache Storage: nothing kept, nothing to forget
  }
}

async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// The snapshot is served gzip-compressed (6 MB instead of 31 MB); this browser keeps it
// unpacked in Cache Storage, so a reload skips both the download and the unzipping.
async function snapshotBytes(url, key) {
  const rawKey = `${key}&unpacked`;
  let cache = null;
  try {
    cache = await caches.open(CACHE);
    const hit = await cache.match(rawKey);
    if (hit) return new Uint8Array(await hit.arrayBuffer());
  } catch (err) {
    cache = null;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = await gunzip(new Uint8Array(await response.arrayBuffer()));
  if (cache) cache.put(rawKey, new Response(bytes.slice())).catch(() => {});
  return bytes;
}

async function start({ pyodideURL, live }) {
  liveURL = live;
  mark("tsc-worker");
  progress("Loading Python (WebAssembly) and the course code…");
  manifest = await (await fetch(new URL("manifest.json", live), { cache: "no-cache" })).json();
  const url = (name) => new URL(name, live).href;
  const key = (name) => `${url(name)}?v=${manifest.version}`; // a new build: new cache entries
  forgetOldVersions(manifest.version);
  const wheel = cachedBytes(url(manifest.wheel), key(manifest.wheel));
  // The snapshot is fetched and unpacked while the interpreter is fetched and compiled.
  const snapshot = manifest.snapshot && typeof DecompressionStream === "function"
    ? snapshotBytes(url(manifest.snapshot), key(manifest.snapshot)).then((bytes) => {
      mark("tsc-snapshot");
      return bytes;
    })
    : null;
  progress(snapshot ? "Starting Python (from the site's snapshot)…" : "Starting Python…");
  let fromSnapshot = Boolean(snapshot);
  try {
    pyodide = await loadPyodide(
      snapshot ? { indexURL: pyodideURL, _loadSnapshot: snapshot } : { indexURL: pyodideURL },
    );
  } catch (err) {
    if (!snapshot) throw err;
    fromSnapshot = false; // a snapshot this browser cannot use: start from the beginning
    progress("Starting Python…");
    pyodide = await loadPyodide({ indexURL: pyodideURL });
  }
  mark("tsc-pyodide");
  wheelBytes = wheel;
  if (!fromSnapshot) { // a snapshot has every module of the course imported already
    await unpackCourse();
    progress("Importing the course code…");
    pyodide.runPython(
      "import tsccourse.site_bridge, tsccourse.playground.web, tsccourse.playground.calculator",
    );
  }
  mark("tsc-wheel");
  bridge = pyodide.pyimport("tsccourse.site_bridge");
  mark("tsc-imported");
  post({ type: "ready", snapshot: fromSnapshot });
}

// The course's files, for what a snapshot does not hold (source lines in tracebacks; a module
// imported later): unpacked before the first exercise call, never on the playground's path.
let wheelBytes = null;
const WITHOUT_FILES = new Set(["playground_new", "playground", "calculate"]);
let courseUnpacked = false;
async function unpackCourse() {
  if (courseUnpacked) return;
  progress("Unpacking the course code (tscmath, tsccourse)…");
  pyodide.unpackArchive(await wheelBytes, "wheel");
  courseUnpacked = true;
}

async function ensurePackages(names) {
  for (const name of names) {
    if (unpacked.has(name)) continue;
    const path = manifest.packages && manifest.packages[name];
    if (!path) throw new Error(`the site serves no ${name}`);
    progress(`Loading ${name}…`);
    const url = new URL(path, liveURL).href;
    pyodide.unpackArchive(await cachedBytes(url, `${url}?v=${manifest.version}`), "wheel");
    unpacked.add(name);
  }
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "start") {
    try {
      await start(message);
    } catch (err) {
      post({ type: "failed", error: String((err && err.message) || err) });
    }
    return;
  }
  const { id } = message;
  try {
    if (!WITHOUT_FILES.has(message.name)) await unpackCourse();
    if (message.type === "packages") {
      await ensurePackages(message.names);
      post({ type: "result", id, value: "ok" });
      return;
    }
    const t0 = performance.now();
    const value = bridge.call(message.name, JSON.stringify(message.args));
    post({ type: "result", id, value, ms: performance.now() - t0 });
  } catch (err) {
    post({ type: "result", id, error: String((err && err.message) || err) });
  }
};
