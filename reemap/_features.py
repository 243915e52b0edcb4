"""OGC API - Features over reemap's layers, served by pygeoapi (``reemap serve-features``).

:class:`LayerProvider` is a pygeoapi feature provider: one per layer, reading the layers
(bundled and imported) once per process, filtering with ``layers.query`` (the filters of
``reemap export``) and encoding with the GeoJSON writer of ``reemap export``, so a
feature served is the feature exported. :func:`write_config` writes pygeoapi's
configuration and OpenAPI document; :func:`serve` starts pygeoapi's Starlette app under
uvicorn. pygeoapi is an optional dependency (``pip install reemap[server]``).

Query parameters beside the standard ones (``bbox``, ``limit``, ``offset``,
``properties``, ``sortby``, ``skipGeometry``, ``q``: name contains): the export filters
``element``, ``owner`` (up the ownership chain), ``country``, ``status``, ``stage``,
``capacity_unit`` (each takes comma-separated values, OR within one), ``min_hree``,
``min_capacity``, ``max_capacity``, ``state_backed``; and any other plain property as ``NAME=VALUE``
(equality). An unknown parameter or value is a 400 with a one-line message.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pycountry
import shapely
from pygeoapi.provider.base import (
    BaseProvider,
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
)

from geo.errors import InputError
from geo.geojson import to_geojson_bytes
from layers.catalog import Dataset, load_dataset
from layers.query import Query, parse_values, query_masks
from layers.schema import LAYERS, STAGES

__all__ = ["LayerProvider", "dataset"]

#: Export filters taking several values -> the Query field they fill.
LIST_FILTERS: dict[str, str] = {
    "element": "elements", "owner": "owners", "country": "countries", "status": "statuses",
    "stage": "stages", "capacity_unit": "capacity_units",
}
#: Export filters taking a number -> the Query field they fill.
NUMBER_FILTERS: dict[str, str] = {
    "min_hree": "min_hree", "min_capacity": "capacity_min", "max_capacity": "capacity_max",
}
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


@functools.cache
def dataset(data_dir: str | None) -> Dataset:
    """The layers and the ownership graph, read once per process (``None``: bundled)."""
    return load_dataset(Path(data_dir) if data_dir else None, include_store=True)


def _bad(message: str) -> ProviderInvalidQueryError:
    return ProviderInvalidQueryError(user_msg=message)


def _schema_type(series: pd.Series) -> str:
    values = [v for v in series.to_numpy(dtype=object) if v is not None and v is not pd.NA
              and not (isinstance(v, float) and math.isnan(v))]
    if values and all(isinstance(v, list | tuple | np.ndarray) for v in values):
        return "array"
    if values and all(isinstance(v, dict) for v in values):
        return "object"
    if pd.api.types.is_bool_dtype(series) or (values and all(isinstance(v, bool)
                                                             for v in values)):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "string"


def _parse(
    properties: Sequence[tuple[str, str]], plain: set[str]
) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
    """Query parameters -> the Query's fields, and equality tests on plain properties."""
    fields: dict[str, Any] = {}
    equal: dict[str, tuple[str, ...]] = {}
    for name, raw in properties:
        value = str(raw)
        if name in LIST_FILTERS:
            key = LIST_FILTERS[name]
            fields[key] = fields.get(key, ()) + parse_values([value])
        elif name in NUMBER_FILTERS:
            try:
                fields[NUMBER_FILTERS[name]] = float(value)
            except ValueError:
                raise _bad(f"{name}={value!r}: not a number") from None
        elif name == "state_backed":
            if value.lower() not in _TRUE | _FALSE:
                raise _bad(f"state_backed={value!r}: give true or false")
            fields["state_backed"] = value.lower() in _TRUE
        elif name in plain:
            equal[name] = parse_values([value])
        else:
            known = sorted({*LIST_FILTERS, *NUMBER_FILTERS, "state_backed", *plain})
            raise _bad(f"unknown query parameter {name!r}; use one of {', '.join(known)}")
    return fields, equal


class LayerProvider(BaseProvider):
    """A pygeoapi feature provider over one reemap layer.

    Parameters
    ----------
    provider_def
        pygeoapi's provider definition: ``data`` is the layer name; ``options.data_dir``
        the data folder (the bundled data when empty).
    """

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        self.layer = str(provider_def["data"])
        self.data_dir = (self.options or {}).get("data_dir") or None
        if self.layer not in self._data.frames:
            raise RuntimeError(f"no layer {self.layer!r}")
        self._fields = self.get_fields()

    @property
    def _data(self) -> Dataset:
        return dataset(self.data_dir)

    @property
    def _frame(self) -> gpd.GeoDataFrame:
        return self._data.frames[self.layer]

    def get_fields(self) -> dict[str, dict[str, str]]:
        """Every property of the layer with its JSON Schema type."""
        frame = self._frame
        return {c: {"type": _schema_type(frame[c])} for c in frame.columns
                if c != frame.geometry.name}

    # -- filtering -----------------------------------------------------------------------

    def _query(
        self, properties: Sequence[tuple[str, str]], text: str | None = None
    ) -> tuple[Query, dict[str, tuple[str, ...]]]:
        plain = {k for k, v in self._fields.items() if v["type"] not in {"array", "object"}}
        fields, equal = _parse(properties, plain)
        if text:
            fields["text"] = str(text)
        for code in fields.get("countries", ()):
            if pycountry.countries.get(alpha_3=str(code).upper()) is None:
                raise _bad(f"country={code!r}: not an ISO 3166-1 alpha-3 code")
        for stage in fields.get("stages", ()):
            if stage not in STAGES:
                raise _bad(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
        try:
            return Query(**fields).checked(), equal
        except InputError as exc:
            raise _bad(str(exc)) from None

    def _selected(self, properties: Sequence[tuple[str, str]], bbox: Sequence[float],
                  text: str | None = None) -> gpd.GeoDataFrame:
        query, equal = self._query(properties, text)
        frame = self._frame
        try:
            keep = query_masks({self.layer: frame}, query, self._data.graph)[self.layer]
        except InputError as exc:  # an unknown owner
            raise _bad(str(exc)) from None
        for name, values in equal.items():
            keep &= frame[name].astype("string").isin(values).fillna(False).to_numpy(dtype=bool)
        if bbox:
            keep &= _in_box(frame, bbox)
        return frame[keep]

    # -- pygeoapi's interface ------------------------------------------------------------

    def query(
        self, *, offset: int = 0, limit: int = 10, resulttype: str = "results",
        bbox: Sequence[float] = (), properties: Sequence[tuple[str, str]] = (),
        sortby: Sequence[Mapping[str, str]] = (), select_properties: Sequence[str] = (),
        skip_geometry: bool = False, **kwargs: Any,
    ) -> dict[str, Any]:
        """Features of the layer that pass the filters, one page of them."""
        selected = self._selected(properties, bbox, kwargs.get("q"))
        for order in reversed(list(sortby)):
            selected = selected.sort_values(order["property"], ascending=order["order"] != "-",
                                            kind="stable", na_position="last")
        page = selected.iloc[offset:offset + limit] if resulttype != "hits" else selected.iloc[:0]
        features = _features(page, select_properties, skip_geometry)
        return {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": len(selected),
            "numberReturned": len(features),
        }

    def get(self, identifier: str, **kwargs: Any) -> dict[str, Any]:
        """One feature by its id."""
        frame = self._frame
        found = frame[frame["id"] == str(identifier)]
        if not len(found):
            raise ProviderItemNotFoundError(user_msg=f"no feature {identifier!r} in {self.layer}")
        return _features(found, (), False)[0]


def _in_box(frame: gpd.GeoDataFrame, bbox: Sequence[float]) -> np.ndarray:
    values = [float(v) for v in bbox]
    if len(values) == 6:  # a 3D box: minx, miny, minz, maxx, maxy, maxz
        xmin, ymin, _, xmax, ymax, _ = values
    else:
        xmin, ymin, xmax, ymax = values
    boxes = ([shapely.box(xmin, ymin, 180.0, ymax), shapely.box(-180.0, ymin, xmax, ymax)]
             if xmin > xmax else [shapely.box(xmin, ymin, xmax, ymax)])  # across 180 degrees
    geoms = np.asarray(frame.geometry.values)
    keep = np.zeros(len(frame), dtype=bool)
    for box in boxes:
        keep |= shapely.intersects(geoms, box)
    return keep


def _features(page: gpd.GeoDataFrame, select: Sequence[str], skip_geometry: bool
              ) -> list[dict[str, Any]]:
    """Encode as ``reemap export`` does; the feature id is the ``id`` property."""
    collection = orjson.loads(to_geojson_bytes(page)) if len(page) else {"features": []}
    features: list[dict[str, Any]] = collection["features"]
    for feature in features:
        feature["id"] = feature["properties"]["id"]
        if select:
            feature["properties"] = {k: v for k, v in feature["properties"].items()
                                     if k in select}
        if skip_geometry:
            feature["geometry"] = None
    return features


# -- configuration -----------------------------------------------------------------------

_DESCRIPTIONS = {
    "mines": "Mines, deposits and development projects",
    "refineries": "Cracking, separation, refining, metal, alloy, magnet and recycling plants",
    "seabed": "Seabed rare-earth mud areas",
    "routes": "Trade flows along sea and land routes",
    "ports": "Ports the trade flows use",
    "chokepoints": "Straits and canals the sea routes pass",
}


def _extent(frame: gpd.GeoDataFrame) -> list[float]:
    bounds = frame.total_bounds if len(frame) else [-180.0, -90.0, 180.0, 90.0]
    if not np.isfinite(bounds).all():
        bounds = [-180.0, -90.0, 180.0, 90.0]
    return [round(float(b), 6) for b in bounds]


def build_config(data: Dataset, *, host: str, port: int, url: str,
                 data_dir: str | None) -> dict[str, Any]:
    """pygeoapi's configuration: one collection per layer (bundled and imported)."""
    resources: dict[str, Any] = {}
    for name in [n for n in LAYERS if n in data.frames] + [
            n for n in data.frames if n not in LAYERS]:
        frame = data.frames[name]
        resources[name] = {
            "type": "collection",
            "title": name,
            "description": f"{_DESCRIPTIONS.get(name, name)}: {len(frame)} features "
                           "(reemap, bundled and imported)",
            "keywords": ["rare earths", "supply chain", name],
            "extents": {"spatial": {"bbox": _extent(frame),
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{
                "type": "feature",
                "name": f"{LayerProvider.__module__}.LayerProvider",
                "data": name,
                "id_field": "id",
                "title_field": "name",
                "include_extra_query_parameters": True,
                "options": {"data_dir": data_dir or ""},
            }],
        }
    return {
        "server": {
            "bind": {"host": host, "port": port},
            "url": url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 100, "max_items": 10000},
            # HTML pages only; tests and GDAL read JSON. No tile server is contacted.
            "map": {"url": f"{url}/static/img/none/{{z}}/{{x}}/{{y}}.png",
                    "attribution": "reemap"},
            "pretty_print": False,
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "reemap: the rare-earth supply chain",
                "description": "Mines, plants, seabed mud, ports, chokepoints and trade routes, "
                               "with owners and sources (OGC API - Features).",
                "keywords": ["rare earths", "supply chain", "ownership"],
                "url": url,
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
            },
            "license": {"name": "CC BY 4.0 (data); MIT (code)",
                        "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "reemap"},
            "contact": {"name": "reemap"},
        },
        "resources": resources,
    }


def write_config(folder: Path, config: dict[str, Any]) -> tuple[Path, Path]:
    """Write the configuration (YAML) and its OpenAPI document (JSON) into ``folder``."""
    import yaml
    from pygeoapi.openapi import get_oas

    folder.mkdir(parents=True, exist_ok=True)
    cfg = folder / "pygeoapi-config.yml"
    cfg.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    oas = folder / "pygeoapi-openapi.json"
    oas.write_text(json.dumps(get_oas(config)), encoding="utf-8")
    return cfg, oas
