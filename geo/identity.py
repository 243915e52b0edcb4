"""Rows that hold the same objects, found by the objects' addresses.

Readers share one object among the rows with equal nested values (a pool), so work done
per distinct object (formatting, serialising) serves every row holding it. CPython makes
an object's ``id()`` its address, which an object array already holds: read as unsigned
integers, the addresses of a million values cost a copy, not a million calls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["addresses", "by_identity", "groups"]


class _Pointers:
    """The pointers an object array holds, seen by numpy as unsigned integers."""

    def __init__(self, values: np.ndarray) -> None:
        self.__array_interface__ = {"shape": values.shape, "typestr": np.dtype(np.uintp).str,
                                    "data": (values.ctypes.data, True), "version": 3}


def addresses(values: np.ndarray) -> np.ndarray:
    """Each value's ``id()``, which CPython makes the object's address: read as the pointers
    the object array holds (a copy), not by a Python call per value (about a hundred times
    as fast); by ``id()`` itself wherever that does not hold.

    Parameters
    ----------
    values
        A 1-d object array.

    Returns
    -------
    numpy.ndarray
        One unsigned integer per value, equal where the values are one object.
    """
    values = np.ascontiguousarray(values, dtype=object)
    found = np.array(_Pointers(values))
    if len(values) and int(found[0]) != id(values[0]):  # not CPython
        found = np.fromiter(map(id, values), dtype=np.uintp, count=len(values))
    return found


def by_identity(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group (rows whose values are the same objects, column by column) and
    each group's first row.

    Parameters
    ----------
    *columns
        1-d object arrays of one length.

    Returns
    -------
    tuple of numpy.ndarray
        ``codes`` and ``firsts``, as :func:`groups` gives them.
    """
    if len(columns) == 1:
        return groups(addresses(columns[0]))
    key: np.ndarray = np.zeros(len(columns[0]) if columns else 0, dtype=np.intp)
    for i, values in enumerate(columns):
        found, distinct = pd.factorize(addresses(values))
        # pairs numbered below n squared: no overflow under 3e9 rows
        key = found if i == 0 else pd.factorize(key * len(distinct) + found)[0]
    return groups(key)


def groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group (rows of one key, e.g. one object's address) and each group's first
    row.

    Parameters
    ----------
    keys
        One integer per row.

    Returns
    -------
    codes : numpy.ndarray
        The group of each row, numbered 0, 1, ... in order of first appearance.
    firsts : numpy.ndarray
        The first row of each group, by group: where the running maximum of the codes
        rises (compared in place: no full-length temporaries beyond it).
    """
    codes, _ = pd.factorize(keys)
    if not len(codes):
        return codes, np.empty(0, dtype=np.intp)
    highest = np.maximum.accumulate(codes)
    rises = np.flatnonzero(highest[1:] > highest[:-1]) + 1
    return codes, np.concatenate(([0], rises))
