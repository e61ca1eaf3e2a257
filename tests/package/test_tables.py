"""tscmath.tables: one call, one table, values shown exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tscmath.errors import InvalidInput
from tscmath.tables import cell_text, table

words = st.text(alphabet=st.characters(categories=("L", "N", "P", "S")), max_size=12)
values = st.one_of(st.integers(-(2**70), 2**70), words, st.booleans())


@given(st.lists(st.tuples(values, values), max_size=8))
def test_every_value_appears_exactly_in_text_and_html(rows):
    t = table(rows, headers=("left", "right"))
    text, markup = str(t), t._repr_html_()
    for row in rows:
        for value in row:
            assert cell_text(value) in text
    assert markup.count("<tr>") == len(rows) + 1
    assert "<script" not in markup


@given(st.integers(-(2**80), 2**80))
def test_integers_keep_every_digit(n):
    shown = cell_text(n)
    assert int(shown.replace(",", "")) == n


def test_integer_columns_right_aligned_and_text_escaped():
    t = table([("<b>", 5), ("x", 1_000_000)], headers=("name", "ticks"))
    lines = str(t).splitlines()
    assert lines[2].endswith("        5") and lines[3].endswith("1,000,000")
    assert "&lt;b&gt;" in t._repr_html_() and "<b>" not in t._repr_html_()
    assert 'style="text-align:right">1,000,000<' in t._repr_html_()


@pytest.mark.parametrize(
    ("rows", "headers", "message"),
    [
        ([(1, 2)], ("a",), "rows\\[0\\] has 2 values; expected 1"),
        ([(1,)], (), "headers must be a non-empty"),
        ([(1,)], "a", "headers must be a non-empty"),
        (["ab"], ("a", "b"), "rows\\[0\\] must be a sequence"),
        ([(1,)] * 10_001, ("a",), "more than 10,000 rows"),
    ],
)
def test_bad_tables_are_refused_by_name(rows, headers, message):
    with pytest.raises(InvalidInput, match=message):
        table(rows, headers=headers)
