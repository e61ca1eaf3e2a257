"""Run untrusted code (a student's function, a parse of a student's string) with a time limit.

A checker must answer, never hang: a function with an endless loop, or a SymPy parse of
``9**9**9**9``, gets a wrong :class:`~tscmath.exercises.core.Result` saying it did not finish,
not a kernel that spins forever. :class:`time_limit` is a context manager that raises
:class:`TimeLimitExceeded` in the code it guards once ``seconds`` have passed.

How: on the main thread of a POSIX process (a Jupyter kernel, pytest, the grader) a one-shot
real-time timer (``signal.setitimer``) raises from its ``SIGALRM`` handler, which interrupts
pure-Python loops and sleeps; from then on a ``sys.settrace`` hook raises again on every line,
so an ``except:`` that swallows the first raise does not keep the loop alive. Elsewhere (another
thread, Windows, or when ``SIGALRM`` already belongs to someone else, as with pytest-timeout)
the trace hook checks the clock on every line from the start. Neither can stop one long C call
(a single huge ``**`` on ints): inputs that could start one are refused before they run (see
``core.read_number`` and the SymPy exercise's size limits).

:class:`TimeLimitExceeded` derives from ``BaseException`` so that a student's ``except
Exception`` does not swallow it. While the guarded code runs, ``os._exit`` raises
:class:`ExitAttempt` instead of ending the process, so a student's function cannot kill the
kernel that checks it.

Examples
--------
>>> try:
...     with time_limit(0.05):
...         while True:
...             pass
... except TimeLimitExceeded as exc:
...     print(exc)
did not finish within 0.05 s
>>> with time_limit(1.0):
...     print(sum(range(10)))
45
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from types import FrameType, TracebackType
from typing import Any

__all__ = [
    "TimeLimitExceeded",
    "ExitAttempt",
    "time_limit",
    "call_with_time_limit",
    "format_seconds",
]


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


class time_limit:  # noqa: N801  (used as a context manager, like contextlib's)
    """Raise :class:`TimeLimitExceeded` in the guarded block after ``seconds`` (wall clock).

    Parameters
    ----------
    seconds : float
        The limit, > 0.

    Examples
    --------
    >>> with time_limit(0.5):
    ...     print(2 + 2)
    4
    """

    def __init__(self, seconds: float) -> None:
        if not seconds > 0:
            raise ValueError(f"seconds must be > 0; got {seconds!r}")
        self.seconds = seconds
        self.message = f"did not finish within {format_seconds(seconds)}"
        self._deadline = 0.0
        self._expired = False
        self._done = False
        self._uses_signal = False
        self._previous_handler: Any = None
        self._previous_trace: Any = None
        self._real_exit: Any = None

    # -- the trace hook: raises on every line once the deadline has passed ------------------
    def _tracer(self, frame: FrameType, event: str, arg: Any) -> Any:
        if self._done:
            return None
        if self._expired or time.monotonic() > self._deadline:
            self._expired = True
            raise TimeLimitExceeded(self.message)
        return self._tracer

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if self._done:
            return
        self._expired = True
        sys.settrace(self._tracer)
        while frame is not None:
            frame.f_trace = self._tracer
            frame = frame.f_back
        raise TimeLimitExceeded(self.message)

    def _signal_usable(self) -> bool:
        if not hasattr(signal, "setitimer"):
            return False
        if threading.current_thread() is not threading.main_thread():
            return False
        if signal.getitimer(signal.ITIMER_REAL)[0] > 0:
            return False  # someone else's timer is running: do not steal it
        handler = signal.getsignal(signal.SIGALRM)
        return handler in (signal.SIG_DFL, signal.SIG_IGN, None) or (
            getattr(handler, "__self__", None).__class__ is time_limit
        )

    def __enter__(self) -> time_limit:
        self._deadline = time.monotonic() + self.seconds
        self._previous_trace = sys.gettrace()
        self._real_exit = os._exit
        os._exit = _refuse_exit  # type: ignore[assignment]
        self._uses_signal = self._signal_usable()
        if self._uses_signal:
            self._previous_handler = signal.signal(signal.SIGALRM, self._on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        else:
            sys.settrace(self._tracer)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Disarm the timer and the hook, restore ``os._exit`` (idempotent)."""
        self._done = True  # from here on the handler and the hook do nothing
        if self._real_exit is None:
            return
        if self._uses_signal:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous_handler)
        sys.settrace(self._previous_trace)
        os._exit = self._real_exit
        self._real_exit = None


def call_with_time_limit(seconds: float, func: Any, *args: Any) -> Any:
    """``func(*args)`` under :class:`time_limit`, cleaned up even if the alarm hits the exit.

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
    limit = time_limit(seconds)
    try:
        with limit:
            return func(*args)
    finally:
        while True:  # a late alarm may interrupt the clean-up itself: finish it
            try:
                limit.close()
                break
            except TimeLimitExceeded:
                continue
