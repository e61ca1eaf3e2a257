// Loaded between require.js and the ipywidgets embed bundle (see nb_ipywidgets_js in conf.py).
(function () {
  "use strict";
  // 1. The embed bundle's modules (@jupyter-widgets/controls, .../html-manager/dist/...) find
  //    their fonts (Font Awesome) next to their RequireJS module address, which is relative to
  //    the page by default; point those addresses at the local copy, _static/offline/html-manager.
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  window.require.config({
    paths: {
      "@jupyter-widgets": here + "html-manager",
      "@jupyter-widgets/html-manager/dist": here + "html-manager",
    },
  });
  // 2. Widgets typeset their labels with the MathJax 2 call MathJax.Hub.Queue; the site
  //    loads MathJax 3. Give MathJax 3 that one call, mapped onto typesetPromise.
  function addHubQueue() {
    var mj = window.MathJax;
    if (mj && mj.version && mj.typesetPromise && !mj.Hub) {
      mj.Hub = {
        Queue: function (job) {
          var element = Array.isArray(job) ? job[2] : undefined;
          mj.typesetPromise(element ? [element] : undefined).catch(function (err) {
            console.warn("MathJax could not typeset a widget label", err);
          });
        },
      };
    }
  }
  document.addEventListener("DOMContentLoaded", addHubQueue);
  window.addEventListener("load", addHubQueue, { capture: true });
})();
