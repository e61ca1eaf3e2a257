"""Run a checker on a submitted answer in a child process that can be killed: for the grader.

A value answer (rebuilt as plain data by :mod:`tsccourse.exercises.transport`) is checked in a
forked child with a hard time limit: SymPy or a huge number cannot hang the grader.

A coding answer is the student's code, and code can lie: its body could replace the
checker's reference function (``tscmath.ticks_to_ns = ...``) and pass. So it is checked twice:

1. *record*: a process in a sandbox like the kernel's (:mod:`.kernel_sandbox`: it sees
   nothing of the machine, writes only its scratch folder, has no network; run as
   ``python -I -m tsccourse.exercises.sandbox record ...``) rebuilds the function from its
   source, and the checker runs it on its hidden cases; every call's arguments and result (or
   exception) are written down as data;
2. *replay*: a forked child of the grader, which never ran student code, runs the checker
   again with a stand-in function that returns the recorded results. Its verdict is the
   grade. An exception is replayed as a class of the same name derived from one the grader
   has already loaded (never a module imported because the record names it).

Anything the student's code did to the recording process is gone; what counts is only what
the function returned for each input. A call that was never recorded (the recording was
killed) replays as "did not finish". Without a sandbox (``sandboxed=False``) the recording
runs in a forked child of the grader, as the grader's user.

Examples
--------
>>> run_isolated(lambda: 6 * 7, timeout=10)
(True, 42)
>>> run_isolated(lambda: [0 for _ in iter(int, 1)], timeout=0.5)[0]
False
"""

from __future__ import annotations

import builtins
import json
import multiprocessing
import os
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from .core import REGISTRY, Result
from .transport import UnsafeData, from_data, rebuild_function, to_data

__all__ = ["run_isolated", "check_data", "record_functions", "RECORD_LIMIT"]

RECORD_LIMIT = 10_000
LOG_LIMIT = 20 * 1024 * 1024
"""The most of a recording the grader reads (bytes)."""
_CONTEXT = multiprocessing.get_context("fork")


def _child(conn: Any, func: Callable[[], Any]) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        conn.send((True, func()))
    except BaseException as exc:  # noqa: BLE001 - report, never raise, from the child
        try:
            conn.send((False, f"{type(exc).__name__}: {str(exc)[:300]}"))
        except BaseException:  # noqa: BLE001
            pass
    finally:
        conn.close()
        os._exit(0)


def run_isolated(func: Callable[[], Any], *, timeout: float) -> tuple[bool, Any]:
    """Run ``func()`` in a forked child; ``(True, value)`` or ``(False, why)``.

    The value must pickle. After ``timeout`` seconds the child is killed.
    """
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_child, args=(sender, func), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(timeout):
            try:
                return receiver.recv()
            except (EOFError, OSError):
                return False, "the check process ended without an answer"
        return False, f"did not finish within {timeout:g} s"
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)


def _result(exercise_id: str, passed: bool, message: str, answered: bool = True) -> tuple:
    return exercise_id, bool(passed), str(message), bool(answered)


def _check_value(exercise_id: str, data: dict) -> tuple:
    try:
        value = from_data(data)
    except UnsafeData as exc:
        return _result(exercise_id, False, f"The grader could not read this answer: {exc}.")
    result = REGISTRY[exercise_id].check(value)
    return _result(result.exercise, result.passed, result.message, result.answered)


# --- coding answers: record, then replay ----------------------------------------------------


def _key(args: tuple) -> str:
    plain = tuple(int.__int__(a) if isinstance(a, int) else a for a in args)
    return repr(plain)


def _exception_data(exc: BaseException) -> dict:
    try:
        text = BaseException.__str__(exc)[:500]
    except Exception:  # noqa: BLE001
        text = ""
    mro = [(str(k.__module__), str(k.__qualname__)) for k in type(exc).__mro__]
    return {"raise": mro, "message": text}


def _record(exercise_id: str, data: dict, log: str) -> None:
    """First child: run the real function under the checker, writing every call down."""
    with open(log, "w", encoding="utf-8") as out:
        try:
            func = rebuild_function(data)
        except BaseException as exc:  # noqa: BLE001 - the student's source, whatever it does
            out.write(json.dumps({"rebuild_error": f"{type(exc).__name__}: {exc}"[:300]}) + "\n")
            return
        count = [0]

        def recorded(*args: Any) -> Any:
            count[0] += 1
            key = _key(args)
            try:
                got = func(*args)
            except BaseException as exc:
                if count[0] <= RECORD_LIMIT:
                    out.write(json.dumps({"key": key, **_exception_data(exc)}) + "\n")
                    out.flush()
                raise
            if count[0] <= RECORD_LIMIT:
                out.write(json.dumps({"key": key, "return": to_data(got)}) + "\n")
                out.flush()
            return got

        recorded.__name__ = str(data.get("name", "submission"))
        REGISTRY[exercise_id].check(recorded)


def _exception_class(mro: list) -> type[BaseException]:
    from .deadline import TimeLimitExceeded

    for module, qualname in mro:
        # Only what is loaded already: importing a module because a record names it would
        # run that module's code in the grader.
        target: Any = builtins if module == "builtins" else sys.modules.get(str(module))
        try:
            for part in str(qualname).split("."):
                target = getattr(target, part)
        except (AttributeError, TypeError):
            continue
        if isinstance(target, type) and issubclass(target, BaseException):
            return target
    return TimeLimitExceeded if not mro else RuntimeError


def _replayed_exception(entry: dict) -> BaseException:
    mro = [tuple(pair) for pair in entry.get("raise", []) if isinstance(pair, list)]
    base = _exception_class(mro)
    message = str(entry.get("message", ""))[:500]
    name = mro[0][1].split(".")[-1] if mro else base.__name__

    def init(self: BaseException, *args: Any) -> None:
        BaseException.__init__(self, message)

    cls = type(name, (base,), {"__init__": init, "__str__": lambda self: message})
    return cls()


def _replay(exercise_id: str, name: str, log: str) -> tuple:
    """Second child: the checker again, on the recorded results (``log``: their text) only."""
    from .deadline import TimeLimitExceeded

    calls: dict[str, dict] = {}
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            break  # a line cut off when the first child was killed
        if "rebuild_error" in entry:
            return _result(
                exercise_id, False, f"Your function could not be rebuilt: {entry['rebuild_error']}"
            )
        calls.setdefault(str(entry.get("key")), entry)

    def replayed(*args: Any) -> Any:
        entry = calls.get(_key(args))
        if entry is None:
            raise TimeLimitExceeded("did not finish")
        if "raise" in entry:
            raise _replayed_exception(entry)
        return from_data(entry["return"])

    replayed.__name__ = name
    result = REGISTRY[exercise_id].check(replayed)
    return _result(result.exercise, result.passed, result.message, result.answered)


def _read_log(path: Path) -> str:
    """The recording's text; a symlink, a pipe or anything but a plain file reads as nothing."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        return handle.read(LOG_LIMIT).decode("utf-8", "replace")


def record_functions(
    answers: list[tuple[str, dict]],
    *,
    timeout: float = 30.0,
    sandboxed: bool = True,
    limits: Any = None,
) -> list[str]:
    """Run each coding answer under its checker once; the text of each recording, in order.

    Sandboxed, all of a submission's functions run one after the other in one sandbox (one
    Python start for all); a function still running ``timeout`` seconds after it began
    ends the sandbox, and those not yet begun then run in a sandbox of their own.
    """
    logs = [""] * len(answers)
    if not sandboxed:
        for n, (exercise_id, data) in enumerate(answers):
            with tempfile.TemporaryDirectory(prefix="vt-record-") as private:
                log = Path(private) / "calls.jsonl"
                log.touch()
                run_isolated(partial(_record, exercise_id, data, str(log)), timeout=timeout)
                logs[n] = _read_log(log)
        return logs
    todo = list(range(len(answers)))
    while todo:
        begun = _record_in_sandbox([answers[n] for n in todo], timeout, limits)
        for k, text in begun.items():
            logs[todo[k]] = text
        todo = [n for k, n in enumerate(todo) if k not in begun]
        if len(begun) == 0 and todo:  # not even the first one began: do not loop
            break
    return logs


def _record_in_sandbox(answers: list[tuple[str, dict]], timeout: float, limits: Any) -> dict:
    """One sandbox recording ``answers`` in order; ``{index: text}`` of those that began."""
    from .kernel_sandbox import Sandbox, let_through

    with tempfile.TemporaryDirectory(prefix="vt-record-") as private:
        let_through(Path(private))
        scratch = Path(private) / "scratch"
        scratch.mkdir()
        batch = scratch / "answers.json"
        batch.write_text(json.dumps(answers), encoding="utf-8")
        batch.chmod(0o644)
        logs = scratch / "logs"
        logs.mkdir()
        sandbox = Sandbox(scratch, limits)
        sandbox.give(logs)
        command = sandbox.command(
            [sys.executable, "-I", "-m", __name__, "record", str(batch), str(logs)]
        )
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=scratch,
        )
        seen: dict[int, float] = {}
        launched = time.monotonic()
        try:
            while process.poll() is None:
                now = time.monotonic()
                for n in range(len(answers)):
                    if n not in seen and (logs / f"{n}.jsonl").exists():
                        seen[n] = now
                current = max(seen) if seen else None
                started = seen[current] if current is not None else None
                if started is not None and now - started > timeout:
                    break
                if started is None and now - launched > timeout + 30:
                    break  # the sandbox never began the first one
                time.sleep(0.05)
        finally:
            process.kill()  # bwrap: the sandbox and everything in it end
            process.wait()
        texts = {}
        for n in range(len(answers)):
            path = logs / f"{n}.jsonl"
            if n in seen or path.exists():
                texts[n] = _read_log(path)
        return texts


def check_data(
    exercise_id: str,
    data: dict,
    *,
    timeout: float = 30.0,
    sandboxed: bool | None = None,
    limits: Any = None,
    recording: str | None = None,
) -> Result:
    """Grade one captured answer (transport data) in isolation; never raises, never hangs.

    ``sandboxed`` (default: whenever a sandbox can be made here) runs a coding answer's
    function in a sandbox of its own (:mod:`.kernel_sandbox`, with ``limits``), unless its
    ``recording`` (from :func:`record_functions`) is given.
    """
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind == "missing":
        return Result(
            exercise_id,
            False,
            "No answer: the answer's name is not defined when its check runs.",
            answered=False,
        )
    if kind == "error":
        return Result(
            exercise_id, False, f"Reading the answer raised {str(data.get('detail'))[:100]}."
        )
    if kind == "function":
        if recording is None:
            if sandboxed is None:
                from .kernel_sandbox import unavailable

                sandboxed = unavailable() is None
            recording = record_functions(
                [(exercise_id, data)], timeout=timeout, sandboxed=sandboxed, limits=limits
            )[0]
        log = recording
        ok, value = run_isolated(
            lambda: _replay(exercise_id, str(data.get("name", "f")), log), timeout=timeout
        )
    else:
        ok, value = run_isolated(lambda: _check_value(exercise_id, data), timeout=timeout)
    if not ok:
        return Result(exercise_id, False, f"The check could not be completed: {value}.")
    exercise, passed, message, answered = value
    return Result(exercise_id, passed, message, answered=answered)


def _main(argv: list[str]) -> int:
    """``record ANSWERS.json FOLDER``: the recording run, inside the sandbox.

    ``ANSWERS.json`` is a list of ``[exercise id, function data]``; the calls of the ``n``-th
    are written to ``FOLDER/n.jsonl`` (created as it begins).
    """
    if len(argv) != 3 or argv[0] != "record":
        print("usage: python -I -m tsccourse.exercises.sandbox record ANSWERS.json FOLDER")
        return 2
    from . import exercises  # noqa: F401  (the checkers register)

    _, batch, folder = argv
    for n, (exercise_id, data) in enumerate(json.loads(Path(batch).read_text(encoding="utf-8"))):
        try:
            _record(str(exercise_id), data, str(Path(folder) / f"{n}.jsonl"))
        except BaseException:  # noqa: BLE001 - the student's code; go on with the next one
            pass
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
