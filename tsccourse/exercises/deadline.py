"""Run untrusted code (a student's function, a parse of a student's string) with a time limit.

A checker must answer, never hang: a function with an endless loop, or a SymPy parse of
``9**9**9**9``, gets a wrong :class:`~tsccourse.exercises.core.Result` saying it did not finish,
not a kernel that spins forever. :func:`call_with_time_limit` calls a function and raises
:class:`TimeLimitExceeded` inside it once ``seconds`` have passed.

How: on the main thread of a POSIX process (a Jupyter kernel, pytest, the grader) a real-time
interval timer (``signal.setitimer``) raises from its ``SIGALRM`` handler, which interrupts
pure-Python loops and sleeps, and raises again every 20 ms until the call has ended, so an
``except:`` that swallows one raise does not keep a loop alive. On another thread (or where
``SIGALRM`` already belongs to someone else, as with pytest-timeout) a watchdog thread injects
the same exception into the running thread (``PyThreadState_SetAsyncExc``), again every 20 ms;
that cannot cut a ``time.sleep`` short. Neither can stop one long C call (a single huge ``**``
on ints): inputs that could start one are refused before they run (see ``core.read_number``
and the SymPy exercise's size limits). Nor can any in-process limit stop a loop that catches
*every* exception, ``BaseException`` included, around its body, and goes on: each raise is
caught again. That needs a process boundary: the grader runs each notebook in its own kernel
with a timeout.

:class:`TimeLimitExceeded` derives from ``BaseException`` so that a student's ``except
Exception`` does not swallow it. While the call runs, ``os._exit`` raises :class:`ExitAttempt`
instead of ending the process, so a student's function cannot kill the kernel that checks it.

Examples
--------
>>> def spin():
...     while True:
...         pass
>>> try:
...     call_with_time_limit(0.05, spin)
... except TimeLimitExceeded as exc:
...     print(exc)
did not finish within 0.05 s
>>> call_with_time_limit(1.0, sum, [1, 2, 3])
6
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
from types import FrameType
from typing import Any

__all__ = [
    "TimeLimitExceeded",
    "ExitAttempt",
    "call_with_time_limit",
    "format_seconds",
]

REPEAT_S = 0.02
"""After the deadline, the exception is raised again this often until the call has ended."""


class TimeLimitExceeded(BaseException):
    """The guarded code ran past its time limit."""


class ExitAttempt(BaseException):
    """The guarded code called ``os._exit``; the process was kept alive."""


def format_seconds(seconds: float) -> str:
    """``2.0`` -> ``"2 s"``, ``0.25`` -> ``"0.25 s"``.

    Examples
    --------
    >>> format_seconds(2.0), format_seconds(0.25)
    ('2 s', '0.25 s')
    """
    return f"{seconds:g} s"


def _refuse_exit(status: int = 0) -> None:
    raise ExitAttempt(f"os._exit({status}) was called")


class _Limit:
    """One guarded call: armed on creation, disarmed by :meth:`close` (idempotent)."""

    def __init__(self, seconds: float) -> None:
        self.message = f"did not finish within {format_seconds(seconds)}"
        self.done = False
        self.lock = threading.Lock()


# -- main thread: SIGALRM ----------------------------------------------------------------------
_signal_limit: _Limit | None = None


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    limit = _signal_limit
    if limit is not None and not limit.done:
        raise TimeLimitExceeded(limit.message)


def _signal_usable() -> bool:
    if not hasattr(signal, "setitimer"):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    if _signal_limit is not None or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        return False  # nested, or someone else's timer is running: do not steal it
    handler = signal.getsignal(signal.SIGALRM)
    return handler in (signal.SIG_DFL, signal.SIG_IGN, None, _on_alarm)


def _arm_signal(limit: _Limit, seconds: float) -> None:
    global _signal_limit
    # The handler stays installed afterwards: it does nothing when no call is guarded, so a
    # late alarm can never hit unrelated code (nor kill the process, SIGALRM's default).
    signal.signal(signal.SIGALRM, _on_alarm)
    _signal_limit = limit
    signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT_S)


def _disarm_signal(limit: _Limit) -> None:
    global _signal_limit
    limit.done = True
    signal.setitimer(signal.ITIMER_REAL, 0)
    if _signal_limit is limit:
        _signal_limit = None


# -- other threads: a watchdog injects the exception ------------------------------------------
def _inject(thread_id: int, exception: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None
    )


def _arm_watchdog(limit: _Limit, seconds: float) -> None:
    thread_id = threading.get_ident()
    wake = threading.Event()
    limit.wake = wake  # type: ignore[attr-defined]

    def watch() -> None:
        if wake.wait(seconds):
            return
        while True:
            with limit.lock:
                if limit.done:
                    return
                _inject(thread_id, TimeLimitExceeded)
            if wake.wait(REPEAT_S):
                return

    threading.Thread(target=watch, name="time-limit watchdog", daemon=True).start()


def _disarm_watchdog(limit: _Limit) -> None:
    with limit.lock:
        limit.done = True
        _inject(threading.get_ident(), None)  # drop an exception injected but not yet raised
    limit.wake.set()  # type: ignore[attr-defined]


def call_with_time_limit(seconds: float, func: Any, *args: Any) -> Any:
    """``func(*args)``, stopped with :class:`TimeLimitExceeded` after ``seconds`` (wall clock).

    Parameters
    ----------
    seconds : float
        The limit, > 0.
    func : callable
        What to run; ``args`` are passed to it.

    Raises
    ------
    TimeLimitExceeded
        When ``func`` has not returned after ``seconds``.
    ExitAttempt
        When ``func`` called ``os._exit``.

    Examples
    --------
    >>> call_with_time_limit(1.0, pow, 2, 10)
    1024
    """
    if not seconds > 0:
        raise ValueError(f"seconds must be > 0; got {seconds!r}")
    limit = _Limit(seconds)
    uses_signal = _signal_usable()
    real_exit = os._exit
    os._exit = _refuse_exit  # type: ignore[assignment]
    try:
        if uses_signal:
            _arm_signal(limit, seconds)
        else:
            _arm_watchdog(limit, seconds)
        return func(*args)
    finally:
        while True:  # a late raise may interrupt the clean-up itself: finish it
            try:
                if uses_signal:
                    _disarm_signal(limit)
                else:
                    _disarm_watchdog(limit)
                os._exit = real_exit
                break
            except TimeLimitExceeded:
                continue
