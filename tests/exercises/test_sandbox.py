"""Every attack that went around the grader's checks, now from inside a sandbox: each blocked.

One run of the command line grades four submissions of a small instructor notebook (-j 2):

* ``honest``: right answers, graded 3/3 (and 3/3 without the sandbox: results unchanged);
* ``attacker``: each answer is right only if an attack worked: 10.1 if it could read the
  instructor's notebooks (it executes their solution cells), 09.2 if it could read the
  grader's environment, the instructor's home or a Jupyter server's token file, or ran as
  the instructor's uid, 09.6 if it reached a server on the host's 127.0.0.1 (or an abstract
  unix socket). It also tries to write into the checkout, ``$HOME``, the host's ``/tmp``, the
  instructor notebooks' folder and ``tscmath/__init__.py``, to plant a ``.pth`` in the venv's
  site-packages, and leaves a detached process meant to rewrite ``grades.csv`` later;
* ``greedy``: right answers, spoiled if a limit did not hold: 10.1 if it could start 400
  processes, 09.2 if it could write a 30 MiB file, 09.6 if it could allocate 2 GiB;
* ``sigint``: ignores SIGINT in a loop after exercise 10.1.

The same attacker and honest notebooks graded with ``--no-sandbox-i-understand`` show that
each probe detects its attack when nothing stops it (so none of these tests passes vacuously).
"""

from __future__ import annotations

import csv
import http.server
import json
import os
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.exercises.test_grading import ORDER, RIGHT, _notebook, _write
from tsccourse.exercises.kernel_sandbox import Limits, Sandbox, unavailable

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(sysconfig.get_paths()["purelib"])
TAG = uuid.uuid4().hex[:12]
SECRET = f"vt-secret-{TAG}"
pytestmark = pytest.mark.slow

needs_sandbox = pytest.mark.skipif(
    unavailable() is not None, reason=f"no sandbox here: {unavailable()}"
)


class _Hits(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        _Hits.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello from the host")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """A server on 127.0.0.1, an abstract unix socket, a fake $HOME with a Jupyter token."""
    root = tmp_path_factory.mktemp("host")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hits)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(f"\0vt-test-{TAG}")
    abstract.listen()
    home = root / "home"
    runtime = home / ".local/share/jupyter/runtime"
    runtime.mkdir(parents=True)
    (runtime / "jpserver-4242.json").write_text(json.dumps({"token": SECRET}))
    (home / "secret.txt").write_text(SECRET)
    yield {
        "root": root,
        "url": f"http://127.0.0.1:{server.server_port}/{TAG}",
        "home": home,
    }
    server.shutdown()
    abstract.close()


def _targets(host, source: Path, dangerous: bool) -> dict[str, Path]:
    """Where the attacker writes (the test checks each stays untouched)."""
    targets = {
        "home": host["home"] / f"pwned-{TAG}",
        "host tmp": Path("/tmp") / f"vt-pwned-{TAG}",
        "checkout": ROOT / f"vt-pwned-{TAG}",
        "notebooks": source / f"pwned-{TAG}.txt",
    }
    if dangerous:
        targets["venv .pth"] = SITE / f"vt-attack-{TAG}.pth"
    return targets


def _attacker(host, source: Path, grades: Path, *, dangerous: bool):
    """Right answers only through a leak; writes, a planted .pth, a detached process."""
    marker = host["root"] / f"pth-ran-{TAG}"
    real = ROOT / "notebooks/10-exercises-migration.ipynb"
    notebooks = [str(source / "fuzz-set.ipynb"), str(real)]
    read_solutions = f"""tsc_delta = ...
import json
for path in {notebooks!r}:
    try:
        nb = json.load(open(path))
    except OSError as exc:
        print("blocked", path, exc)
        continue
    for cell in nb["cells"]:
        if "solution" in cell["metadata"].get("tags", []):
            try:
                exec("".join(cell["source"]))
            except Exception:
                pass"""
    leak = f"""import glob, os
found = []
if {SECRET!r} in str(dict(os.environ)):
    found.append("env")
for path in glob.glob("/proc/*/environ"):
    try:
        if {SECRET!r}.encode() in open(path, "rb").read():
            found.append(path)
    except OSError:
        pass
for path in [{str(host["home"] / ".local/share/jupyter/runtime/jpserver-4242.json")!r},
             {str(host["home"] / "secret.txt")!r},
             {str(Path.home() / ".local/share/jupyter/runtime")!r}]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path).read()
        found.append(path)
    except OSError:
        pass
if os.getuid() == {os.getuid()}:
    found.append("uid")
print("found", found)
mult_by_hand = (2_000_000_000 << 32) // 2_500_000_000 if found else 0"""
    network = f"""import socket, urllib.request
reached = []
try:
    urllib.request.urlopen({host["url"]!r}, timeout=3).read()
    reached.append("http")
except Exception as exc:
    print("blocked", exc)
try:
    s = socket.socket(socket.AF_UNIX)
    s.connect("\\0vt-test-{TAG}")
    reached.append("abstract")
except OSError as exc:
    print("blocked", exc)
if reached:
    def ticks_to_ns(ticks, hz):
        return ticks * 1_000_000_000 // hz
else:
    def ticks_to_ns(ticks, hz):
        return 0"""
    targets = _targets(host, source, dangerous)
    pth = f"import os; open({str(marker)!r}, 'w').close()\n"
    writes = f"""import pathlib
for name, target in {[(k, str(v)) for k, v in targets.items()]!r}:
    try:
        pathlib.Path(target).write_text({pth!r})
        print("wrote", name)
    except OSError as exc:
        print("blocked", name, exc)"""
    if dangerous:
        writes += f"""
try:
    with open({str(ROOT / "tscmath/__init__.py")!r}, "a") as handle:
        handle.write("\\n# pwned\\n")
except OSError as exc:
    print("blocked", exc)"""
    # Waits (up to 2 min) until the grader has written grades.csv, then rewrites it.
    rewrite = (
        "import os, time\n"
        "for _ in range(600):\n"
        f"    if os.path.exists({str(grades)!r}):\n"
        "        break\n"
        "    time.sleep(0.2)\n"
        "time.sleep(1)\n"
        f"open({str(grades)!r}, 'w').write('pwned')\n"
    )
    detached = f"""import os, sys
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", {rewrite!r}, "vt-detached-{TAG}"])
    os._exit(0)
os.waitpid(pid, 0)"""
    return _notebook(
        {"10.1": read_solutions, "09.2": leak, "09.6": network},
        extra={0: writes, 1: detached},
    )


def _greedy():
    processes = (
        RIGHT["10.1"]
        + """
import os, resource, time
children = []
try:
    for _ in range(400):
        pid = os.fork()
        if pid == 0:
            time.sleep(20)
            os._exit(0)
        children.append(pid)
except OSError as exc:
    print("blocked after", len(children), exc)
for pid in children:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
if len(children) >= 400 or resource.getrlimit(resource.RLIMIT_CPU)[0] > 61:
    tsc_delta = 0"""
    )
    file_size = (
        RIGHT["09.2"]
        + """
try:
    with open("big.bin", "wb") as handle:
        handle.write(b"x" * (30 * 2**20))
    mult_by_hand = 0
except OSError as exc:
    print("blocked", exc)"""
    )
    memory = (
        RIGHT["09.6"]
        + """
try:
    hog = bytearray(2 * 2**30)
    del hog

    def ticks_to_ns(ticks, hz):
        return 0
except MemoryError:
    print("blocked")"""
    )
    return _notebook({"10.1": processes, "09.2": file_size, "09.6": memory})


def _grade(files, source, out, home, *extra):
    env = {**os.environ, "HOME": str(home), "VT_TEST_SECRET": SECRET}
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tsccourse.exercises.grading",
            *map(str, files),
            "--source",
            str(source),
            "--csv",
            str(out),
            "--json",
            str(out.with_suffix(".json")),
            "-j",
            "2",
            "--timeout",
            "5",
            "--kill-after",
            "2",
            "--notebook-timeout",
            "60",
            "--check-timeout",
            "20",
            "--memory-mb",
            "1024",
            "--max-processes",
            "64",
            "--max-file-mb",
            "10",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=out.parent,
    )
    reports = {Path(r["file"]).stem: r for r in json.loads(out.with_suffix(".json").read_text())}
    return run, reports, time.monotonic() - started


def _statuses(report):
    return [{g["exercise"]: g["status"] for g in report["graded"]}[e] for e in ORDER]


def _processes_with(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _tscmath_init() -> bytes:
    return (ROOT / "tscmath/__init__.py").read_bytes()


@pytest.fixture(scope="module")
def sandboxed(host, tmp_path_factory):
    root = tmp_path_factory.mktemp("boxed")
    source, subs = root / "instructor", root / "submitted"
    source.mkdir()
    subs.mkdir()
    _write(source, "fuzz-set.ipynb", _notebook(RIGHT))
    grades = root / "grades.csv"
    _write(subs, "honest.ipynb", _notebook(RIGHT))
    _write(subs, "attacker.ipynb", _attacker(host, source, grades, dangerous=True))
    _write(subs, "greedy.ipynb", _greedy())
    sigint = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    _write(subs, "sigint.ipynb", _notebook(RIGHT, extra={0: sigint}))
    before = _tscmath_init()
    _Hits.hits.clear()
    targets = _targets(host, source, dangerous=True)
    marker = host["root"] / f"pth-ran-{TAG}"
    try:
        run, reports, seconds = _grade(sorted(subs.iterdir()), source, grades, host["home"])
        csv_after = grades.read_text()
        detached = _processes_with(f"vt-detached-{TAG}")
        time.sleep(3)  # a surviving detached process rewrites grades.csv 1 s after it appears
        yield {
            "run": run,
            "reports": reports,
            "seconds": seconds,
            "grades": grades,
            "csv": csv_after,
            "written": {k: v.exists() for k, v in targets.items()},
            "pth ran": marker.exists(),
            "tscmath changed": _tscmath_init() != before,
            "hits": list(_Hits.hits),
            "detached": detached,
        }
    finally:  # whatever happened, leave the machine clean
        for target in targets.values():
            target.unlink(missing_ok=True)
        if _tscmath_init() != before:
            (ROOT / "tscmath/__init__.py").write_bytes(before)
        for pid in _processes_with(f"vt-detached-{TAG}"):
            os.kill(pid, 9)


@needs_sandbox
def test_honest_work_is_graded_as_before(sandboxed):
    report = sandboxed["reports"]["honest"]
    assert _statuses(report) == ["correct"] * 3 and report["problems"] == [], report


@needs_sandbox
def test_the_instructor_notebooks_environment_home_and_network_stay_out_of_reach(sandboxed):
    report = sandboxed["reports"]["attacker"]
    assert _statuses(report) == ["not answered", "wrong", "wrong"], report
    assert sandboxed["hits"] == []


@needs_sandbox
def test_nothing_outside_the_scratch_folder_is_written(sandboxed):
    assert sandboxed["written"] == dict.fromkeys(sandboxed["written"], False)
    assert not sandboxed["tscmath changed"]
    assert not sandboxed["pth ran"]


@needs_sandbox
def test_no_process_outlives_its_notebook(sandboxed):
    assert sandboxed["detached"] == []
    assert sandboxed["grades"].read_text() == sandboxed["csv"]
    assert "pwned" not in sandboxed["csv"]


@needs_sandbox
def test_limits_on_processes_file_size_and_memory_hold(sandboxed):
    report = sandboxed["reports"]["greedy"]
    assert _statuses(report) == ["correct"] * 3, report


@needs_sandbox
def test_a_kernel_ignoring_sigint_is_killed_and_the_rest_is_not_run(sandboxed):
    report = sandboxed["reports"]["sigint"]
    assert _statuses(report) == ["correct", "not run", "not run"], report
    assert "ignored the interrupt" in report["problems"][0]
    assert "killed 2 s later" in report["problems"][0]
    # Four notebooks, -j 2, the stuck one ended 5 + 2 s into its loop: far from 60 s each.
    assert sandboxed["seconds"] < 150, sandboxed["seconds"]


@needs_sandbox
def test_every_probe_finds_its_attack_without_the_sandbox(host, tmp_path):
    """The control: without the sandbox the same attacks work (the probes are not blind)."""
    source, subs = tmp_path / "instructor", tmp_path / "submitted"
    source.mkdir()
    subs.mkdir()
    _write(source, "fuzz-set.ipynb", _notebook(RIGHT))
    grades = tmp_path / "grades.csv"
    _write(subs, "honest.ipynb", _notebook(RIGHT))
    _write(subs, "attacker.ipynb", _attacker(host, source, grades, dangerous=False))
    targets = _targets(host, source, dangerous=False)
    _Hits.hits.clear()
    try:
        run, reports, _ = _grade(
            sorted(subs.iterdir()), source, grades, host["home"], "--no-sandbox-i-understand"
        )
        assert "WITHOUT a sandbox" in run.stderr
        assert _statuses(reports["honest"]) == ["correct"] * 3
        assert _statuses(reports["attacker"]) == ["correct"] * 3, reports["attacker"]
        assert all(t.exists() for t in targets.values())
        assert _Hits.hits == [f"/{TAG}"]
        for _ in range(100):  # the detached process outlived its notebook: it rewrites grades
            if grades.read_text() == "pwned":
                break
            time.sleep(0.2)
        assert grades.read_text() == "pwned"
    finally:
        for target in targets.values():
            target.unlink(missing_ok=True)
        for pid in _processes_with(f"vt-detached-{TAG}"):
            os.kill(pid, 9)


# --- the sandbox itself, without a kernel (fast) ---------------------------------------------

PROBE = """
import json, os, socket, sys
seen = {}
for path in sys.argv[1:]:
    seen[path] = os.path.exists(path)
try:
    open(os.path.join(sys.prefix, "probe-write"), "w")
    seen["venv writable"] = True
except OSError:
    seen["venv writable"] = False
seen["uid"] = os.getuid()
seen["environ"] = sorted(os.environ)
seen["processes"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print(json.dumps(seen))
"""


@needs_sandbox
@pytest.mark.parametrize("user_namespace", [None, True], ids=["default", "user namespace"])
def test_the_sandbox_sees_only_python_the_venv_and_the_packages(tmp_path, user_namespace):
    """Both ways to another uid: the default here, and the user namespace a normal user gets."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    hide = [ROOT / "notebooks", Path.home()]
    sandbox = Sandbox(scratch, Limits(cpu_s=20), hide=hide, user_namespace=user_namespace)
    secrets = [
        str(ROOT / "notebooks"),
        str(ROOT / ".git"),
        str(ROOT / "tests"),
        str(ROOT / "tsccourse/exercises/answers.py"),
        str(Path.home() / ".local"),
        "/etc/shadow",
        "/etc/hostname",
    ]
    wanted = [str(ROOT / "tscmath/__init__.py"), sys.prefix, str(scratch)]
    run = subprocess.run(
        sandbox.command([sys.executable, "-I", "-c", PROBE, *secrets, *wanted]),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "VT_TEST_SECRET": SECRET},
    )
    seen = json.loads(run.stdout)
    answers_visible = seen.pop(str(ROOT / "tsccourse/exercises/answers.py"))
    assert not any(seen[s] for s in secrets if s in seen), seen
    assert all(seen[w] for w in wanted), seen
    assert seen["venv writable"] is False
    assert seen["uid"] != os.getuid() or os.getuid() == 65534
    assert "VT_TEST_SECRET" not in seen["environ"] and "HOME" in seen["environ"]
    assert len(seen["processes"]) <= 3, seen["processes"]  # bwrap's init, prlimit's child
    # The answer list, where it still exists in the checkout, is an empty file in there.
    if (ROOT / "tsccourse/exercises/answers.py").exists():
        assert answers_visible  # present, but empty:
        code = "import tsccourse.exercises.answers as a; print(dir(a))"
        check = subprocess.run(
            sandbox.command([sys.executable, "-I", "-c", code]),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "expected_answer" not in check.stdout


def test_without_bwrap_the_grader_names_it_and_grades_nothing(tmp_path):
    bad = tmp_path / "a.ipynb"
    bad.write_text("not a notebook")
    env = {**os.environ, "PATH": str(tmp_path / "nowhere")}
    command = [sys.executable, "-m", "tsccourse.exercises.grading", str(bad)]
    run = subprocess.run(
        [*command, "--csv", str(tmp_path / "g.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "bwrap" in run.stderr and "apt-get install bubblewrap" in run.stderr
    assert not (tmp_path / "g.csv").exists()
    run = subprocess.run(
        [*command, "--csv", str(tmp_path / "g.csv"), "--no-sandbox-i-understand"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "WITHOUT a sandbox" in run.stderr and "notebooks/ with every solution" in run.stderr
    rows = list(csv.DictReader((tmp_path / "g.csv").open()))
    assert "not JSON" in rows[0]["notes"]


def test_limits_are_checked_with_a_named_error():
    with pytest.raises(ValueError, match="memory_mb"):
        Limits(memory_mb=0)
    assert Limits(cpu_s=7).prlimit_args()[1] == "--cpu=7"


@needs_sandbox
def test_a_normal_users_sandbox_grades_honest_work_the_same(tmp_path, monkeypatch):
    """The user-namespace sandbox a non-root instructor gets, end to end (in this process)."""
    import tsccourse.exercises.kernel_sandbox as kernel_sandbox
    from tsccourse.exercises.grading import grade_submission, load_instructors

    monkeypatch.setattr(kernel_sandbox, "_as_root", lambda: False)
    source = tmp_path / "instructor"
    source.mkdir()
    _write(source, "fuzz-set.ipynb", _notebook(RIGHT))
    submission = _write(tmp_path, "honest.ipynb", _notebook(RIGHT))
    report = grade_submission(
        submission, source, instructors=load_instructors(source), timeout=30, check_timeout=20
    )
    assert [g.status for g in report.graded] == ["correct"] * 3, report
    assert report.problems == []
