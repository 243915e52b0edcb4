"""Per-value predicates over object columns, by numpy and C-level iteration.

The building blocks of the columnar screens (``layers.scalar_checks``,
``layers.list_checks``, ``layers.screens``): a column's values as one 1-d object array
(:func:`objects`, :func:`cleaned`), then per value whether it has a type, is None, is text,
matches a pattern, belongs to a vocabulary or holds a control character, never with a
Python loop per row. Checks that are Python functions run once per distinct value
(``pandas.factorize``) and are mapped back to the rows.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from itertools import repeat
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = [
    "CONTROL_CHARACTERS",
    "clean_value",
    "cleaned",
    "objects",
    "types_of",
]

#: Control characters no text may hold (``layers.validate`` reports them; tab, line feed
#: and carriage return are allowed).
CONTROL_CHARACTERS: Final[str] = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CONTROL = re.compile(CONTROL_CHARACTERS)


def objects(values: Iterable[Any], count: int) -> np.ndarray:
    """A 1-d object array of ``count`` values, lists kept as lists (never a 2-d array)."""
    return np.fromiter(values, dtype=object, count=count)


def types_of(values: np.ndarray) -> set[type]:
    """The types the values have, by C-level iteration."""
    return set(map(type, values))


def _is(values: np.ndarray, *kinds: type) -> np.ndarray:
    """Per value: its type is exactly one of ``kinds`` (subclasses and bools excluded)."""
    wanted = frozenset(kinds).__contains__
    return np.fromiter(map(wanted, map(type, values)), dtype=bool, count=len(values))


def _none(values: np.ndarray) -> np.ndarray:
    """Per value: it is None."""
    return np.fromiter(map(operator.is_, values, repeat(None)), dtype=bool, count=len(values))


def _strings(values: np.ndarray) -> np.ndarray:
    """Per value: a ``str`` (fast when the whole column is text)."""
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return np.ones(len(values), dtype=bool)
    return _is(values, str)


def _per_distinct(values: np.ndarray, check: Callable[[Any], bool]) -> np.ndarray:
    """``check`` run once per distinct value, mapped back to every row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    verdict = np.fromiter(map(check, uniques), dtype=bool, count=len(uniques))
    return np.where(codes >= 0, verdict[np.maximum(codes, 0)], False)


def _accepts(validator: Callable[[Any], Any]) -> Callable[[Any], bool]:
    """A schema validator (raises ``ValueError``) as a yes/no check that returns its input."""

    def check(value: Any) -> bool:
        try:
            return bool(validator(value) == value)
        except (TypeError, ValueError):
            return False

    return check


def _fullmatch(values: np.ndarray, text: np.ndarray, pattern: str) -> np.ndarray:
    """RE2 full match (pyarrow), stricter than Python's ``re`` ($ before a newline, \\d)."""
    out = np.zeros(len(values), dtype=bool)
    if text.any():
        found = pd.Series(values[text].tolist(), dtype="str").str.fullmatch(pattern)
        out[text] = found.to_numpy(dtype=bool, na_value=False)
    return out


def _in(values: np.ndarray, text: np.ndarray, vocabulary: tuple[str, ...]) -> np.ndarray:
    """Per value: a string of the vocabulary (only strings are hashed)."""
    out = np.zeros(len(values), dtype=bool)
    out[text] = pd.Series(values[text].tolist(), dtype=object).isin(vocabulary).to_numpy()
    return out


def _lengths(values: np.ndarray, text: np.ndarray) -> np.ndarray:
    """Per value: its length where ``text`` holds, else 0."""
    out = np.zeros(len(values), dtype=np.int64)
    if text.any():
        out[text] = np.fromiter(map(len, values[text]), dtype=np.int64, count=int(text.sum()))
    return out


def clean_value(value: Any) -> Any:
    """A value as the models see it: NaN -> None, numpy scalars and arrays -> Python."""
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def cleaned(column: pd.Series) -> np.ndarray:
    """The column as ``layers.validate`` cleans each value: NaN -> None, numpy -> Python."""
    values = column.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(values, skipna=False)
    if kind in ("string", "boolean", "integer"):
        return values
    types = types_of(values)
    if any(issubclass(t, np.generic | np.ndarray) for t in types):
        values = objects(map(clean_value, values), len(values))
    if float in types:
        nan = _is(values, float) & pd.isna(values)
        values = values.copy()
        values[nan] = None
    return values


def _dirty(values: np.ndarray, pattern: re.Pattern[str] = _CONTROL) -> np.ndarray:
    """Per value: a text holding a control character. One scan of the column's texts
    joined by spaces (never matched) answers for the whole column when none does."""
    out = np.zeros(len(values), dtype=bool)
    text = _strings(values)
    if not text.any() or not pattern.search(" ".join(values[text])):
        return out
    out[text] = np.fromiter(map(bool, map(pattern.search, values[text])), dtype=bool,
                            count=int(text.sum()))
    return out

