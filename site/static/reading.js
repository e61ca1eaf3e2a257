/* Reading on any screen (site/conf.py loads it on every page; checked by tests/site/test_site.py).

   1. Sidebar toggles. The theme binds its open/close handlers to the first ".primary-toggle"
      and ".secondary-toggle" of the page, the buttons of the top navbar, which the book theme
      hides; the buttons a reader sees (in the article header) had no handler. A click on any
      other toggle is passed to the bound one, so the sidebar (a drawer below 992 px, a
      collapsing column above) and the contents open at every width.
   2. Figures open full size: each output figure is a link to its image, shown over the page
      at its full size (scrolls if larger than the window) and closed by a click or Escape.
   3. The ".ipynb" download saves the chapter's notebook instead of showing its JSON; the
      repository button says the repository's address.
   4. Display math wider than the column is set smaller until it fits (down to 70 % of its
      size, again when the window is resized); what still does not fit scrolls in its own box.
   5. A box that scrolls sideways (code, display math, a table, a wide output) fades out at the
      edge its content continues past, so a reader sees there is more where scrollbars hide.
   6. A table with the class "cards" (or inside <div class="cards">) labels its cells with their
      column headings (the CSS shows each row as a card on a phone).
*/
(function () {
  "use strict";

  function forwardToggles() {
    ["primary", "secondary"].forEach(function (side) {
      var buttons = document.querySelectorAll("button." + side + "-toggle");
      if (buttons.length < 2) return;
      var bound = buttons[0];
      Array.prototype.slice.call(buttons, 1).forEach(function (button) {
        button.addEventListener("click", function (event) {
          event.preventDefault();
          event.stopPropagation();
          bound.click();
          button.blur();
        });
      });
    });
  }

  var FIGURES = ".bd-article div.cell_output img, .bd-article figure img, .bd-article img.tsc-figure";

  function figureViewer() {
    var dialog = document.createElement("dialog");
    dialog.className = "tsc-figure-viewer";
    dialog.setAttribute("aria-label", "Figure at full size (click or Escape to close)");
    var image = document.createElement("img");
    var caption = document.createElement("p");
    caption.textContent = "Full size. Click or press Escape to close.";
    dialog.appendChild(caption);
    dialog.appendChild(image);
    dialog.addEventListener("click", function () {
      dialog.close();
    });
    // Escape by hand: sphinx_highlight.js stops the key before the dialog sees it.
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        dialog.close();
      }
    });
    document.body.appendChild(dialog);
    return { dialog: dialog, image: image };
  }

  function linkFigures() {
    var viewer = null;
    document.querySelectorAll(FIGURES).forEach(function (img) {
      if (img.closest(".animation, .jupyter-widgets, .tsc-live, .tsc-calc")) return;
      // Sphinx already links an image given a display size to its file; others get a link.
      var link = img.closest("a");
      if (link && !link.classList.contains("image-reference")) return;
      if (!link) {
        link = document.createElement("a");
        link.href = img.getAttribute("src");
        img.parentNode.insertBefore(link, img);
        link.appendChild(img);
      }
      link.classList.add("tsc-figure-link");
      link.title = "Open the figure full size";
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        viewer = viewer || figureViewer();
        viewer.image.src = img.currentSrc || img.src;
        viewer.image.alt = img.alt;
        // Full size: the figure's own size in CSS pixels (a 2x image shows at half its pixels).
        var natural = img.naturalWidth / (img.dataset.density ? Number(img.dataset.density) : 1);
        var styled = img.getAttribute("width");
        viewer.image.style.width = (styled ? Number(styled) : natural) + "px";
        viewer.dialog.showModal();
      });
    });
  }

  function nameRepository() {
    document.querySelectorAll("a.btn-source-repository-button").forEach(function (link) {
      var where = (link.getAttribute("href") || "").replace(/^https?:\/\//, "");
      link.setAttribute("title", "Repository: " + where);
      link.setAttribute("aria-label", "Repository: " + where);
      link.setAttribute("data-bs-original-title", "Repository: " + where); // the tooltip's text
    });
  }

  function downloadNotebook() {
    document.querySelectorAll("a.btn-download-source-button").forEach(function (link) {
      var name = (link.getAttribute("href") || "").split("/").pop();
      if (name) {
        link.setAttribute("download", name);
        link.removeAttribute("target");
      }
    });
  }

  function labelCards() {
    document.querySelectorAll("table.cards, .cards table").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (!cell.hasAttribute("data-label") && heads[i]) cell.setAttribute("data-label", heads[i]);
        });
      });
    });
  }

  var MATH_MIN_SCALE = 0.7;

  function fitMath() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (box) {
      if (!box.dataset.fontSize) box.dataset.fontSize = box.style.fontSize || "100%";
      var size = parseFloat(box.dataset.fontSize);
      box.style.fontSize = size + "%";
      var wide = box.scrollWidth, room = box.clientWidth;
      if (wide > room + 1 && room > 0) {
        var scale = Math.max(MATH_MIN_SCALE, (room - 2) / wide);
        box.style.fontSize = (size * scale).toFixed(1) + "%";
      }
    });
  }

  function fitMathWhenTypeset() {
    if (!window.MathJax || !window.MathJax.startup || !window.MathJax.startup.promise) return;
    window.MathJax.startup.promise.then(function () {
      fitMath();
      markScrollers();
    });
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        fitMath();
        markScrollers();
      }, 150);
    });
  }

  var SCROLLERS = [
    "div.highlight pre",
    'mjx-container[display="true"]',
    ".bd-article .pst-scrollable-table-container",
    ".bd-article div.cell_output .output.text_html",
  ].join(", ");

  function markEdges(box) {
    var hidden = box.scrollWidth - box.clientWidth;
    box.classList.toggle("tsc-more-left", hidden > 1 && box.scrollLeft > 1);
    box.classList.toggle("tsc-more-right", hidden > 1 && box.scrollLeft < hidden - 1);
  }

  function markScrollers() {
    var boxes = document.querySelectorAll(SCROLLERS);
    boxes.forEach(function (box) {
      markEdges(box);
      if (!box.dataset.tscEdges) {
        box.dataset.tscEdges = "1";
        box.addEventListener("scroll", function () { markEdges(box); }, { passive: true });
      }
    });
  }

  function start() {
    forwardToggles();
    linkFigures();
    downloadNotebook();
    nameRepository();
    labelCards();
    markScrollers();
    fitMathWhenTypeset();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
