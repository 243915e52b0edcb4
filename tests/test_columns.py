"""The popup columns of a selection encoded from its held frame's factorisation
(ui.columns): the same payload as encoding the selection on its own."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pytest
import shapely

from layers.indexes import taken_from
from ui.columns import encode_table

N = 6000  # past the size from which held frames keep their indexes


def _held(seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    pool = [["Nd", "Pr"], ["Dy"], None, [], {"a": 1}, ["Dy"]]  # equal lists, distinct objects
    owners = [[{"name": "JOGMEC", "pct": 49.0}], [{"name": "Lynas", "pct": 100.0}], None]
    status = rng.choice(["operating", "project", None], N)
    return gpd.GeoDataFrame({
        "id": pd.array([f"m{i}" for i in range(N)], dtype="string[pyarrow]"),
        "name": pd.Series([f"mine {i}" if i % 9 else None for i in range(N)], dtype=object),
        "status": pd.array(status, dtype="string[pyarrow]"),
        "country": pd.Series(rng.choice(["AUS", "NAM", "USA"], N), dtype=object),
        "elements": pd.Series([pool[i] for i in rng.integers(0, len(pool), N)], dtype=object),
        "owners": pd.Series([owners[i] for i in rng.integers(0, len(owners), N)],
                            dtype=object),
        "notes": pd.Series([None] * N, dtype=object),
        "label": pd.Series(["one"] * N, dtype=object),
        "mixed": pd.Series([("x" if i % 2 else [i % 3]) for i in range(N)], dtype=object),
    }, geometry=shapely.points(rng.uniform(-170, 170, N), rng.uniform(-60, 70, N)),
        crs="EPSG:4326")


def _json(value: object) -> bytes:
    return orjson.dumps(value)


COLUMNS = ["id", "name", "status", "country", "elements", "owners", "notes", "label", "mixed"]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("share", [0.0, 0.002, 0.3, 0.9, 1.0])
def test_selection_encoded_as_on_its_own(seed: int, share: float) -> None:
    held = _held(seed)
    rng = np.random.default_rng(seed + 10)
    keep = rng.random(N) < share
    rows = None if keep.all() else np.flatnonzero(keep)
    selection = held.copy(deep=False) if rows is None else held.take(rows)
    taken_from(selection, held, rows)
    alone = selection.copy(deep=True)  # the same rows, not known to come from a held frame
    expected = _json(encode_table(alone, COLUMNS))
    assert _json(encode_table(selection, COLUMNS)) == expected
    assert _json(encode_table(selection, COLUMNS)) == expected  # from the cache now


def test_column_replaced_in_a_selection_is_encoded_afresh() -> None:
    held = _held(4)
    rows = np.arange(0, N, 2)
    selection = held.take(rows)
    taken_from(selection, held, rows)
    encode_table(selection, COLUMNS)  # the held factorisation is built
    selection["status"] = pd.array(["closed"] * len(rows), dtype="string[pyarrow]")
    selection["elements"] = pd.Series([["Tb"]] * len(rows), index=selection.index,
                                      dtype=object)
    encoded = encode_table(selection, ["status", "elements"])
    assert encoded["status"] == {"t": "k", "v": "closed"}
    assert encoded["elements"]["t"] == "k"
    assert _json(encoded["elements"]["v"]) == b'["Tb"]'
