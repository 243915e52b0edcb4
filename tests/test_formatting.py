"""Figures as text (ui.formatting): units, ranges, and nothing that reads "None"."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ui.formatting import MISSING, number_text, pct_text, range_text


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, "", "  "])
def test_missing_figures_read_not_stated(missing: object) -> None:
    assert number_text(missing, "t/yr REO") == MISSING
    assert pct_text(missing) == MISSING
    assert range_text(0, missing, "t/yr") == MISSING


@pytest.mark.parametrize(("value", "unit", "text"), [
    (12000, "t/yr NdPr oxide", "12,000 t/yr NdPr oxide"),
    (12000.0, None, "12,000"),
    (2.5, "t", "2.5 t"),
    (607.5, "t/yr", "607.5 t/yr"),
    (106.6, "Mt ore", "106.6 Mt ore"),
    (4.12, "% TREO", "4.12 % TREO"),
    (1 / 3, None, "0.333"),
    (1234567.0, "t REO", "1,234,567 t REO"),
])
def test_numbers_carry_separators_and_their_unit(value, unit, text) -> None:
    assert number_text(value, unit) == text


def test_shares_have_one_decimal_unless_whole() -> None:
    assert pct_text(40.0) == "40%"
    assert pct_text(2.7) == "2.7%"
    assert pct_text(15.546218) == "15.5%"


@pytest.mark.parametrize(("low", "high", "text"), [
    (800.0, 800.0, "800 t/yr TREO"),
    (0.0, 607.5, "up to 607.5 t/yr TREO"),
    (None, 324.0, "up to 324 t/yr TREO"),
    (100.0, 200.0, "100-200 t/yr TREO"),
    (1.5, 2.7, "1.5-2.7 t/yr TREO"),
])
def test_ranges_read_as_ranges(low, high, text) -> None:
    assert range_text(low, high, "t/yr TREO") == text
