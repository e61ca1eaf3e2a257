"""Run a checker on a submitted answer in a child process that can be killed: for the grader.

A value answer (rebuilt as plain data by :mod:`tsccourse.exercises.transport`) is checked in a
forked child with a hard time limit: SymPy or a huge number cannot hang the grader.

A coding answer is the student's code, and code can lie: its body could replace the
checker's reference function (``tscmath.ticks_to_ns = ...``) and pass. So it is checked twice:

1. *record*: a child rebuilds the function from its source, and the checker runs it on its
   hidden cases; every call's arguments and result (or exception) are written down as data;
2. *replay*: a fresh child, which never ran student code, runs the checker again with a
   stand-in function that returns the recorded results. Its verdict is the grade.

Anything the student's code did to the first child is gone; what counts is only what the
function returned for each input. A call that was never recorded (the first child was killed)
replays as "did not finish".

Examples
--------
>>> run_isolated(lambda: 6 * 7, timeout=10)
(True, 42)
>>> run_isolated(lambda: [0 for _ in iter(int, 1)], timeout=0.5)[0]
False
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .core import REGISTRY, Result
from .transport import UnsafeData, from_data, rebuild_function, to_data

__all__ = ["run_isolated", "check_data", "RECORD_LIMIT"]

RECORD_LIMIT = 10_000
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
        try:
            target: Any = importlib.import_module(module)
            for part in qualname.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError, ValueError):
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
    """Second child: the checker again, on the recorded results only."""
    from .deadline import TimeLimitExceeded

    calls: dict[str, dict] = {}
    for line in Path(log).read_text(encoding="utf-8").splitlines():
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


def check_data(exercise_id: str, data: dict, *, timeout: float = 30.0) -> Result:
    """Grade one captured answer (transport data) in isolation; never raises, never hangs."""
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
        with tempfile.TemporaryDirectory(prefix="vt-grade-") as folder:
            log = str(Path(folder) / "calls.jsonl")
            Path(log).touch()
            run_isolated(lambda: _record(exercise_id, data, log), timeout=timeout)
            ok, value = run_isolated(
                lambda: _replay(exercise_id, str(data.get("name", "f")), log), timeout=timeout
            )
    else:
        ok, value = run_isolated(lambda: _check_value(exercise_id, data), timeout=timeout)
    if not ok:
        return Result(exercise_id, False, f"The check could not be completed: {value}.")
    exercise, passed, message, answered = value
    return Result(exercise_id, passed, message, answered=answered)
