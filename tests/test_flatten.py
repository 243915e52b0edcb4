"""Lists and objects become JSON text, each value its own, however many rows share one."""

from __future__ import annotations

import json

import geopandas as gpd
import shapely

from geo.export import flatten


def test_shared_and_look_alike_values_keep_their_own_text() -> None:
    source = {"title": "t", "url": None}
    values = [[1], [1.0], [True], ["Nd", "Pr"], ["Nd", "Pr"], {"Nd": 60}, {"Nd": 40},
              [source], [source], [{"title": "t", "url": None}], [], None, "plain"]
    gdf = gpd.GeoDataFrame({"v": values}, geometry=[shapely.Point(0, 0)] * len(values),
                           crs="EPSG:4326")
    got = flatten(gdf)["v"].tolist()
    assert got[11] != got[11]  # None reads back as a missing value (NaN), as before
    del got[11], values[11]
    assert got == [json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                   for v in values]
    assert got[:3] == ["[1]", "[1.0]", "[true]"]
    assert got[5:7] == ['{"Nd": 60}', '{"Nd": 40}']
