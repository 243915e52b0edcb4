"""The countries layer of the map: USGS figures of one measure and year joined to the
country outlines, in classes with units; zero, "not available" and "no data" are classes
of their own (a country USGS does not list is never drawn as zero).
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import pandas as pd

from layers.countries import FLAGS, MEASURES, current, measure_name, world_total

__all__ = ["CLASS_EDGES", "choropleth_frame", "choropleth_values", "class_labels"]


#: Class edges (t REO) of the choropleth, per measure: a value falls in the first class
#: whose upper edge exceeds it. Zero and "no data" are classes of their own, never these.
CLASS_EDGES: Final[dict[str, tuple[float, ...]]] = {
    "mine_production": (1_000.0, 10_000.0, 50_000.0, 100_000.0, float("inf")),
    "reserves": (1_000_000.0, 5_000_000.0, 10_000_000.0, 20_000_000.0, float("inf")),
}


def class_labels(measure: str) -> list[str]:
    """The legend labels of the classes of a measure, with the unit ("1,000-10,000 t REO")."""
    name = measure_name(measure)
    edges = CLASS_EDGES[name]
    unit = MEASURES[name]
    labels, low = [], 0.0
    for high in edges:
        if high == float("inf"):
            labels.append(f"{low:,.0f} {unit} or more")
        else:
            labels.append(f"{'over 0' if low == 0 else f'{low:,.0f}'} to {high:,.0f} {unit}")
        low = high
    return labels


def choropleth_values(
    stats: pd.DataFrame, measure: str, year: int, countries: list[str]
) -> pd.DataFrame:
    """Per country code, what the choropleth shows for one measure and year.

    Parameters
    ----------
    stats
        The country statistics (:func:`load_country_stats`).
    measure
        ``production`` or ``reserves`` (or the full measure name).
    year
        The year.
    countries
        ISO3 codes to colour (the basemap's countries).

    Returns
    -------
    DataFrame
        ``country, state, class_index, value, qualifier, estimated, edition, source_url,
        notes``; ``state`` is ``value`` (a figure: ``class_index`` 0..n-1), ``zero`` (USGS
        prints a dash), ``not available`` (USGS's NA, W or E) or ``no data`` (the country is
        not in USGS's table that year): never a zero for a missing country.
    """
    name = measure_name(measure)
    rows = current(stats)
    sel = rows[(rows["measure"] == name) & (rows["year"] == year)].set_index("country")
    edges = CLASS_EDGES[name]
    out: list[dict[str, Any]] = []
    records = {str(k): {str(c): v for c, v in r.items()} for k, r in sel.to_dict("index").items()}
    for code in countries:
        if code not in records:
            out.append({"country": code, "state": "no data", "class_index": None})
            continue
        r = records[code]
        value = float(r["value"])
        if r["flag"] == "zero":
            state, klass = "zero", None
        elif pd.isna(value):
            state, klass = "not available", None
        else:
            state = "value"
            klass = next(i for i, high in enumerate(edges) if value < high)
        out.append(
            {"country": code, "state": state, "class_index": klass,
             "value": None if pd.isna(value) else value, "qualifier": r["qualifier"],
             "flag": r["flag"], "estimated": bool(r["estimated"]), "edition": r["edition"],
             "source_title": r["source_title"], "source_url": r["source_url"],
             "source_date": r["source_date"], "source_publisher": r["source_publisher"],
             "notes": r["notes"]}
        )  # fmt: skip
    columns = ["country", "state", "class_index", "value", "qualifier", "flag", "estimated",
               "edition", "source_title", "source_url", "source_date", "source_publisher",
               "notes"]  # fmt: skip
    return pd.DataFrame(out, columns=columns)


def _figure_text(value: float | None, qualifier: str | None, flag: str | None,
                 estimated: bool, unit: str) -> str:
    flag = flag if isinstance(flag, str) else None
    qualifier = qualifier if isinstance(qualifier, str) else ""
    if flag == "zero":
        return f"0 {unit} (USGS: —, zero)"
    if flag in FLAGS:
        return f"{FLAGS[flag]} (USGS: {flag})"
    if value is None or pd.isna(value):
        return "not in USGS's table"
    text = f"{qualifier}{value:,.0f} {unit}"
    return f"{text} (estimated)" if estimated else text


def choropleth_frame(
    stats: pd.DataFrame, measure: str, year: int, outlines: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The country outlines with what the choropleth shows for one measure and year.

    Parameters
    ----------
    stats
        The country statistics (:func:`load_country_stats`).
    measure, year
        What to show (``production`` or ``reserves``).
    outlines
        Country outlines with ``iso_a3`` and ``name`` (``data/countries.geojson``).

    Returns
    -------
    GeoDataFrame
        One row per outline: ``id``, ``name``, ``layer`` ("countries"), ``country``,
        ``state`` (``value``, ``zero``, ``not available``, ``no data``), ``class_index``,
        ``figure`` (text with unit), ``share`` and ``world`` (text), ``edition``,
        ``sources`` (the edition that states the figure, or the table the country is
        missing from), ``as_of`` (the year), ``notes``.
    """
    name = measure_name(measure)
    unit = MEASURES[name]
    codes = [str(c) for c in outlines["iso_a3"]]
    values = choropleth_values(stats, name, year, codes)
    world = world_total(stats, name, year)
    rows = current(stats)
    year_rows = rows[(rows["measure"] == name) & (rows["year"] == year)]
    edition_source = (
        [] if year_rows.empty else [_source(year_rows.sort_values("source_date").iloc[-1])]
    )
    w = None if world is None else {str(k): v for k, v in world.items()}
    world_text = "not stated" if w is None else _figure_text(
        float(w["value"]), w["qualifier"], w["flag"], bool(w["estimated"]), unit
    )  # fmt: skip
    bound = w is not None and w["qualifier"] == ">"
    records: list[dict[str, Any]] = []
    for code, label, v in zip(codes, outlines["name"], values.to_dict("records"), strict=True):
        value = v["value"] if v["state"] in ("value", "zero") else None
        share = ""
        if value is not None and w is not None and float(w["value"]) > 0:
            pct = 100.0 * value / float(w["value"])
            share = f"{'under ' if bound else ''}{pct:.1f}% of world"
        missing = v["state"] == "no data"
        figure = (
            "no data: not in USGS's table for this year"
            if missing
            else _figure_text(value, v["qualifier"], v["flag"], bool(v["estimated"]), unit)
        )
        records.append(
            {"id": code.lower(), "name": str(label), "layer": "countries", "country": code,
             "state": v["state"], "class_index": v["class_index"], "figure": figure,
             "share": share, "world": world_text, "edition": None if missing else v["edition"],
             "sources": edition_source if missing else [_source(v)], "as_of": str(year),
             "notes": None if missing else v["notes"]}
        )  # fmt: skip
    return gpd.GeoDataFrame(records, geometry=outlines.geometry.to_numpy(), crs=outlines.crs)


def _source(row: Any) -> dict[str, str]:
    r = {str(k): v for k, v in dict(row).items()}
    return {"title": str(r["source_title"]), "url": str(r["source_url"]),
            "date": str(r["source_date"]), "publisher": str(r["source_publisher"]),
            "kind": str(r.get("source_kind") or "primary")}
