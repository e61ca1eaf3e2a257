// The exercises' code editor: CodeMirror 6 with its Python mode, bundled by esbuild at build
// time (tools/site_pyodide.py) into _static/offline/live/editor.js; nothing is fetched.
// Exposes window.tscEditor.create(parent, text, {label, onChange}) -> {get, set, focus}.
import { basicSetup } from "codemirror";
import { python } from "@codemirror/lang-python";
import { indentWithTab } from "@codemirror/commands";
import { indentUnit } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";

const theme = EditorView.theme({
  "&": { fontSize: "13px", backgroundColor: "#fff", color: "#1f2328" },
  ".cm-content": { fontFamily: "DejaVu Sans Mono, Menlo, Consolas, monospace" },
  ".cm-gutters": { backgroundColor: "#f6f8fa", color: "#57606a", border: "none" },
  "&.cm-focused": { outline: "2px solid #1a56b4" },
  ".cm-scroller": { overflow: "auto", maxHeight: "32em" },
});

function create(parent, text, { label = "Your answer", onChange = () => {} } = {}) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        python(),
        indentUnit.of("    "),
        keymap.of([indentWithTab]), // Tab indents; Esc then Tab leaves the editor
        EditorView.lineWrapping,
        theme,
        EditorView.contentAttributes.of({ "aria-label": label }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    get: () => view.state.doc.toString(),
    set: (value) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } }),
    focus: () => view.focus(),
  };
}

window.tscEditor = { create };
