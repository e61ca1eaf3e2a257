"""The TSC calculator: what Oxide's tsc-simulator ``calc`` prints, computed by ``tscmath``.

tsc-simulator (github.com/oxidecomputer/tsc-simulator, ``src/main.rs`` at commit 1c0cd55:
``cmd_freq_multiplier``, ``cmd_offset``, ``cmd_guest_tsc``) prints, for a guest and a host
frequency, the **frequency multiplier** as ``Frequency multiplier: <M> (<M hex>)``, and for
a host TSC and the guest TSC wanted then, the **TSC offset** as ``TSC offset: <offset>
(<hex>)`` where the offset is a signed 64-bit number (``src/math.rs`` ``calc_tsc_offset``
returns an ``i64``; Rust's ``{:#x}`` of a negative ``i64`` prints its two's-complement
bits). This calculator prints the same two lines, computed by :func:`tscmath.multiplier`
and :func:`tscmath.offset_for`, and adds what the tool leaves to the reader: the ratio
``M / 2**F`` exactly, the offset as the u64 the hardware holds, the frequency the guest
really gets (:func:`tscmath.effective_hz`) and its drift per day
(:func:`tscmath.drift_ticks_per_second`). Bad input gets the library's named error.

It runs in JupyterLab (:class:`Calculator`, ipywidgets) and, live, on the static site
(:func:`calculator_page_html` and :func:`calculate_json`, in Pyodide). Standard library
only; the widget lives with the playground's in :mod:`tsccourse.playground.app`.

Examples
--------
>>> print(calc_text(calculate({"guest_hz": "2000000000", "host_hz": "3000000000",
...                            "fmt": "amd", "host_tsc": "9000000000", "guest_tsc": "0"})))
Frequency multiplier: 2863311530 (0xaaaaaaaa)
M / 2^32 = 0.666666666511… (asked 2/3, AMD SVM 8.32)
TSC offset: -5999999998 (0xfffffffe9a5f4402)
offset as the u64 the hardware holds: 18446744067709551618
effective guest frequency: 1999999999.534... Hz (asked 2000000000 Hz)
drift: 0.465... ticks/s slow = 20.11... µs per day
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from tscmath.conversions import SECONDS_PER_DAY
from tscmath.errors import InvalidInput, TscMathError, check_hz, check_u64
from tscmath.formats import AMD_SVM, INTEL_VMX, FixedPointFormat
from tscmath.offsets import offset_for, to_signed
from tscmath.scaling import drift_ticks_per_second, effective_hz, multiplier
from tscmath.tables import xml_text as escape  # quotes too; XML-invalid characters as U+FFFD

from .render import message_html, ratio_text

__all__ = ["calculate_json"]

FORMATS: dict[str, FixedPointFormat] = {"amd": AMD_SVM, "intel": INTEL_VMX}

CALC_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("guest_hz", "Guest frequency (Hz)", "2000000000"),
    ("host_hz", "Host frequency (Hz)", "3000000000"),
    ("host_tsc", "Host TSC now", "9000000000"),
    ("guest_tsc", "Guest TSC wanted now", "0"),
)
"""The number fields: name, label, default (the format is a choice: ``amd`` or ``intel``)."""


@dataclass(frozen=True)
class CalcResult:
    """Everything the calculator prints, exact."""

    guest_hz: int
    host_hz: int
    fmt: FixedPointFormat
    mult: int
    offset: int  # u64
    effective_hz: Fraction
    drift_ticks_per_s: Fraction

    @property
    def signed_offset(self) -> int:
        """The offset as tsc-simulator prints it (two's complement, ``i64``)."""
        return to_signed(self.offset)


def _int_field(label: str, text: object) -> object:
    if isinstance(text, str) and len(text) <= 60:
        cleaned = text.strip().replace("_", "").replace(" ", "")
        try:
            return int(cleaned, 16) if cleaned.lower().startswith("0x") else int(cleaned)
        except ValueError:
            pass
    if isinstance(text, int):
        return text
    raise InvalidInput(f"{label} must be an integer (decimal or 0x hex); got {text!r}")


def calculate(values: Mapping[str, object]) -> CalcResult:
    """Compute multiplier, offset, effective frequency and drift from the form's values.

    Values may be strings (decimal or ``0x`` hex, as tsc-simulator's ``maybe_hex``
    accepts) or ints. Raises the library's errors: :class:`~tscmath.InvalidInput` naming
    the field, :class:`~tscmath.RatioOutOfRange` for a ratio the format cannot hold.

    Examples
    --------
    >>> calculate({"guest_hz": "3000", "host_hz": "1", "fmt": "amd"})
    Traceback (most recent call last):
    ...
    tscmath.errors.RatioOutOfRange: guest_hz/host_hz = 3000/1 (about 3000) gives multiplier \
0xbb800000000, which AMD SVM 8.32 cannot hold: valid multipliers are 1 .. 0xffffffffff, i.e. \
ratios in [2**-32, 256]
    """
    if not isinstance(values, Mapping):
        raise InvalidInput(f"values must be a mapping of field names; got {values!r}")
    known = {name for name, _, _ in CALC_FIELDS} | {"fmt"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidInput(f"values holds unknown fields {unknown}; known: {sorted(known)}")
    defaults = {name: default for name, _, default in CALC_FIELDS}
    labels = {name: label for name, label, _ in CALC_FIELDS}
    got = {name: _int_field(labels[name], values.get(name, defaults[name])) for name in defaults}
    fmt_key = values.get("fmt", "amd")
    if not isinstance(fmt_key, str) or fmt_key not in FORMATS:
        raise InvalidInput(f"Format must be one of {sorted(FORMATS)}; got {fmt_key!r}")
    fmt = FORMATS[fmt_key]
    guest_hz = check_hz("guest_hz", got["guest_hz"])
    host_hz = check_hz("host_hz", got["host_hz"])
    host_tsc = check_u64("host_tsc", got["host_tsc"])
    guest_tsc = check_u64("guest_tsc", got["guest_tsc"])
    mult = multiplier(guest_hz, host_hz, fmt)
    return CalcResult(
        guest_hz=guest_hz,
        host_hz=host_hz,
        fmt=fmt,
        mult=mult,
        offset=offset_for(host_tsc, guest_tsc, mult, fmt),
        effective_hz=effective_hz(mult, host_hz, fmt),
        drift_ticks_per_s=drift_ticks_per_second(guest_hz, host_hz, fmt),
    )


def _decimal(value: Fraction, digits: int = 3) -> str:
    """A non-negative Fraction to ``digits`` decimals, truncated, ``...`` if inexact."""
    whole, rest = divmod(value.numerator * 10**digits, value.denominator)
    text = f"{whole // 10**digits}.{whole % 10**digits:0{digits}d}"
    return text + ("..." if rest else "")


def calc_text(result: CalcResult) -> str:
    """The calculator's lines: tsc-simulator's two, then what they mean.

    The first and third line are tsc-simulator ``calc``'s own format.
    """
    r = result
    us_per_day = r.drift_ticks_per_s * SECONDS_PER_DAY * 1_000_000 / r.guest_hz
    return "\n".join(
        [
            f"Frequency multiplier: {r.mult} ({r.mult:#x})",
            f"M / 2^{r.fmt.frac_bits} = {ratio_text(r.mult, r.fmt)} "
            f"(asked {Fraction(r.guest_hz, r.host_hz)}, {r.fmt.name})",
            f"TSC offset: {r.signed_offset} ({r.offset:#x})",
            f"offset as the u64 the hardware holds: {r.offset}",
            f"effective guest frequency: {_decimal(r.effective_hz)} Hz (asked {r.guest_hz} Hz)",
            f"drift: {_decimal(r.drift_ticks_per_s)} ticks/s slow = "
            f"{_decimal(us_per_day, 2)} µs per day",
        ]
    )


def calc_html(values: Mapping[str, object]) -> str:
    """The result block (``<pre>``), or the named error's message box."""
    try:
        text = calc_text(calculate(values))
    except TscMathError as err:
        return message_html(str(err))
    return f'<pre class="tsc-calc-out" style="margin:0;white-space:pre-wrap">{escape(text)}</pre>'


def calculate_json(values_json: str) -> str:
    """:func:`calc_html` for the site's script: a JSON object of strings in, ``{"html"}`` out."""
    try:
        values = json.loads(values_json)
    except (ValueError, TypeError) as err:
        return json.dumps({"html": message_html(f"values must be JSON: {err}")})
    if not isinstance(values, dict):
        return json.dumps({"html": message_html("values must be a JSON object")})
    return json.dumps({"html": calc_html(values)})


_CALC_STYLE = """<style>
.tsc-calc{font-size:13px;color:#222;background:#fff;padding:8px;border:1px solid #ccc;
 border-radius:6px;max-width:100%;box-sizing:border-box}
.tsc-calc *{box-sizing:border-box}
.tsc-calc .tsc-calc-fields{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));
 gap:6px 10px;margin-bottom:8px}
.tsc-calc label{display:grid;font-size:12px;min-width:0}
.tsc-calc input,.tsc-calc select{font:inherit;font-family:DejaVu Sans Mono,Menlo,Consolas,
 monospace;width:100%;min-width:0;padding:2px 4px;color:#222;background:#fff;
 border:1px solid #999;border-radius:3px}
.tsc-calc pre{font-size:12.5px;background:#f6f6f6;color:#222;padding:6px;border-radius:4px}
</style>"""


def calculator_page_html() -> str:
    """The site's calculator: fields (disabled until Python is ready) and the first result."""
    fields = "".join(
        f'<label>{escape(label)}<input type="text" inputmode="numeric" data-calc="{name}" '
        f'value="{default}" disabled></label>'
        for name, label, default in CALC_FIELDS
    )
    fields += (
        '<label>Format<select data-calc="fmt" disabled><option value="amd" selected>'
        'AMD 8.32</option><option value="intel">Intel 16.48</option></select></label>'
    )
    first = calc_html({name: default for name, _, default in CALC_FIELDS})
    return (
        f'{_CALC_STYLE}<div class="tsc-calc"><p class="tsc-status" role="status">'
        "Loading Python in your browser…</p>"
        f'<div class="tsc-calc-fields">{fields}</div>'
        f'<div class="tsc-calc-result" role="status">{first}</div></div>'
    )
