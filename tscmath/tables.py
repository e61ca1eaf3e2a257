"""One call, one table: rows of exact values shown as an HTML table (and as text).

:func:`table` takes the rows as the chapters compute them: integers get thousands separators
and are right-aligned, everything else is shown as ``str`` would; nothing is rounded. HTML in
JupyterLab and on the site, a fixed-width table as text (a terminal, a doctest).

Examples
--------
>>> t = table([("A", 3_000_000_000, "8.32"), ("B", 2_500_000_000, "16.48")],
...           headers=("host", "TSC Hz", "format"))
>>> print(t)
host         TSC Hz  format
----  -------------  ------
A     3,000,000,000  8.32
B     2,500,000,000  16.48
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput

__all__ = ["table"]

MAX_ROWS = 10_000
"""More rows than any chapter shows; a larger table is refused (a page would not render it)."""


def cell_text(value: Any) -> str:
    """How a value is shown in a table: integers with thousands separators, the rest as ``str``.

    Examples
    --------
    >>> cell_text(-15_000_000_000), cell_text("0x133333333"), cell_text(True)
    ('-15,000,000,000', '0x133333333', 'True')
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` escaped for HTML; characters XML cannot hold (control characters) as U+FFFD."""
    return html.escape(_NOT_IN_XML.sub("\ufffd", text))


def _is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Table:
    """A table of exact values: ``headers``, ``rows`` (each as long as the headers), ``title``.

    Built by :func:`table`, which checks what it is given (not public)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str | None = None

    def _right_aligned(self) -> list[bool]:
        """A column is right-aligned when every non-empty value in it is an integer."""
        return [
            all(_is_number(row[i]) for row in self.rows if row[i] != "") and bool(self.rows)
            for i in range(len(self.headers))
        ]

    def __str__(self) -> str:
        texts = [[cell_text(v) for v in row] for row in self.rows]
        widths = [max([len(h)] + [len(r[i]) for r in texts]) for i, h in enumerate(self.headers)]
        right = self._right_aligned()

        def line(cells: Sequence[str]) -> str:
            parts = [
                c.rjust(w) if r else c.ljust(w)
                for c, w, r in zip(cells, widths, right, strict=True)
            ]
            return "  ".join(parts).rstrip()

        out = [self.title] if self.title else []
        out += [line(self.headers), line(["-" * w for w in widths])]
        out += [line(r) for r in texts]
        return "\n".join(out)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        right = self._right_aligned()

        def td(tag: str, text: str, is_right: bool) -> str:
            style = ' style="text-align:right"' if is_right else ' style="text-align:left"'
            return f"<{tag}{style}>{xml_text(text)}</{tag}>"

        head = "".join(td("th", h, r) for h, r in zip(self.headers, right, strict=True))
        body = "".join(
            "<tr>"
            + "".join(td("td", cell_text(v), r) for v, r in zip(row, right, strict=True))
            + "</tr>"
            for row in self.rows
        )
        caption = f"<caption>{xml_text(self.title)}</caption>" if self.title else ""
        return (
            f'<table class="tscmath-table">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )


def table(
    rows: Iterable[Sequence[Any]], headers: Sequence[str], *, title: str | None = None
) -> Table:
    """A :class:`Table` of ``rows`` (one value per header each), ``headers`` and a ``title``.

    Refuses empty or non-string headers, a row of another length and more than
    :data:`MAX_ROWS` rows, naming the parameter.

    Examples
    --------
    >>> table([(1, 2)], headers=("a",))
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: rows[0] has 2 values; expected 1, one per header ('a',)
    """
    if (
        isinstance(headers, str)
        or not isinstance(headers, Sequence)
        or not headers
        or not all(isinstance(h, str) for h in headers)
    ):
        raise InvalidInput(f"headers must be a non-empty sequence of strings; got {headers!r}")
    if title is not None and not isinstance(title, str):
        raise InvalidInput(f"title must be a string or None; got {title!r}")
    try:
        if isinstance(rows, str | bytes):
            raise TypeError
        each_row = iter(rows)
    except TypeError:
        raise InvalidInput(f"rows must be an iterable of sequences; got {rows!r}") from None
    checked = []
    for i, row in enumerate(each_row):
        if i >= MAX_ROWS:
            raise InvalidInput(f"rows has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,}")
        if isinstance(row, str) or not isinstance(row, Sequence):
            raise InvalidInput(f"rows[{i}] must be a sequence of values; got {row!r}")
        if len(row) != len(headers):
            raise InvalidInput(
                f"rows[{i}] has {len(row)} values; expected {len(headers)}, one per header "
                f"{tuple(headers)!r}"
            )
        checked.append(tuple(row))
    # plain str, never a subclass such as numpy.str_ (the table shows what it was given)
    title = None if title is None else str(title)
    return Table(tuple(str(h) for h in headers), tuple(checked), title)
