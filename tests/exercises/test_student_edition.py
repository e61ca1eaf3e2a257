"""The student edition (tools/make_student.py): stubs run, no solution leaks, checks remain."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from tsccourse.exercises import exercises

from ..answers import answer_values, expected_answers, find_answers, find_written, written_forms
from ..conftest import NOTEBOOKS, ROOT, notebook_paths
from .test_exercises import exercise_section_start

spec = importlib.util.spec_from_file_location("make_student", ROOT / "tools" / "make_student.py")
make_student = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_student)


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """The student edition of every notebook, written once into a temporary folder."""
    out = tmp_path_factory.mktemp("student")
    written = make_student.write_student_edition(notebook_paths(), out)
    return out, dict((p.name, n) for p, n in written)


def _lines(cells) -> set[str]:
    return {line.strip() for cell in cells for line in cell.source.splitlines() if line.strip()}


def _solution_notebooks():
    return [
        p
        for p in notebook_paths()
        if any(make_student.is_solution(c) for c in nbformat.read(p, 4).cells)
    ]


def test_every_notebook_gets_a_student_copy(edition):
    out, written = edition
    assert sorted(written) == [p.name for p in notebook_paths()]
    assert sum(written.values()) >= 14  # notebooks 09 and 10 alone have 14 solutions


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_student_copy_has_no_solution_text_and_keeps_everything_else(edition, path):
    out, _ = edition
    source = nbformat.read(path, as_version=4)
    student = nbformat.read(out / path.name, as_version=4)
    nbformat.validate(student)
    others = [c for c in source.cells if not make_student.is_solution(c)]
    kept_elsewhere = _lines(others)
    student_lines = _lines(student.cells)
    for cell in source.cells:
        if not make_student.is_solution(cell):
            continue
        allowed = make_student.stub_lines(cell.source) | kept_elsewhere
        leaked = [
            line
            for line in cell.source.splitlines()
            if line.strip() and line.strip() not in allowed and line.strip() in student_lines
        ]
        assert not leaked, f"{path.name}: solution lines in the student edition: {leaked}"
    # Every non-solution cell is there unchanged, in order; every code cell has no output.
    student_sources = [c.source for c in student.cells]
    positions = [student_sources.index(c.source) for c in others]
    assert positions == sorted(positions)
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", _solution_notebooks(), ids=lambda p: p.name)
def test_student_notebook_runs_and_every_check_says_not_answered(edition, path):
    out, _ = edition
    nb = nbformat.read(out / path.name, as_version=4)
    # A chapter's "Exercises" section runs on its own; the cells before it are identical to
    # the source (checked above), which tests/notebooks/test_notebooks_execute.py executes.
    nb.cells = nb.cells[exercise_section_start(nb) :]
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    stubs = [i for i, c in enumerate(nb.cells) if make_student.is_solution(c)]
    assert stubs
    for i in stubs:
        check_cell = nb.cells[i + 1]
        texts = [o["data"]["text/plain"] for o in check_cell.outputs if "data" in o]
        assert texts and texts[0].startswith("[Not answered]"), (check_cell.source, texts)


def test_stub_for_code_keeps_names_and_signatures_and_runs():
    source = '''import math
from fractions import Fraction

def helper(a, b=2):
    """Add."""
    return a + b

@staticmethod
def decorated(x):
    # a comment first
    return x

def one_liner(y): return y * 2

low, (high, rest) = 1, (2, 3)
answer: int = helper(low, high)
answer += 1
'''
    stub = make_student.stub_for_code(source)
    namespace: dict = {}
    exec(compile(stub, "stub", "exec"), namespace)
    assert namespace["answer"] is Ellipsis and namespace["low"] is Ellipsis
    assert namespace["high"] is Ellipsis and namespace["rest"] is Ellipsis
    for name, args in [("helper", (1,)), ("one_liner", (1,))]:
        with pytest.raises(NotImplementedError):
            namespace[name](*args)
    assert '    """Add."""' in stub and "@staticmethod" in stub
    assert "return a + b" not in stub and "import math" in stub  # imports are tools, not answers
    assert stub.count("answer = ...") == 1


def test_stub_for_unparsable_code_is_a_comment():
    assert make_student.stub_for_code("def broken(:\n") == make_student.ANSWER_MARK


def test_markdown_solutions_and_details():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Check your understanding\nQ?\n<details>A.</details>"),
        nbformat.v4.new_markdown_cell(
            "The answer is 42 because ...", metadata={"tags": ["solution"]}
        ),
        nbformat.v4.new_code_cell("x = 1", outputs=[], execution_count=3),
    ]
    kept, count = make_student.student_notebook(nb)
    assert count == 1 and "<details>A.</details>" in kept.cells[1].source
    assert kept.cells[2].source == make_student.MARKDOWN_STUB
    assert kept.cells[3].execution_count is None
    removed, _ = make_student.student_notebook(nb, keep_details=False)
    assert "<details>" not in removed.cells[1].source and "Q?" in removed.cells[1].source
    assert nb.cells[1].source.startswith("The answer is 42"), "the source must not be modified"


def test_command_line_writes_the_edition(tmp_path):
    target = NOTEBOOKS / "09-exercises-counting-and-scaling.ipynb"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "make_student.py"),
            "--out",
            str(tmp_path),
            str(target),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "9 solution cell(s) stubbed" in run.stdout
    assert (tmp_path / target.name).exists()


def test_no_expected_answer_appears_in_the_student_edition(edition):
    """Every checker's expected value, in every way it can be written, is nowhere to be read."""
    out, _ = edition
    values = {e.id: answer_values(e.id) for e in exercises()}
    searched = {k: v for k, v in values.items() if any(written_forms(x) for x in v)}
    assert len(searched) >= 20, "too few answers are searchable: the search would prove little"
    leaks = []
    for path in sorted(out.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for exercise, answers in searched.items():
                found = [f for value in answers for f in find_written(cell.source, value)]
                if found:
                    leaks.append(f"{path.name} cell {cell.get('id')}: answer of {exercise} {found}")
    assert not leaks, leaks


def test_leak_search_finds_an_answer_planted_in_any_form():
    """The search above is not vacuous: it sees a planted answer however it is written."""
    value = expected_answers()["10.2"]
    for text in [
        f"x = {value}",
        f"x = {value:_}",
        f"x = {value:,}",
        f"x = {value:#X}",
        f"# signed: {value - 2**64}",
        f"offset = {value:#x}  # note",
    ]:
        assert find_written(text, value), text


def _code(source: str, tags=None, metadata=...):
    cell = nbformat.v4.new_code_cell(source)
    if metadata is not ...:
        cell["metadata"] = metadata
    elif tags is not None:
        cell["metadata"]["tags"] = tags
    return cell


def test_only_the_exact_tag_solution_stubs_a_cell():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _code("a = 1", ["nosolution"]),
        _code("b = 2", "nosolution"),
        _code("c = 3", ["solutions", "my-solution"]),
        _code("d = 4", "solution"),
    ]
    student, count = make_student.student_notebook(nb)
    assert count == 1
    assert [c.source for c in student.cells[1:4]] == ["a = 1", "b = 2", "c = 3"]
    assert "d = ..." in student.cells[4].source
    nbformat.validate(student)


@pytest.mark.parametrize(
    "metadata",
    [None, {"tags": None}, {"tags": [1, 2.5, None]}, {"tags": "solution"}, {"tags": {"a": 1}}],
    ids=["metadata-null", "tags-null", "tags-numeric", "tags-string", "tags-dict"],
)
def test_odd_cell_metadata_gives_a_valid_notebook_not_a_traceback(metadata):
    nb = nbformat.v4.new_notebook()
    nb.cells = [_code("x = 1", ["solution"]), _code("y = 2", metadata=metadata)]
    student, count = make_student.student_notebook(nb)
    assert count == 1 + (metadata == {"tags": "solution"})
    nbformat.validate(student)


def test_nbformat_4_4_source_gives_a_valid_4_4_notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = 4
    nb.cells = [_code("x = 1", ["solution"]), _code("check('09.1', x)")]
    for cell in nb.cells:
        del cell["id"]
    source = tmp_path / "old.ipynb"
    source.write_text(json.dumps(nb))
    out = tmp_path / "out"
    make_student.write_student_edition([source], out)
    written = json.loads((out / "old.ipynb").read_text())
    assert written["nbformat_minor"] == 4
    assert all("id" not in cell for cell in written["cells"])
    nbformat.validate(nbformat.read(out / "old.ipynb", as_version=4))


@pytest.mark.parametrize(
    "source, name",
    [
        ("if True:\n    answer = 1\nelse:\n    answer = 2", "answer"),
        ("for answer in range(3):\n    pass", "answer"),
        ("total = 0\nfor k in range(3):\n    total += k\nanswer = total", "answer"),
        ("while (answer := 5) < 3:\n    pass", "answer"),
        ("(answer := 2**32)", "answer"),
        ("[y for y in range(3) if (answer := y)]", "answer"),
        ("first, *answer = [1, 2, 3]", "answer"),
        ("import fractions as answer", "answer"),
        ("from fractions import Fraction as answer", "answer"),
        ("class Answer:\n    value = 1", "Answer"),
        ("%%time\nanswer = 10**9 // 3", "answer"),
        ("%time answer = 10**9 // 3", "answer"),
        ("with open(__file__) as answer:\n    pass", "answer"),
        ("try:\n    answer = 1\nexcept ValueError as err:\n    answer = 2", "answer"),
    ],
    ids=[
        "if",
        "for-target",
        "after-loop",
        "walrus-while",
        "walrus",
        "walrus-comprehension",
        "starred",
        "import-as",
        "from-import-as",
        "class",
        "cell-magic-time",
        "line-magic-time",
        "with-as",
        "try",
    ],
)
def test_stub_binds_every_name_the_solution_binds(source, name):
    stub = make_student.stub_for_code(source)
    namespace: dict = {"__file__": __file__}
    exec(compile(stub, "stub", "exec"), namespace)
    assert name in namespace, stub
    assert "10**9 // 3" not in stub and "total += k" not in stub


def test_grader_scores_a_renamed_student_edition_of_notebook_10(edition, tmp_path):
    """The real notebook end to end: right, wrong, forged and untouched answers."""
    from tsccourse.exercises.grading import grade_submission

    out, _ = edition
    name = "10-exercises-migration.ipynb"
    nb = nbformat.read(out / name, as_version=4)
    stubs = [i for i, c in enumerate(nb.cells) if make_student.is_solution(c)]
    # A right answer, a wrong one, and a check cell edited to fake success.
    nb.cells[stubs[0]].source = (
        "delta_ns = (dst_wall[0] - src_wall[0]) * 10**9 + dst_wall[1] - src_wall[1]\n"
        "tsc_delta = delta_ns * guest_hz // 10**9"
    )
    nb.cells[stubs[1]].source = "dst_offset = dst_host_tsc"
    nb.cells[stubs[3]].source = "backwards_at_ms = 0"
    nb.cells[stubs[3] + 1].source = 'print("[Correct] Exercise 10.4: trust me")'
    submission = tmp_path / "bob_download.ipynb"
    nbformat.write(nb, submission)
    report = grade_submission(submission, NOTEBOOKS)
    assert report.problems == [] and report.matched_by == "notebook id"
    assert {g.exercise: g.status for g in report.graded} == {
        "10.1": "correct",
        "10.2": "wrong",
        "10.3": "not answered",
        "10.4": "wrong",
        "10.5": "not answered",
        "10.6": "not answered",
        "10.7": "not answered",
    }


def test_keep_existing_leaves_a_students_work_alone(tmp_path):
    source = NOTEBOOKS / "10-exercises-migration.ipynb"
    make_student.write_student_edition([source], tmp_path)
    mine = tmp_path / source.name
    mine.write_text(mine.read_text().replace("tsc_delta = ...", "tsc_delta = 42"))
    make_student.write_student_edition([source], tmp_path, keep_existing=True)
    assert "tsc_delta = 42" in mine.read_text()
    make_student.write_student_edition([source], tmp_path)
    assert "tsc_delta = 42" not in mine.read_text()


# --------------------------------------------------------------------------------------------
# What reaches students: the bundle, the student site's own folder, the sites' wheel.
CODE_COINCIDENCES = {
    ("tsccourse/exercises/transport.py", "03.2"): "MAX_TEXT = 100_000 characters",
    ("tsccourse/playground/session.py", "03.2"): "a doctest's 100_000 kHz guest",
}
"""Numbers in the course code that equal an answer by coincidence (with the reason)."""


def _answers_in_files(files: dict[str, str]) -> list[str]:
    """Every answer found in ``files`` (name -> text), except the listed coincidences."""
    leaks = []
    for name, text in sorted(files.items()):
        for exercise, forms in find_answers(text).items():
            if (name, exercise) not in CODE_COINCIDENCES:
                leaks.append(f"{name}: answer of {exercise} as {forms}")
    return leaks


def test_no_module_of_the_packages_holds_a_list_of_answers():
    import importlib.util

    assert importlib.util.find_spec("tsccourse.exercises.answers") is None
    files = {
        path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "tsccourse").rglob("*.py"))
    }
    assert not [n for n, t in files.items() if "expected_answers" in t]
    assert not _answers_in_files(files)


def test_the_code_search_finds_a_planted_answer():
    planted = {"tsccourse/exercises/x.py": ">>> check.tsc_delta(625_000_002).passed"}
    assert _answers_in_files(planted) == [
        "tsccourse/exercises/x.py: answer of 10.1 as ['625_000_002']"
    ]


spec_dist = importlib.util.spec_from_file_location(
    "student_dist", ROOT / "tools" / "student_dist.py"
)
student_dist = importlib.util.module_from_spec(spec_dist)
spec_dist.loader.exec_module(student_dist)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The student bundle (make student-dist), built once: ``{name in the zip: bytes}``."""
    import zipfile

    out = student_dist.build(tmp_path_factory.mktemp("dist") / "bundle.zip")
    with zipfile.ZipFile(out) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_bundle_holds_the_edition_the_code_and_one_command(bundle):
    top = student_dist.FOLDER + "/"
    names = {name.removeprefix(top) for name in bundle}
    assert all(name.startswith(top) for name in bundle)
    assert {f"notebooks/{p.name}" for p in notebook_paths()} <= names
    for needed in ("Makefile", "README.md", "pyproject.toml", "requirements.txt", "tools/lab.py"):
        assert needed in names
    assert {"tscmath/__init__.py", "tsccourse/exercises/__init__.py"} <= names
    assert not [n for n in names if n.startswith(("tests/", "site/")) or "answers" in n]
    makefile = bundle[top + "Makefile"].decode()
    assert ".DEFAULT_GOAL := lab" in makefile and "tools/lab.py" in makefile
    assert "`make`" in bundle[top + "README.md"].decode()


def test_the_bundle_holds_no_answer(bundle):
    top = student_dist.FOLDER + "/"
    leaks = []
    for name, data in bundle.items():
        rel = name.removeprefix(top)
        if rel.endswith(".ipynb"):
            for cell in nbformat.reads(data.decode(), as_version=4).cells:
                leaks += [f"{rel} {cell.get('id')}: {f}" for f in find_answers(cell.source).items()]
            assert b"### BEGIN SOLUTION" not in data
        elif rel.startswith("tsccourse/"):
            leaks += _answers_in_files({rel: data.decode()})
    assert not leaks, leaks
    solutions = [
        c
        for p in notebook_paths()
        for c in nbformat.read(p, 4).cells
        if "solution" in (c.metadata.get("tags") or [])
    ]
    edition = b"".join(v for k, v in bundle.items() if k.endswith(".ipynb")).decode()
    kept = [c.source for c in solutions if c.cell_type == "code" and c.source in edition]
    assert not kept, kept[:1]


def test_the_bundle_is_reproducible(bundle, tmp_path):
    import zipfile

    again = student_dist.build(tmp_path / "again.zip")
    with zipfile.ZipFile(again) as archive:
        assert {i.filename: archive.read(i) for i in archive.infolist()} == bundle


def test_the_sites_wheel_holds_no_answer(tmp_path):
    """The wheel both sites serve to Pyodide (tools/site_pyodide.py) is built from the packages."""
    import zipfile

    spec = importlib.util.spec_from_file_location(
        "site_pyodide", ROOT / "tools" / "site_pyodide.py"
    )
    site_pyodide = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(site_pyodide)
    wheel = site_pyodide.build_wheel(tmp_path / "wheel")
    with zipfile.ZipFile(wheel) as archive:
        files = {
            name: archive.read(name).decode("utf-8", "replace")
            for name in archive.namelist()
            if name.startswith("tsccourse/")
        }
        names = archive.namelist()
    assert "tsccourse/exercises/__init__.py" in names
    assert not [n for n in names if n.endswith("answers.py")]
    assert not _answers_in_files(files)


# --------------------------------------------------------------------------------------------
# make student-site builds from its own folder and never touches the student's work.
def _make_dry_run(*args: str) -> str:
    import shutil

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    run = subprocess.run(
        ["make", "-n", *args, "VENV=/nonexistent-venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout


def test_student_site_never_names_the_students_folder(tmp_path):
    student = tmp_path / "students-work"
    own = tmp_path / "site-notebooks"
    site = _make_dry_run("student-site", f"STUDENT={student}", f"STUDENT_SITE_NB={own}")
    assert str(student) not in site and f"--notebooks {own}" in site
    assert str(student) in _make_dry_run("student-lab", f"STUDENT={student}")  # the control
    clean = _make_dry_run("clean", f"STUDENT={student}")
    assert f"! -path '{student}'" in clean


def test_student_site_folder_holds_exactly_the_edition_and_leaves_the_student_alone(tmp_path):
    """A student's own notebook (the one that broke the site build) stays where it is."""
    student = tmp_path / "student"
    mine = student / "my-notes.ipynb"
    make_student.write_student_edition(notebook_paths()[:2], student)
    nbformat.write(nbformat.v4.new_notebook(cells=[_code("x = 42")]), mine)
    before = {p.name: p.read_bytes() for p in student.iterdir() if p.is_file()}
    own = tmp_path / "site-notebooks"
    own.mkdir()
    (own / "stale-chapter.ipynb").write_text("{}")
    command = _make_dry_run("student-site", f"STUDENT={student}", f"STUDENT_SITE_NB={own}")
    make_line = next(line for line in command.splitlines() if "make_student.py" in line)
    subprocess.run(
        [sys.executable, *make_line.split()[1:], *map(str, notebook_paths()[:3])],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert sorted(p.name for p in own.glob("*.ipynb")) == [p.name for p in notebook_paths()[:3]]
    assert {p.name: p.read_bytes() for p in student.iterdir() if p.is_file()} == before


def test_a_stale_page_is_removed_before_the_site_is_built(tmp_path):
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    build_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_site)
    src, out = tmp_path / "src", tmp_path / "out"
    for doc in ("index.md", "01-a.ipynb", "glossary.md"):
        (src / doc).parent.mkdir(parents=True, exist_ok=True)
        (src / doc).write_text("x")
    for page in ("index", "01-a", "glossary", "genindex", "search", "99-gone", "my-notes"):
        (out / f"{page}.html").parent.mkdir(parents=True, exist_ok=True)
        (out / f"{page}.html").write_text("<html></html>")
    (out / "_sources").mkdir()
    (out / "_sources" / "99-gone.ipynb").write_text("x")
    (out / "_static").mkdir()
    (out / "_static" / "x.html").write_text("x")
    removed = build_site.remove_stale_pages(src, out)
    assert sorted(p.name for p in removed) == ["99-gone.html", "my-notes.html"]
    assert sorted(p.name for p in out.glob("*.html")) == [
        "01-a.html",
        "genindex.html",
        "glossary.html",
        "index.html",
        "search.html",
    ]
    assert not (out / "_sources" / "99-gone.ipynb").exists()
    assert (out / "_static" / "x.html").exists()


def test_a_cell_with_null_metadata_is_named_and_repaired(tmp_path):
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "id": "a1",
                "metadata": None,
                "source": "x = 1",
                "outputs": [],
                "execution_count": None,
            },
            {
                "cell_type": "code",
                "id": "a2",
                "metadata": {"tags": ["solution"]},
                "source": "y = 2",
                "outputs": [],
                "execution_count": None,
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    source = tmp_path / "null.ipynb"
    source.write_text(json.dumps(nb))
    tool = [sys.executable, str(ROOT / "tools" / "make_student.py"), "--out", str(tmp_path / "o")]
    run = subprocess.run([*tool, str(source)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "cell 0 (id 'a1'): metadata was null" in run.stderr
    nbformat.validate(nbformat.read(tmp_path / "o" / "null.ipynb", as_version=4))
    nb["cells"][1]["cell_type"] = "bogus"
    source.write_text(json.dumps(nb))
    run = subprocess.run([*tool, str(source)], capture_output=True, text=True)
    assert run.returncode == 2 and "cell 1 (id 'a2')" in run.stderr
    assert "Traceback" not in run.stderr
