"""Terms before use: every glossary term is defined where it first appears, linked after that.

The glossary (``notebooks/glossary.md``) lists each term under a ``##`` heading, with other
spellings on an ``*Also:*`` line. Reading the chapters in order (00, 01, ...), a term's first
appearance in the collection must be its definition: the term in bold (``**blackout**``, a
one-line definition follows) or a link to the glossary. In every later chapter, its first
appearance must again be bold or a link to the glossary, so a reader who opens any chapter
cold is one click from the definition. Math, code, headings, image alt text and the text of
links to other pages are not searched.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import NOTEBOOKS, notebook_paths

GLOSSARY = NOTEBOOKS / "glossary.md"


@dataclass(frozen=True)
class Term:
    name: str
    spellings: tuple[str, ...]


def glossary_terms(text: str) -> list[Term]:
    """Parse ``## term`` headings and their ``*Also:*`` spellings."""
    terms = []
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        head, _, body = block.partition("\n")
        also = re.search(r"\*Also:\*\s*(.*?)\.(?=\s|$)", body, re.S)  # "8.32, 16.48." ends at ". "
        spellings = [head.strip()]
        if also:
            spellings += [s.strip().strip("`") for s in also.group(1).split(",")]
        terms.append(Term(head.strip(), tuple(s for s in spellings if s)))
    return terms


_STRIP = [
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\$[^$\n]+\$"),  # inline math
    re.compile(r"```.*?```", re.S),  # fenced code
    re.compile(r"`[^`\n]+`"),  # code spans
    re.compile(r"<summary>.*?</summary>", re.S),
    re.compile(r"!\[[^\]]*\]\([^)]*\)"),  # image alt text
    re.compile(r"^#.*$", re.M),  # headings
    re.compile(r"\[[^\]]*\]\((?!glossary)[^)]*\)"),  # text of links elsewhere
]


def prose(markdown: str) -> str:
    """Markdown with math and code removed (replaced by spaces, so offsets stay meaningful)."""
    for pattern in _STRIP:
        markdown = pattern.sub(lambda m: " " * len(m.group(0)), markdown)
    return markdown


def _pattern(term: Term) -> re.Pattern[str]:
    words = "|".join(re.escape(s) for s in sorted(term.spellings, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({words})(?![\w-])", re.I)


def first_use(markdown: str, term: Term) -> tuple[int, str] | None:
    """Offset and context of the term's first appearance in the prose, or None."""
    text = prose(markdown)
    match = _pattern(term).search(text)
    if match is None:
        return None
    return match.start(), markdown[max(0, match.start() - 3) : match.end() + 40]


def is_defined_or_linked(markdown: str, start: int, term: Term) -> bool:
    """True if the appearance at ``start`` is in bold or inside a link to the glossary."""
    before = markdown[:start]
    paragraph = before[before.rfind("\n\n") + 1 :]
    bold_open = paragraph.count("**") % 2 == 1
    link = re.search(r"\[[^\]]*$", before)  # inside [link text
    if link:
        after = markdown[start:]
        target = re.match(r"[^\]]*\]\(([^)]*)\)", after)
        if target and "glossary" in target.group(1):
            return True
    return bold_open


def chapter_markdown(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n\n".join(
        "".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "markdown"
    )


def test_glossary_parses_terms_and_spellings():
    terms = glossary_terms(GLOSSARY.read_text(encoding="utf-8"))
    names = {t.name for t in terms}
    assert {"blackout", "VM exit", "VMCS", "VMCB", "propolis", "kvmclock", "hrtime"} <= names
    kvmclock = next(t for t in terms if t.name == "kvmclock")
    assert "kvm-clock" in kvmclock.spellings


def test_detector_tells_definition_link_and_bare_use():
    term = Term("blackout", ("blackout",))
    assert is_defined_or_linked("The **blackout** is the pause.", 6, term)
    linked = "After the [blackout](glossary.md#blackout) the guest resumes."
    assert is_defined_or_linked(linked, linked.index("blackout"), term)
    bare = "After the blackout the guest resumes."
    assert not is_defined_or_linked(bare, bare.index("blackout"), term)
    assert first_use("Inline `blackout` and $blackout$ are not prose; blackout is.", term)[0] == 48


TERMS = glossary_terms(GLOSSARY.read_text(encoding="utf-8"))

# Words a student met before their explanation (issue 23): each must be a glossary spelling, so
# the rule below holds for it too. ("l1" of that list no longer occurs in any chapter.)
WORDS_BEFORE_USE = {
    "00": ["8.32", "re-anchor"],
    "03": ["CPL 3", "generations"],
    "05": ["kvmclock", "invtsc", "ratings", "MAXFREQ"],
}
NEEDED_TERMS = [
    "CPUID",
    "paravirtual",
    "vDSO",
    "slew",
    "skew",
    "fixed-point",
    "truncation",
    "VMM",
    "QEMU",
    "EPERM",
    "EINVAL",
    "catch-up mode",
    "hrtime",
    "wall clock",
    "master clock",
]


def test_the_glossary_has_the_terms_students_meet():
    spellings = {s.lower() for t in TERMS for s in t.spellings}
    wanted = [w for words in WORDS_BEFORE_USE.values() for w in words] + NEEDED_TERMS
    assert not [w for w in wanted if w.lower() not in spellings]
    assert len(TERMS) >= 45


@pytest.mark.parametrize("chapter", sorted(WORDS_BEFORE_USE))
def test_listed_words_are_defined_or_linked_where_the_chapter_uses_them(chapter):
    path = next(p for p in notebook_paths() if p.stem.startswith(chapter))
    markdown = chapter_markdown(path)
    for word in WORDS_BEFORE_USE[chapter]:
        term = next(t for t in TERMS if word.lower() in (s.lower() for s in t.spellings))
        found = first_use(markdown, term)
        assert found is not None, f"{path.name} no longer uses {word!r}: update the list"
        assert is_defined_or_linked(markdown, found[0], term), (path.name, found[1])


def test_chapter_references_link_their_chapters():
    text = GLOSSARY.read_text(encoding="utf-8")
    names = {p.stem.split("-")[0]: p.name for p in notebook_paths()}
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        refs = re.findall(r"\[(\d\d[a-z]?)\]\(([^)]*)\)", block)
        assert refs, f"no linked chapter in {block[:40]!r}"
        assert all(names.get(k) == target for k, target in refs), refs


@pytest.mark.parametrize("term", TERMS, ids=[t.name for t in TERMS])
def test_term_defined_at_first_use_and_linked_in_later_chapters(term):
    problems = []
    for path in notebook_paths():
        markdown = chapter_markdown(path)
        found = first_use(markdown, term)
        if found is None:
            continue
        start, context = found
        if not is_defined_or_linked(markdown, start, term):
            problems.append(f"{path.name}: first use neither bold nor linked: {context!r}")
    assert not problems, "\n".join(problems)
