"""The sources registry (sources/*.toml) covers every real-system citation in the collection."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from ..conftest import ROOT, notebook_paths


def _load(name: str, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


sources = _load("tools_sources", ROOT / "tools" / "sources.py")
ENTRIES = sources.load_registry()


# --- the extractor: the citation forms of sources/README.md ---------------------------------


@pytest.mark.parametrize(
    ("text", "path", "symbols"),
    [
        (
            "KVM in `arch/x86/kvm/x86.c` (`kvm_a`, `kvm_b`) does",
            "arch/x86/kvm/x86.c",
            ("kvm_a", "kvm_b"),
        ),
        ("see `kvm_a` in `arch/x86/kvm/x86.c`.", "arch/x86/kvm/x86.c", ("kvm_a",)),
        (
            "see `native_calibrate_tsc()` (`arch/x86/kernel/tsc.c`)",
            "arch/x86/kernel/tsc.c",
            ("native_calibrate_tsc",),
        ),
        ("(`arch/x86/kvm/x86.c`, `kvm_set_tsc_khz`)", "arch/x86/kvm/x86.c", ("kvm_set_tsc_khz",)),
        ("(illumos `a/vmm.c`, AMD only; it returns `EPERM`)", "a/vmm.c", ()),
        ("(``a/b.rs``, ``VmTimeData::new``)", "a/b.rs", ("VmTimeData::new",)),
        ("a line in `dmesg` (`arch/x86/kernel/tsc.c`)", "arch/x86/kernel/tsc.c", ()),
        (
            "phases in `bin/propolis-server/src/lib/migrate/`",
            "bin/propolis-server/src/lib/migrate/",
            (),
        ),
    ],
)
def test_citations_are_extracted_with_the_symbols_next_to_them(text, path, symbols):
    (citation,) = sources.citations_in_text(text)
    assert (citation.path, citation.symbols) == (path, symbols)


@pytest.mark.parametrize(
    "text",
    ["`tscmath/limits.py`", "`tests/package/test_pvclock.py`", "`/sys/devices/x/y.c`", "`x.c`"],
)
def test_own_files_and_non_paths_are_not_citations(text):
    assert sources.citations_in_text(text) == []


def test_a_missing_symbol_and_a_missing_path_are_reported(tmp_path):
    cited = sources.citations_in_text(
        "`vmm_data_write_vmm_time` in `usr/src/uts/intel/io/vmm/vmm.c`, "
        "`no_such_symbol` in `usr/src/uts/intel/io/vmm/vmm.c`, `no/such/file.c`"
    )
    missing = sources.missing_from_registry(cited, ENTRIES)
    assert len(missing) == 2
    assert "no_such_symbol" in missing[0] and "no/such/file.c" in missing[1]


# --- the registry itself ---------------------------------------------------------------------


def test_registry_entries_are_complete_and_unique():
    assert ENTRIES, "sources/*.toml is empty"
    seen = set()
    for e in ENTRIES:
        key = (e.repo, e.path, e.symbol, e.version)
        assert key not in seen, f"duplicate entry {key}"
        seen.add(key)
        assert e.takes.strip(), f"{e.repo} {e.path} {e.symbol}: 'takes' is empty"
        if e.status == "verified" and not e.url:
            assert re.fullmatch(r"[0-9a-f]{7,40}|v\d[\w.-]*", e.version), (
                f"{e.repo} {e.path} {e.symbol}: a verified entry needs a commit or tag; "
                f"got {e.version!r}"
            )
        if e.status == "verified" and e.url:
            # a document or a message: its edition or date, never a placeholder
            assert e.version.strip() and e.version != "unverified", (e.path, e.version)
        if e.mirror:
            assert re.fullmatch(r"[0-9a-f]{40}", e.version), (e.path, e.symbol, e.version)
        if e.read_in:
            assert "inferred" in e.read_in, (e.path, e.symbol, e.read_in)
        assert e.link.startswith("https://"), e.link


def test_every_cited_path_has_a_file_entry_for_its_sources_line():
    """A path cited only with symbols still needs a file-level entry to head its line."""
    files = {e.path for e in ENTRIES if not e.symbol}
    assert {e.path for e in ENTRIES} <= files, sorted({e.path for e in ENTRIES} - files)


def test_a_mirror_read_links_to_the_mirror_and_says_so(tmp_path):
    (tmp_path / "x.toml").write_text(
        'repo = "torvalds/linux"\n[[entry]]\npath = "arch/x86/kvm/x86.c"\n'
        'symbol = "kvm_set_tsc_khz"\nversion = "' + "c78f4f159ea4" + "0" * 28 + '"\n'
        'mirror = "AOSC-Tracking/linux"\ntakes = "t"\n'
        '[[entry]]\npath = "kernel/time/clocksource.c"\nversion = "v6.13"\n'
        'read_in = "a snapshot without a commit id; v6.13 inferred from its code"\ntakes = "t"\n'
    )
    mirrored, inferred = sources.load_registry(tmp_path)
    assert mirrored.link.startswith("https://github.com/AOSC-Tracking/linux/blob/c78f4f159ea4")
    assert mirrored.shown_version == "at c78f4f159ea4 of the mirror AOSC-Tracking/linux"
    assert inferred.link == "https://github.com/torvalds/linux/blob/v6.13/kernel/time/clocksource.c"
    assert inferred.shown_version == "at v6.13, inferred"


def test_the_kvm_tsc_rate_entries_are_pinned_to_a_v6_tree():
    """They once pointed at a v4.5-era tree (old kvm_x86_ops); the text describes today's code."""
    for symbol in ("kvm_set_tsc_khz", "set_tsc_khz", "tsc_always_catchup", "KVM_SET_TSC_KHZ"):
        (entry,) = [e for e in ENTRIES if e.path == "arch/x86/kvm/x86.c" and e.symbol == symbol]
        assert entry.mirror and entry.status == "verified", symbol
        assert not entry.version.startswith("24740dab"), symbol


def test_malformed_registry_files_are_refused(tmp_path):
    (tmp_path / "x.toml").write_text('repo = "a/b"\n[[entry]]\npath = "p.c"\ntakes = "t"\n')
    with pytest.raises(ValueError, match="missing \\['version'\\]"):
        sources.load_registry(tmp_path)
    (tmp_path / "x.toml").write_text('[[entry]]\npath = "p.c"\n')
    with pytest.raises(ValueError, match="repo"):
        sources.load_registry(tmp_path)


# --- the collection against the registry -----------------------------------------------------


@pytest.mark.parametrize("notebook", notebook_paths(), ids=lambda p: p.name[:2])
def test_every_notebook_citation_is_in_the_registry(notebook):
    missing = sources.missing_from_registry(sources.notebook_citations(notebook), ENTRIES)
    assert not missing, "add these to sources/*.toml:\n" + "\n".join(missing)


def test_every_docstring_citation_is_in_the_registry():
    missing = sources.missing_from_registry(sources.docstring_citations(), ENTRIES)
    assert not missing, "add these to sources/*.toml:\n" + "\n".join(missing)


def test_sources_list_links_every_cited_file_at_its_version():
    nb = ROOT / "notebooks" / "06a-live-migration-protocol.ipynb"
    text = sources.sources_markdown(nb, ENTRIES)
    assert text.startswith("## Sources\n")
    cited = {c.path for c in sources.notebook_citations(nb)}
    for path in cited:
        assert f"[`{path}`](https://github.com/" in text, path
    vmm = next(e for e in ENTRIES if e.path.endswith("io/vmm/vmm.c") and not e.symbol)
    assert f"/blob/{vmm.version}/usr/src/uts/intel/io/vmm/vmm.c" in text


def test_the_site_extension_builds_a_linked_sources_section():
    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    ext = _load("site_sources_ext", ROOT / "site" / "sources_ext.py")
    nb = ROOT / "notebooks" / "06a-live-migration-protocol.ipynb"
    groups = sources.sources_for_notebook(nb, ENTRIES)
    document = new_document("<test>", get_default_settings(Parser))
    document.ids["sources"] = nodes.section()  # an id already taken on the page
    section = ext.sources_section(groups, document)
    assert section["ids"] == ["sources-list"]
    assert section.next_node(nodes.title).astext() == "Sources"
    uris = [ref["refuri"] for ref in section.findall(nodes.reference)]
    assert len(uris) >= len(groups) and all(u.startswith("https://github.com/") for u in uris)
    assert ext.sources_section([], document) is None
