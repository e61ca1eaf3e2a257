"""Link each glossary term, at its first appearance in each chapter, to the glossary.

Run after editing a chapter's prose (``.venv/bin/python tools/link_glossary.py``); it changes
only notebooks that need it and prints what it linked. A term's first appearance in a chapter
that is already in bold (its definition) or already a link is left alone. The rule it serves
is checked by ``tests/notebooks/test_glossary.py``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))

from tests.notebooks.test_glossary import (  # noqa: E402  (one parser for tool and test)
    Term,
    _pattern,
    glossary_terms,
    is_defined_or_linked,
    prose,
)


def slug(heading: str) -> str:
    """The anchor MyST gives a heading (GitHub style): lower case, punctuation dropped."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _inside_link_or_heading(markdown: str, start: int) -> bool:
    line_start = markdown.rfind("\n", 0, start) + 1
    if markdown[line_start:start].lstrip().startswith("#"):
        return True  # headings stay plain
    return re.search(r"\[[^\]]*$", markdown[:start]) is not None


def link_first_use(markdown: str, term: Term, target: str) -> tuple[str, bool]:
    """Return ``markdown`` with the term's first prose appearance linked (if it must be)."""
    text = prose(markdown)
    for match in _pattern(term).finditer(text):
        start, end = match.span()
        if is_defined_or_linked(markdown, start, term):
            return markdown, False
        if _inside_link_or_heading(markdown, start):
            continue
        word = markdown[start:end]
        return markdown[:start] + f"[{word}]({target})" + markdown[end:], True
    return markdown, False


def link_notebook(path: Path, terms: list[Term]) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    done = []
    for term in terms:
        target = f"glossary.md#{slug(term.name)}"
        for cell in nb["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            source = "".join(cell["source"])
            if _pattern(term).search(prose(source)) is None:
                continue
            new, changed = link_first_use(source, term, target)
            if changed:
                cell["source"] = new.splitlines(keepends=True)
                done.append(term.name)
            break  # only the chapter's first cell that uses the term
    if done:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return done


def main() -> None:
    terms = glossary_terms((NOTEBOOKS / "glossary.md").read_text(encoding="utf-8"))
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        linked = link_notebook(path, terms)
        if linked:
            print(f"{path.name}: linked {', '.join(linked)}")


if __name__ == "__main__":
    main()
