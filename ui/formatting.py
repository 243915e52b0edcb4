"""Figures as people read them: units beside numbers, ranges as ranges, "not stated".

Every table and caption of the app writes numbers through these functions, so that a
missing figure never reads as "None" or "nan" and a range never reads as two columns of
``low``/``high``.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["MISSING", "is_missing", "number_text", "pct_text", "range_text"]

#: What a table shows where no source states a figure.
MISSING = "not stated"


def is_missing(value: object) -> bool:
    """True for ``None``, NaN, ``pd.NA`` and empty text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))  # type: ignore[call-overload]


def _digits(value: float, digits: int | None) -> int:
    """The decimals a figure is written with: as stated (never rounded away), at most 3."""
    if digits is not None:
        return digits
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    decimals = text.split(".")[1].rstrip("0")
    return min(len(decimals), 3)


def number_text(value: object, unit: str | None = None, *, digits: int | None = None) -> str:
    """``12,000 t/yr NdPr oxide``; ``not stated`` when the figure is missing.

    Parameters
    ----------
    value
        The figure (a number, or something missing).
    unit
        Written after the number when given.
    digits
        Decimals; by default as many as the figure has (at most 3), so a stated figure
        is never rounded (``106.6`` stays ``106.6``).
    """
    if is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    text = f"{number:,.{_digits(number, digits)}f}"
    return f"{text} {unit}" if unit and not is_missing(unit) else text


def pct_text(value: object, *, digits: int = 1) -> str:
    """``40%``, ``2.7%``; ``not stated`` when missing (whole numbers lose their decimals)."""
    if is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    return f"{number:.0f}%" if number.is_integer() else f"{number:.{digits}f}%"


def range_text(low: object, high: object, unit: str | None = None) -> str:
    """A figure known as a range: ``800 t/yr TREO``, ``up to 607 t/yr``, ``100-200 t/yr``.

    A low bound of zero reads "up to" (a stake of unknown size may be nothing); equal
    bounds read as one figure.
    """
    if is_missing(high):
        return MISSING
    if is_missing(low):
        low = 0.0
    lo, hi = float(low), float(high)  # type: ignore[arg-type]
    if math.isclose(lo, hi, rel_tol=1e-9, abs_tol=1e-9):
        return number_text(hi, unit)
    digits = max(_digits(lo, None), _digits(hi, None))
    if lo == 0:
        return f"up to {number_text(hi, unit, digits=digits)}"
    return f"{number_text(lo, digits=digits)}-{number_text(hi, unit, digits=digits)}"
