"""The USGS rare-earth occurrences: the committed extract, its matches to curated mines, the layer.

The world database of rare-earth mines, deposits and occurrences of the USGS (Orris and
Grauch, Open-File Report 02-189; mrdata.usgs.gov/ree, public domain) comes to reemap as a
compact extract, ``data/occurrences/usgs_ree_extract.csv``, taken from its MinMod JSON copy
(see ``scripts/extract_usgs_ree.py`` and ``data/README.md``). This module reads and checks
the extract, matches curated mines to USGS records, and builds the ``occurrences`` layer:
one point per record that has a location.

The matching rule (:func:`match_mines`): a USGS record matches a curated mine when it lies
within :data:`MATCH_KM` km (geodesic) of the mine and their names share a word: equal, or
alike at :data:`WORD_SIMILARITY` (spelling variants such as Manavalakurichi and
Manavalakuruchi), or one name written without spaces contains the other. Generic words
(mine, deposit, district, clay, ...) do not count. Of several such records the one sharing
most words wins; a tie leaves the mine unmatched (ambiguous), as does no candidate.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Final, cast

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod

from geo import settings
from geo.coords import country_mismatches
from geo.errors import DataError, InputError, Problem
from layers.schema import ELEMENTS
from layers.tables import read_table

__all__ = [
    "EXTRACT_FILE",
    "MATCH_KM",
    "OCCURRENCE_SOURCE",
    "WORD_SIMILARITY",
    "build_occurrences",
    "drawn_occurrences",
    "match_mines",
    "name_words",
    "read_extract",
    "shared_words",
]

#: The extract, under the data folder.
EXTRACT_FILE: Final[str] = "occurrences/usgs_ree_extract.csv"
#: How far (km, geodesic) a USGS record may lie from a curated mine it matches.
MATCH_KM: Final[float] = 25.0
#: How alike two words must be (difflib ratio) to count as the same word.
WORD_SIMILARITY: Final[float] = 0.85

_COLUMNS: Final[tuple[str, ...]] = (
    "record_id", "name", "country_name", "country", "state_or_province", "lon", "lat",
    "elements", "other_commodities", "url",
)  # fmt: skip

#: Words that name a kind of site, not a site: they never make a match.
_GENERIC: Final[frozenset[str]] = frozenset(
    {
        "mine", "mines", "deposit", "deposits", "district", "area", "the", "and", "of", "de",
        "la", "le", "du", "ion", "adsorption", "clay", "clays", "rare", "earth", "earths",
        "project", "beach", "sands", "sand", "hill", "hills", "complex", "carbonatite",
        "mining", "north", "south", "east", "west", "center", "centre", "lake", "river",
        "creek", "mount", "mountains",
    }
)  # fmt: skip

#: The two sources every occurrence cites: the USGS database and the copy it was read from.
OCCURRENCE_SOURCE: Final[dict[str, str]] = {
    "title": (
        "Rare Earth Element Mines, Deposits, and Occurrences (Orris and Grauch, "
        "U.S. Geological Survey Open-File Report 02-189)"
    ),
    "url": "https://mrdata.usgs.gov/ree/",
    "date": "2002",
    "publisher": "U.S. Geological Survey",
    "kind": "primary",
}
_COPY_SOURCE: Final[dict[str, str]] = {
    "title": (
        "ta2-minmod-data: data/mineral-sites/umn/mrdata_ree/b000-b063.json (MinMod JSON of "
        "the USGS rare-earth database), commit 050de43"
    ),
    "url": (
        "https://github.com/DARPA-CRITICALMAAS/ta2-minmod-data/tree/"
        "050de430cb38b9c8b43f4bb67387f561bc096ab0/data/mineral-sites/umn/mrdata_ree"
    ),
    "date": "2026-07-08",
    "publisher": "DARPA CriticalMAAS (MinMod)",
    "kind": "secondary",
}
#: The date the database's contents describe (its metadata: "Calendar_Date: 2001").
_AS_OF: Final[str] = "2001-12-31"
_NOTE: Final[str] = (
    "USGS record {rid}. The database states no status, owner or capacity; its currentness "
    "varies by site (metadata calendar date 2001). The point is USGS's; how exact it is "
    "is not stated."
)
#: The day the extract was taken from its source and checked against it.
_CHECKED_ON: Final[str] = "2026-12-05"
_GEOD = Geod(ellps=settings.ELLPS)


def read_extract(path: Path | None = None) -> pd.DataFrame:
    """Read and check the extract.

    Parameters
    ----------
    path
        The extract CSV (``data/occurrences/usgs_ree_extract.csv`` when omitted).

    Returns
    -------
    DataFrame
        One row per USGS record: ``record_id`` (str), ``name``, ``country_name``,
        ``country`` (ISO3 or None), ``state_or_province``, ``lon``/``lat`` (float or NaN),
        ``elements`` and ``other_commodities`` (lists), ``url``.

    Raises
    ------
    InputError
        The file is missing or lacks a column.
    DataError
        Every bad row, one problem each.
    """
    p = path or settings.DATA_DIR / EXTRACT_FILE
    raw = read_table(p, _COLUMNS)  # text, every required column there (else InputError)
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    for rec in raw.to_dict("records"):
        record = {str(k): str(v) for k, v in rec.items()}
        row, issues = _check_row(record)
        problems.extend(Problem(str(p), f"record {record['record_id']}", m) for m in issues)
        rows.append(row)
    dupes = raw["record_id"][raw["record_id"].duplicated()]
    problems.extend(Problem(str(p), f"record {r}", "record_id: duplicate") for r in dupes)
    if problems:
        raise DataError(problems)
    return pd.DataFrame.from_records(rows, columns=list(_COLUMNS))


def _check_row(record: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    issues: list[str] = []
    if not record["record_id"].isdigit():
        issues.append(f"record_id: {record['record_id']!r} is not a number")
    if not record["name"].strip():
        issues.append("name: empty")
    lon, lat = record["lon"], record["lat"]
    x = y = float("nan")
    if bool(lon) != bool(lat):
        issues.append("lon/lat: one is given without the other")
    elif lon:
        try:
            x, y = float(lon), float(lat)
        except ValueError:
            issues.append(f"lon/lat: not numbers ({lon!r}, {lat!r})")
        else:
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                issues.append(f"lon/lat: ({x}, {y}) outside WGS84; are they swapped?")
    lists: dict[str, list[str]] = {}
    for key in ("elements", "other_commodities"):
        try:
            lists[key] = list(json.loads(record[key] or "[]"))
        except ValueError:
            issues.append(f"{key}: not a JSON list")
            lists[key] = []
    unknown = [e for e in lists["elements"] if e not in ELEMENTS]
    if unknown:
        issues.append(f"elements: unknown symbol(s) {', '.join(unknown)}")
    country = record["country"] or None
    if country is not None and not re.fullmatch(r"[A-Z]{3}", country):
        issues.append(f"country: {country!r} is not ISO 3166-1 alpha-3")
    row = {**record, "country": country, "lon": x, "lat": y, **lists}
    return row, issues


def _words(name: str) -> list[str]:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"['\u2019]", "", ascii_name.lower())
    return [w for w in re.split(r"[^a-z0-9]+", text) if len(w) >= 3 and w not in _GENERIC]


def name_words(name: str) -> frozenset[str]:
    """The distinctive words of a site name: ASCII, lower case, generic words dropped."""
    return frozenset(_words(name))


def _alike(a: str, b: str) -> bool:
    if a == b:
        return True
    return min(len(a), len(b)) >= 5 and SequenceMatcher(None, a, b).ratio() >= WORD_SIMILARITY


def shared_words(a: str, b: str) -> int:
    """How many distinctive words of name ``a`` have a like word in name ``b``.

    When none do, a name written without spaces that contains the other (at least five
    letters) counts as one shared word: "Zandkopsdrift" and "Zandkops Drift".
    """
    words_b = name_words(b)
    count = sum(1 for w in name_words(a) if any(_alike(w, v) for v in words_b))
    if count == 0:
        ca, cb = "".join(_words(a)), "".join(_words(b))
        if min(len(ca), len(cb)) >= 5 and (ca in cb or cb in ca):
            count = 1
    return count


def match_mines(
    mines: gpd.GeoDataFrame, extract: pd.DataFrame, *, max_km: float = MATCH_KM
) -> dict[str, str]:
    """Match curated mines to USGS records by name and distance (see the module's rule).

    Parameters
    ----------
    mines
        The ``mines`` layer (points in EPSG:4326).
    extract
        The extract (:func:`read_extract`).
    max_km
        The largest geodesic distance of a match.

    Returns
    -------
    dict
        Mine id -> USGS record id, for the mines that match one record unambiguously.
    """
    if mines.crs is not None and not mines.crs.equals(settings.WGS84):
        raise InputError(f"mines are in {mines.crs}, not {settings.WGS84}; use to_crs first")
    located = extract[extract["lon"].notna()]
    lons, lats = located["lon"].to_numpy(float), located["lat"].to_numpy(float)
    out: dict[str, str] = {}
    for mine in mines.itertuples():
        point = mine.geometry
        if point is None or point.geom_type != "Point":
            continue
        _, _, metres = _GEOD.inv(np.full(len(lons), point.x), np.full(len(lons), point.y),
                                 lons, lats)  # fmt: skip
        near = np.flatnonzero(metres <= max_km * 1000.0)
        names = located["name"].to_numpy(str)
        scored = sorted(
            ((shared_words(str(mine.name), names[i]), -metres[i], i) for i in near), reverse=True
        )
        scored = [s for s in scored if s[0] > 0]
        if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            continue  # no candidate, or two equally good ones: leave it to a curator
        out[str(mine.id)] = str(located["record_id"].iat[int(scored[0][2])])
    return out


def build_occurrences(
    extract: pd.DataFrame,
    curated: Mapping[str, str] | None = None,
    *,
    outlines: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The ``occurrences`` layer: one point per USGS record that has a location.

    Parameters
    ----------
    extract
        The extract (:func:`read_extract`).
    curated
        USGS record id -> curated mine id, for records a curated mine already shows; the
        occurrence then carries ``curated_mine_id`` and the map does not draw it twice.
    outlines
        Country outlines (``iso_a3``); a point outside its country's outline keeps USGS's
        coordinates and says so in ``notes``. Not checked when omitted.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, sorted by record id, with the contract's properties plus
        ``usgs_ree_id``, ``url``, ``state_or_province``, ``other_commodities`` and
        ``curated_mine_id``.
    """
    curated = curated or {}
    located = extract[extract["lon"].notna()].copy()
    located = located.iloc[np.argsort(located["record_id"].astype(int).to_numpy(), kind="stable")]
    records: list[dict[str, Any]] = [
        {
            "id": f"usgs-ree-{r.record_id}",
            "name": r.name,
            "layer": "occurrences",
            "country": r.country,
            "status": None,
            "owners": [],
            "elements": list(cast(list[str], r.elements)),
            "hree_share_pct": None,
            "capacity": None,
            "capacity_unit": None,
            "capacity_year": None,
            "sources": [OCCURRENCE_SOURCE, _COPY_SOURCE],
            "as_of": _AS_OF,
            "location_accuracy": "approximate",
            "location_precision_km": None,
            "notes": _NOTE.format(rid=r.record_id),
            "checked_on": _CHECKED_ON,
            "figure_sources": {},
            "usgs_ree_id": str(r.record_id),
            "url": r.url,
            "state_or_province": r.state_or_province or None,
            "other_commodities": "; ".join(cast(list[str], r.other_commodities)) or None,
            "curated_mine_id": curated.get(str(r.record_id)),
        }
        for r in located.itertuples()
    ]
    layer = gpd.GeoDataFrame(
        records,
        geometry=gpd.points_from_xy(located["lon"], located["lat"]),
        crs=settings.WGS84,
    )
    if outlines is not None:
        codes = layer["country"].fillna("")
        found = country_mismatches(layer.geometry, codes, outlines)
        layer["notes"] = [
            f"{note} Kept as USGS gives it, though {issue.removeprefix('geometry: ')}"
            f"{'' if issue.endswith('.') else '.'}"
            if isinstance(issue, str)
            else note
            for note, issue in zip(layer["notes"], found, strict=True)
        ]
    return layer


def drawn_occurrences(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The occurrences the map draws: those no curated mine already shows."""
    if "curated_mine_id" not in frame.columns:
        return frame
    return frame[frame["curated_mine_id"].isna()]
