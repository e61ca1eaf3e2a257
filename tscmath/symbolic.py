"""Symbolic derivations (SymPy) of the formulas behind TSC scaling, offsets and migration.

Each function returns a :class:`Derivation` (steps of an expression and a sentence of why,
named results to substitute exactly or lambdify for plots) that a notebook renders as
Markdown. Chapters: :func:`ticks_to_ns` (02), :func:`offset_anchor` (03, 06),
:func:`scaled_frequency` (04, 05), :func:`migration_error` (06). ``tests/package/test_symbolic.py``
checks every result against the exact integer code. ``import tscmath`` does not import SymPy.

Examples
--------
>>> d = scaled_frequency()
>>> d.subs("drift", f_g=2_994_374_000, f_h=3_000_000_000, F=32)
121625/262144
>>> round(d.lambdify()(f_g=2_994_374_000, f_h=3_000_000_000, F=32), 2)  # us per day
13.39
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import sympy as sp

# simplify() (used by the builds and the LaTeX printer) imports sympy.physics.units on first use,
# about 0.6 s: pay it at import so the first derivation a notebook builds is fast too.
import sympy.physics.units  # noqa: F401

from .conversions import SECONDS_PER_DAY
from .errors import InvalidInput

__all__ = ["scaled_frequency", "offset_anchor", "migration_error", "ticks_to_ns"]

TWO64 = sp.Integer(2) ** 64


# Symbols, with the LaTeX they are displayed as. Python names are valid identifiers, so they are
# the keyword arguments of Derivation.subs and of the functions Derivation.lambdify returns.
def _sym(name: str, latex: str, **assumptions: bool) -> sp.Symbol:
    symbol = sp.Symbol(name, **assumptions)
    _LATEX_NAMES[symbol] = latex
    return symbol


_LATEX_NAMES: dict[sp.Symbol, str] = {}

f_g = _sym("f_g", r"f_{g}", positive=True)
f_h = _sym("f_h", r"f_{h}", positive=True)
f_eff = _sym("f_eff", r"f_{\mathrm{eff}}", positive=True)
F = _sym("F", "F", integer=True, positive=True)
M = _sym("M", "M", integer=True, positive=True)
t = _sym("t", "t", nonnegative=True)
T = _sym("T", "T", positive=True)
c = _sym("c", "c", real=True)
O = _sym("O", "O", integer=True)  # noqa: E741 (the offset, as in chapter 03)
theta = _sym("theta", r"\theta", nonnegative=True)
phi = _sym("phi", r"\varphi", nonnegative=True)
h = _sym("h", "h", nonnegative=True)
h0 = _sym("h0", "h_{0}", integer=True, nonnegative=True)
g0 = _sym("g0", "g_{0}", integer=True, nonnegative=True)
G_x = _sym("G_x", r"G_{\mathrm{x}}", integer=True, nonnegative=True)
Delta = _sym("Delta", r"\Delta_{\mathrm{wall}}", real=True)
Delta_ns = _sym("Delta_ns", r"\Delta_{\mathrm{ns}}", integer=True, nonnegative=True)
beta = _sym("beta", r"\beta", nonnegative=True)
eps = _sym("eps", r"\varepsilon", real=True)
f_old = _sym("f_h_old", r"f_{h,\mathrm{old}}", positive=True)
f_new = _sym("f_h_new", r"f_{h,\mathrm{new}}", positive=True)
H_old = _sym("H_old", r"H_{\mathrm{old}}", integer=True, nonnegative=True)
H_new = _sym("H_new", r"H_{\mathrm{new}}", integer=True, nonnegative=True)
hz = _sym("hz", "f", positive=True)
mult = _sym("mult", r"\mathit{mult}", integer=True, positive=True)
shift = _sym("shift", r"\mathit{shift}", integer=True, nonnegative=True)
delta = _sym("delta", r"\delta", integer=True, nonnegative=True)
max_seconds = _sym("max_seconds", r"S_{\max}", integer=True, nonnegative=True)
sftacc = _sym("sftacc", r"\mathit{sftacc}", integer=True)

# Names of quantities that only appear on the left of a displayed equation.
_g = sp.Function("g")
_E = sp.Function("E")


class bitlen(sp.Function):  # noqa: N801 (displayed name)
    """Number of bits of a non-negative integer (Python's ``int.bit_length``)."""

    @classmethod
    def eval(cls, x: sp.Basic) -> sp.Integer | None:
        if x.is_Integer and x >= 0:
            return sp.Integer(int(x).bit_length())
        return None


_bitlen = bitlen
_ns = _sym("ns", r"\mathit{ns}", nonnegative=True)
_ns_linux = _sym("ns_linux", r"\mathit{ns}_{\mathrm{linux}}", nonnegative=True)
_rate_err = _sym("r", "r", real=True)
_err = _sym("err", r"\mathit{err}", real=True)
_horizon = _sym("horizon", r"t_{\mathrm{overflow}}", positive=True)
_delta_max = _sym("delta_max", r"\delta_{\max}", integer=True, positive=True)
_G_star = _sym("G_star", r"G^{*}(t)", real=True)
_E_day = _sym("E_day", r"E_{\mathrm{day}}", real=True)
_M_old = _sym("M_old", r"M_{\mathrm{old}}", integer=True, positive=True)
_M_new = _sym("M_new", r"M_{\mathrm{new}}", integer=True, positive=True)


# Constants SymPy prints in full, shown as the powers they are.
_NUMBERS = {
    str(2**64 - 1): r"\left(2^{64} - 1\right)",
    str(2**64): "2^{64}",
    str(2**32): "2^{32}",
    str(SECONDS_PER_DAY * 10**6): r"86400 \cdot 10^{6}",
    str(10**9): "10^{9}",
}
_NUMBER_RE = re.compile(r"(?<![0-9])(" + "|".join(_NUMBERS) + r")(?![0-9])")


def _latex(expr: Any) -> str:
    text = sp.latex(expr, symbol_names=_LATEX_NAMES)
    return _NUMBER_RE.sub(lambda m: _NUMBERS[m.group(1)], text)


def _as_sympy(name: str, value: Any) -> sp.Basic:
    if isinstance(value, bool):
        raise InvalidInput(
            f"{name} must be a number (int, Fraction, float or SymPy); got {value!r}"
        )
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    try:
        return sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError) as err:
        raise InvalidInput(
            f"{name} must be a number (int, Fraction, float or SymPy); got {value!r}"
        ) from err


def _escape_text(text: str) -> str:
    """Escape a sentence for LaTeX ``\\text{...}``."""
    for char in "\\{}":
        text = text.replace(char, "\\" + char)
    for char in "%&#_$^":
        text = text.replace(char, "\\" + char)
    return text


def _text_with_math(sentence: str) -> str:
    """A sentence with ``$...$`` inline math as LaTeX: text parts in ``\\text{}``, math as is."""
    parts = sentence.split("$")
    return " ".join(
        part if odd else rf"\text{{{_escape_text(part)}}}"
        for odd, part in ((i % 2 == 1, p) for i, p in enumerate(parts))
        if part
    )


_LAMBDIFY_MODULES = ("math", "numpy", "mpmath", "sympy")


@dataclass(frozen=True)
class Step:
    """One step of a derivation: a SymPy expression/equation and one sentence of why.

    The sentence is Markdown and may hold inline math between single ``$``.

    Examples
    --------
    >>> s = Step(sp.Eq(M, sp.floor(2**F * f_g / f_h)), "The hardware truncates.")
    >>> s.latex()
    'M = \\\\left\\\\lfloor{\\\\frac{2^{F} f_{g}}{f_{h}}}\\\\right\\\\rfloor'
    >>> print(s._repr_markdown_())  # how a notebook shows one step
    The hardware truncates.
    <BLANKLINE>
    $$
    M = \\left\\lfloor{\\frac{2^{F} f_{g}}{f_{h}}}\\right\\rfloor
    $$
    <BLANKLINE>
    """

    expr: sp.Basic
    why: str

    def latex(self) -> str:
        """The expression as LaTeX (without ``$`` delimiters)."""
        return _latex(self.expr)

    def _repr_markdown_(self) -> str:
        """One step alone in a notebook: the sentence, then the displayed equation."""
        return f"{self.why}\n\n$$\n{self.latex()}\n$$\n"


@dataclass(frozen=True)
class Derivation:
    """A titled sequence of steps with named, substitutable results.

    Attributes
    ----------
    title : str
        One line naming what is derived.
    steps : tuple of Step
        The steps, in order; the notebook renders them as sentence + displayed equation.
    results : Mapping[str, sympy.Expr]
        Named results (read-only). The first is the main one, :attr:`result`.
    symbols : Mapping[str, sympy.Symbol]
        Every free symbol of the results, by the keyword name :meth:`subs` and
        :meth:`lambdify` use (read-only).
    """

    title: str
    steps: tuple[Step, ...]
    results: Mapping[str, sp.Expr]
    symbols: Mapping[str, sp.Symbol] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # built by this module only (not public): the fields are trusted
        results = MappingProxyType(dict(self.results))
        free: dict[str, sp.Symbol] = {}
        for expr in results.values():
            for symbol in sorted(expr.free_symbols, key=lambda s: s.name):
                free[symbol.name] = symbol
        object.__setattr__(self, "results", results)
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "symbols", MappingProxyType(dict(sorted(free.items()))))

    # -- results --------------------------------------------------------------------------
    @property
    def result_names(self) -> tuple[str, ...]:
        """Names of the results, main one first."""
        return tuple(self.results)

    @property
    def result(self) -> sp.Expr:
        """The main (first) result."""
        return next(iter(self.results.values()))

    def _pick(self, which: str | None) -> sp.Expr:
        if which is None:
            return self.result
        if not isinstance(which, str) or which not in self.results:
            raise InvalidInput(
                f"which must be one of {list(self.results)} for {self.title!r}; got {which!r}"
            )
        return self.results[which]

    def subs(self, which: str | None = None, /, **values: Any) -> sp.Expr:
        """Substitute numbers into a result (the main one unless ``which`` names another).

        Integers and Fractions give exact SymPy Integers/Rationals (convert with ``int()``,
        ``float()`` or ``sympy.Rational``); symbols not given stay symbolic.

        Examples
        --------
        >>> d = offset_anchor()
        >>> d.subs("boot", h0=1000, M=2**32, F=32)
        18446744073709550616
        """
        expr = self._pick(which)
        mapping = {}
        for name, value in values.items():
            if name not in self.symbols:
                raise InvalidInput(
                    f"{name} is not a symbol of {self.title!r}; valid names: {list(self.symbols)}"
                )
            mapping[self.symbols[name]] = _as_sympy(name, value)
        return expr.xreplace(mapping)

    def lambdify(self, which: str | None = None, modules: Any = "math") -> Callable[..., Any]:
        """A numeric function of keyword arguments (the result's symbol names), for plots.

        With ``modules="math"`` (default) it evaluates in Python floats (ints where the
        expression keeps them); ``modules="numpy"`` accepts arrays. Floats are approximate:
        use :meth:`subs` for exact values.

        Examples
        --------
        >>> fn = ticks_to_ns().lambdify("horizon_s_approx")
        >>> round(fn(shift=24))
        1100
        """
        expr = self._pick(which)
        if not isinstance(modules, str) or modules not in _LAMBDIFY_MODULES:
            raise InvalidInput(f"modules must be one of {list(_LAMBDIFY_MODULES)}; got {modules!r}")
        args = sorted(expr.free_symbols, key=lambda s: s.name)
        names = [s.name for s in args]
        compiled = sp.lambdify(args, expr, modules=modules)

        def evaluate(**values: Any) -> Any:
            missing = [n for n in names if n not in values]
            extra = [n for n in values if n not in names]
            if missing or extra:
                raise InvalidInput(
                    f"arguments must be exactly {names}; missing {missing}, unexpected {extra}"
                )
            return compiled(*(values[n] for n in names))

        evaluate.__name__ = which or self.result_names[0]
        evaluate.__doc__ = f"{self.title}: {evaluate.__name__}({', '.join(names)})"
        return evaluate

    # -- rendering ------------------------------------------------------------------------
    def _repr_markdown_(self) -> str:
        parts = [f"**{self.title}**", ""]
        for number, step in enumerate(self.steps, 1):
            parts += [f"({number}) {step.why}", ""]
            parts += ["$$", step.latex(), "$$", ""]
        return "\n".join(parts)

    def _repr_latex_(self) -> str:
        lines = [rf"\text{{{_escape_text(self.title)}}}"]
        for number, step in enumerate(self.steps, 1):
            lines.append(_text_with_math(f"({number}) {step.why}"))
            lines.append(r"\quad " + step.latex())
        return "$$\n\\begin{array}{l}\n" + " \\\\\n".join(lines) + "\n\\end{array}\n$$"

    def __repr__(self) -> str:
        return f"<Derivation {self.title!r}: {len(self.steps)} steps, results {list(self.results)}>"


# --- 1. Scaled frequency
def scaled_frequency() -> Derivation:
    """What frequency a scaled guest sees, how slow truncation makes it, and its clock error.

    Results (main first): ``error_per_day_us`` (how many µs a day the guest clock falls
    behind), ``f_eff`` (Hz), ``M``, ``drift`` (ticks/s lost, ``f_g - f_eff``), ``drift_bound``
    (``f_h / 2**F``), ``error`` (seconds behind after ``T`` seconds),
    ``error_per_day_us_bound``. Symbols: ``f_g``, ``f_h``, ``F``, ``T``.

    Examples
    --------
    >>> d = scaled_frequency()
    >>> d.subs("M", f_g=2_000, f_h=3_000, F=32) == 0xAAAA_AAAA
    True
    """
    scaled = h * M / 2**F
    g_smooth = (f_h * t + c) * M / 2**F + O - theta
    rate = sp.diff(g_smooth, t)  # f_h*M/2**F: theta in [0, 1) never accumulates
    m_exact = sp.floor(2**F * f_g / f_h)
    lag = sp.expand(f_g - rate.subs(M, 2**F * f_g / f_h - phi))  # phi*f_h/2**F
    drift = sp.Mod(2**F * f_g, f_h) / 2**F
    drift_bound = f_h / 2**F
    error = T * drift / f_g
    per_day = sp.Integer(SECONDS_PER_DAY * 10**6) * drift / f_g
    per_day_bound = sp.Integer(SECONDS_PER_DAY * 10**6) * drift_bound / f_g
    steps = (
        Step(
            sp.Eq(_g(h), sp.floor(scaled) + O),
            "The hardware scales the host TSC $h$ by the fixed-point multiplier $M$ with $F$ "
            "fraction bits, truncates, then adds the offset $O$.",
        ),
        Step(
            sp.Eq(_g(t), sp.floor((f_h * t + c) * M / 2**F) + O),
            "The host TSC counts at $f_h$ Hz, $h = f_h t + c$: the guest TSC at time $t$ is",
        ),
        Step(
            sp.Eq(_g(t), g_smooth),
            "Write the floor as its argument minus $\\theta$ with $0 \\le \\theta < 1$: the "
            "truncation costs less than one tick per read and never accumulates.",
        ),
        Step(
            sp.Eq(f_eff, sp.Derivative(g_smooth + theta, t)),
            "So the frequency the guest sees is the slope of the guest TSC in time.",
        ),
        Step(sp.Eq(f_eff, rate), "Differentiating gives the effective guest frequency."),
        Step(
            sp.Eq(M, m_exact),
            "The hypervisor asks for guest frequency $f_g$; bhyve, KVM and tsc-simulator choose "
            "$M$ by truncating $2^F f_g / f_h$.",
        ),
        Step(
            sp.Eq(f_g - f_eff, lag),
            "With $M = 2^F f_g / f_h - \\varphi$, where $0 \\le \\varphi < 1$ is the truncated "
            "fraction, the guest runs slow by this many ticks per second.",
        ),
        Step(
            sp.Contains(f_g - f_eff, sp.Interval.Ropen(0, drift_bound)),
            "Since $0 \\le \\varphi < 1$, truncation can only make the guest slow, by less than "
            "$f_h / 2^F$ ticks per second.",
        ),
        Step(
            sp.Eq(f_g - f_eff, drift),
            "Exactly, because $a - b \\lfloor a/b \\rfloor = a \\bmod b$: the loss is the "
            "remainder of $2^F f_g$ divided by $f_h$, over $2^F$.",
        ),
        Step(
            sp.Eq(_E(T), error),
            "The guest OS divides its TSC by $f_g$, so after $T$ seconds its clock is behind by "
            "the lost ticks over $f_g$, in seconds.",
        ),
        Step(
            sp.Eq(_E_day, per_day),
            "Per day (86,400 s), in microseconds.",
        ),
        Step(
            sp.Lt(_E_day, per_day_bound),
            "And the bound per day, from $f_g - f_{\\mathrm{eff}} < f_h / 2^F$.",
        ),
    )
    results = {
        "error_per_day_us": per_day,
        "f_eff": f_h * m_exact / 2**F,
        "M": m_exact,
        "drift": drift,
        "drift_bound": drift_bound,
        "error": error,
        "error_per_day_us_bound": per_day_bound,
    }
    return Derivation("Scaled frequency: what the guest sees and how slow it runs", steps, results)


# --- 2. Offset
def offset_anchor() -> Derivation:
    """The offset that anchors guest TSC ``g0`` to host TSC ``h0``: general, boot, migration.

    Results (main first): ``offset`` (``(g0 - floor(h0 M / 2**F)) mod 2**64``), ``boot``
    (``g0 = 0``), ``migration`` (``g0 = G_x + floor(f_g Delta_ns / 10**9)``: the guest TSC at
    export plus the wall-clock time between export and import, in guest ticks), ``continuity``
    (the guest TSC at host TSC ``h`` after anchoring, mod ``2**64``).
    Symbols: ``g0``, ``h0``, ``M``, ``F``, ``G_x``, ``f_g``, ``Delta_ns``, ``h``.

    Examples
    --------
    >>> offset_anchor().subs(g0=0, h0=10, M=2**48, F=48) == 2**64 - 10
    True
    """
    scaled0 = sp.floor(h0 * M / 2**F)
    continuity_eq = sp.Eq(g0, scaled0 + O)
    solved = sp.solve(continuity_eq, O)[0]  # g0 - floor(h0*M/2**F)
    offset = sp.Mod(solved, TWO64)
    boot = sp.Mod(-scaled0, TWO64, evaluate=False)
    g0_ideal = G_x + f_g * Delta
    g0_int = G_x + sp.floor(f_g * Delta_ns / 10**9)
    migration = offset.subs(g0, g0_int)
    after = sp.Mod(sp.floor(h * M / 2**F) + solved, TWO64)
    steps = (
        Step(
            sp.Eq(g0, sp.Mod(scaled0 + O, TWO64)),
            "Continuity at an anchor: when the host TSC reads $h_0$ the guest must read $g_0$; "
            "the registers are 64-bit, so everything is modulo $2^{64}$.",
        ),
        Step(
            sp.Eq(O, offset),
            "Solve for the offset (linear in $O$); it is stored as a u64, so a negative value "
            "wraps to two's complement.",
        ),
        Step(
            sp.Eq(O, boot),
            "At guest boot the guest TSC starts at 0: the offset is minus the scaled host TSC.",
        ),
        Step(
            sp.Eq(g0, g0_ideal),
            "After a migration the guest must read its TSC at export plus the ticks of the "
            "wall-clock time between export and import.",
        ),
        Step(
            sp.Eq(g0, g0_int),
            "propolis computes those ticks exactly from nanoseconds, truncating: at most one "
            "tick short.",
        ),
        Step(sp.Eq(O, migration), "So the destination programs this offset."),
        Step(
            sp.Eq(_g(h), after),
            "Check: at any later host TSC $h$ the guest reads $g_0$ plus the scaled host ticks "
            "since the anchor (up to one tick of truncation).",
        ),
    )
    results = {"offset": offset, "boot": boot, "migration": migration, "continuity": after}
    return Derivation("Offset: anchoring the guest TSC to the host TSC", steps, results)


# --- 3. Migration error
def migration_error() -> Derivation:
    """The guest clock's error ``t`` seconds after a live migration, for four strategies.

    Model: the guest exports TSC ``G_x`` at source host TSC ``H_old``; the true blackout is
    ``beta`` seconds; the destination's wall clock is ``eps`` seconds ahead of the source's
    (skew, either sign), so the measured wall delta is ``beta + eps``; the guest resumes at
    destination host TSC ``H_new``. Hosts run at ``f_h_old`` and ``f_h_new`` Hz; the guest
    asks for ``f_g``. Error = (guest TSC - ideal guest TSC) / ``f_g``, in seconds (positive:
    guest ahead). Per-read truncation (below one tick) is left out of the model.

    Results (main first): ``full`` (the propolis/bhyve protocol: multiplier recomputed,
    offset from the clamped wall delta), ``ignore_blackout`` (guest resumes at ``G_x``),
    ``offset_only`` (offset as in the protocol, old multiplier kept), ``naive`` (old
    multiplier and old offset kept), and ``*_approx`` versions with the multiplier
    truncation neglected (``M = 2**F f_g / f_h``).

    Examples
    --------
    >>> d = migration_error()
    >>> d.subs("ignore_blackout_approx", beta=2, t=100)
    -2
    >>> d.subs("offset_only_approx", eps=0, beta=1, f_h_old=3, f_h_new=2, t=30)
    -10
    """
    m_old = sp.floor(2**F * f_g / f_old)
    m_new = sp.floor(2**F * f_g / f_new)
    ideal = G_x + f_g * (beta + t)
    wall = sp.Max(0, beta + eps)
    guest = {
        "full": G_x + f_g * wall + f_new * _M_new * t / 2**F,
        "ignore_blackout": G_x + f_new * _M_new * t / 2**F,
        "offset_only": G_x + f_g * wall + f_new * _M_old * t / 2**F,
        "naive": G_x + (H_new + f_new * t - H_old) * _M_old / 2**F,
    }
    derived = {k: sp.expand((v - ideal) / f_g) for k, v in guest.items()}
    # The same errors, grouped for reading: a jump at resume plus a drift rate times t.
    clamped = sp.Max(0, beta + eps) - beta
    rate_new = (f_new * _M_new / 2**F - f_g) / f_g
    rate_old = (f_new * _M_old / 2**F - f_g) / f_g
    errors = {
        "full": clamped + rate_new * t,
        "ignore_blackout": -beta + rate_new * t,
        "offset_only": clamped + rate_old * t,
        "naive": (H_new - H_old) * _M_old / (2**F * f_g) - beta + rate_old * t,
    }
    for k, e in errors.items():  # the grouping is only a rewriting of the derived error
        assert sp.expand(e - derived[k]) == 0, k
    ideal_m = {_M_old: 2**F * f_g / f_old, _M_new: 2**F * f_g / f_new}
    approx = {
        "full": clamped,
        "ignore_blackout": -beta,
        "offset_only": clamped + (f_new / f_old - 1) * t,
        "naive": (H_new - H_old) / f_old - beta + (f_new / f_old - 1) * t,
    }
    for k, e in approx.items():
        assert sp.simplify(derived[k].subs(ideal_m) - e) == 0, k
    exact = {k: e.subs({_M_old: m_old, _M_new: m_new}) for k, e in errors.items()}
    why = {
        "full": "Full protocol: offset from the measured wall delta (clamped at 0), multiplier "
        "recomputed for the new host. The error is the wall-clock skew, minus the truncation "
        "drift.",
        "ignore_blackout": "Ignore the blackout: the guest resumes at the TSC it exported, so "
        "it loses exactly the blackout.",
        "offset_only": "Offset only: the offset is right but the old multiplier is kept, so "
        "the guest drifts at $f_{h,\\mathrm{new}} / f_{h,\\mathrm{old}} - 1$.",
        "naive": "Naive: old multiplier and old offset kept; the guest jumps by the difference "
        "of the hosts' TSCs (in source seconds) minus the blackout, then drifts.",
    }
    steps: list[Step] = [
        Step(
            sp.Eq(_G_star, ideal),
            "Ideal: $t$ seconds after the guest resumes, its TSC should have advanced by $f_g$ "
            "ticks per second of the blackout $\\beta$ and of $t$.",
        ),
        Step(
            sp.Eq(_E(t), (_g(t) - _G_star) / f_g),
            "The guest's time error in seconds (positive: ahead); the measured wall delta is "
            "$\\beta + \\varepsilon$, $\\varepsilon$ being the skew of the destination's wall "
            "clock.",
        ),
        Step(
            sp.Eq(_M_new, m_new),
            "The multiplier for the new host ($M_{\\mathrm{old}}$ likewise with "
            "$f_{h,\\mathrm{old}}$).",
        ),
    ]
    for name in guest:
        steps.append(Step(sp.Eq(_E(t), errors[name]), why[name]))
        steps.append(
            Step(
                sp.Eq(_E(t), approx[name]),
                "Neglecting multiplier truncation ($M = 2^F f_g / f_h$):",
            )
        )
    results: dict[str, sp.Expr] = dict(exact)
    results.update({f"{k}_approx": v for k, v in approx.items()})
    return Derivation("Migration error: guest clock error after a live migration", steps, results)


# --- 4. Ticks <-> ns with mult/shift
def ticks_to_ns() -> Derivation:
    """Converting ticks to ns as ``(delta * mult) >> shift``: choice, error and overflow horizon.

    Results (main first): ``error`` (ns, exact: ``floor(delta mult / 2**shift) - delta 10**9 /
    hz``), ``mult`` (Linux ``clocks_calc_mult_shift``, rounded to nearest, for a given
    ``shift``), ``ns``, ``rate_error`` (ns per tick), ``error_bound`` (``|error| <=
    delta / 2**(shift+1) + 1``), ``horizon_s`` (seconds until ``delta * mult`` overflows 64
    bits), ``horizon_s_approx`` (``2**(64 - shift) / 10**9``), ``sftacc``.
    Symbols: ``delta``, ``mult``, ``shift``, ``hz``, ``max_seconds``.

    Examples
    --------
    >>> d = ticks_to_ns()
    >>> d.subs("mult", shift=24, hz=3_000_000_000)
    5592405
    >>> d.subs(delta=3_000_000_000, mult=5592405, shift=24, hz=3_000_000_000)
    -60
    """
    exact_ns = delta * sp.Integer(10**9) / hz
    linux_ns = sp.floor(delta * mult / 2**shift)
    mult_expr = sp.floor((sp.Integer(10**9) * 2**shift + sp.floor(hz / 2)) / hz)
    rate_error = mult / 2**shift - sp.Integer(10**9) / hz
    error = linux_ns - exact_ns
    bound = delta / 2 ** (shift + 1) + 1
    delta_max = sp.floor((TWO64 - 1) / mult)
    horizon = delta_max / hz
    horizon_approx = 2 ** (64 - shift) / sp.Integer(10**9)
    sftacc_expr = 32 - _bitlen(sp.floor(max_seconds * hz / 2**32))
    steps = (
        Step(sp.Eq(_ns, exact_ns), "Exact: $\\delta$ ticks at $f$ Hz last $10^9 \\delta / f$ ns."),
        Step(
            sp.Eq(_ns_linux, linux_ns),
            "Linux (clocksource, kvmclock with shift 32) avoids the division: multiply by "
            "mult, shift right.",
        ),
        Step(
            sp.Eq(mult, mult_expr),
            "Linux clocks_calc_mult_shift rounds $10^9 \\cdot 2^{shift} / f$ to the nearest "
            "integer.",
        ),
        Step(
            sp.Eq(sftacc, sftacc_expr),
            "It keeps sftacc bits of headroom so that $\\delta \\cdot mult$ fits 64 bits up to "
            "$S_{\\max}$ seconds, and takes the largest $shift \\le 32$ with "
            "$mult < 2^{sftacc}$.",
        ),
        Step(
            sp.Eq(_rate_err, rate_error),
            "Each tick is converted with this error in ns; rounding keeps "
            "$|mult - 10^9 \\cdot 2^{shift} / f| \\le 1/2$, so $|r| \\le 2^{-(shift+1)}$.",
        ),
        Step(
            sp.Eq(_err, error),
            "The conversion error of a delta: the rate error times delta, minus the final "
            "truncation (less than 1 ns).",
        ),
        Step(
            sp.Contains(_err, sp.Interval.Lopen(-bound, bound - 1)),
            "Hence the bound: the error grows linearly with $\\delta$, at most "
            "$\\delta / 2^{shift+1}$ ns, plus one.",
        ),
        Step(
            sp.Eq(_delta_max, delta_max),
            "The 64-bit product $\\delta \\cdot mult$ overflows beyond this many ticks.",
        ),
        Step(
            sp.Eq(_horizon, horizon),
            "In seconds; since $mult \\approx 10^9 \\cdot 2^{shift} / f$, this is about "
            "$2^{64-shift} / 10^9$ s, and at least $S_{\\max}$ by the choice of sftacc.",
        ),
        Step(sp.Eq(_horizon, horizon_approx), "Approximately, independent of $f$:"),
    )
    results = {
        "error": error,
        "mult": mult_expr,
        "ns": linux_ns,
        "rate_error": rate_error,
        "error_bound": bound,
        "horizon_s": horizon,
        "horizon_s_approx": horizon_approx,
        "sftacc": sftacc_expr,
    }
    return Derivation("Ticks to nanoseconds with mult and shift", steps, results)
