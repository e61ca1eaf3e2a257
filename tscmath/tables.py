"""One call, one table: rows of exact values shown as an HTML table (and as text).

The chapters compute with integers and show their results side by side. Formatting those
tables by hand (widths, separators, alignment) buried the arithmetic under ``print`` and
f-strings; :func:`table` takes the rows as they are computed and renders them. Integers get
thousands separators and are right-aligned, so digits line up; everything else is shown as
``str`` would. Nothing is rounded: a value is shown exactly as given.

In JupyterLab and on the site the table is HTML (it fits the column and wraps); as plain text
(a terminal, a doctest, the notebook tests' comparison) it is a fixed-width table.

Examples
--------
>>> from tscmath.tables import table
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


def _is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Table:
    """A table of exact values: ``headers``, ``rows`` (each as long as the headers), ``title``."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str | None = None

    def __post_init__(self) -> None:
        headers, rows = self.headers, self.rows
        if (
            not isinstance(headers, tuple)
            or not headers
            or not all(isinstance(h, str) for h in headers)
        ):
            raise InvalidInput(f"headers must be a non-empty tuple of strings; got {headers!r}")
        if not isinstance(rows, tuple):
            raise InvalidInput(f"rows must be a tuple of tuples; got {type(rows).__name__}")
        if len(rows) > MAX_ROWS:
            raise InvalidInput(f"rows has {len(rows):,} rows; at most {MAX_ROWS:,}")
        for i, row in enumerate(rows):
            if not isinstance(row, tuple):
                raise InvalidInput(f"rows[{i}] must be a tuple of values; got {row!r}")
            if len(row) != len(headers):
                raise InvalidInput(
                    f"rows[{i}] has {len(row)} values; expected {len(headers)}, one per header "
                    f"{headers!r}"
                )
        if self.title is not None and not isinstance(self.title, str):
            raise InvalidInput(f"title must be a string or None; got {self.title!r}")
        # plain str, never a subclass such as numpy.str_ (the table shows what it was given)
        object.__setattr__(self, "headers", tuple(str(h) for h in headers))
        if self.title is not None:
            object.__setattr__(self, "title", str(self.title))

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
            return f"<{tag}{style}>{html.escape(text)}</{tag}>"

        head = "".join(td("th", h, r) for h, r in zip(self.headers, right, strict=True))
        body = "".join(
            "<tr>"
            + "".join(td("td", cell_text(v), r) for v, r in zip(row, right, strict=True))
            + "</tr>"
            for row in self.rows
        )
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return (
            f'<table class="tscmath-table">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )


def table(
    rows: Iterable[Sequence[Any]], headers: Sequence[str], *, title: str | None = None
) -> Table:
    """Build a :class:`Table` from rows as computed (ints stay exact; shown with separators).

    Parameters
    ----------
    rows : iterable of sequences
        One sequence per row, each with one value per header.
    headers : sequence of str
        Column names (at least one).
    title : str, optional
        A caption shown above the table.

    Raises
    ------
    InvalidInput
        If ``headers`` is empty or not strings, a row's length differs from the headers', or
        there are more than :data:`MAX_ROWS` rows.

    Examples
    --------
    >>> table([(1, 2)], headers=("a",))
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: rows[0] has 2 values; expected 1, one per header ('a',)
    """
    if isinstance(headers, str) or not isinstance(headers, Sequence):
        raise InvalidInput(f"headers must be a non-empty sequence of strings; got {headers!r}")
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
        checked.append(tuple(row))
    return Table(tuple(headers), tuple(checked), title)
