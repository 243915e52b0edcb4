"""Altair chart specs for the analysis, each with a caption naming its sources.

The specs are plain Vega-Lite (``chart.to_dict()``): the app draws them, the tests read
their data and captions. Nothing here imports Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import altair as alt
import geopandas as gpd
import pandas as pd

from layers.attributable import ASSET_LAYERS, asset_table
from layers.dependency import HHI_UNIT
from layers.schema import CURRENT_STATUSES

__all__ = [
    "Figure",
    "capacity_chart",
    "concentration_chart",
    "dependency_chart",
    "feature_sources",
    "figure_data",
    "stated_capacity",
    "table_sources",
]


@dataclass(frozen=True)
class Figure:
    """A chart and the caption to show under it (its sources and what it leaves out)."""

    chart: alt.Chart | alt.FacetChart
    caption: str


def _sources(rows: Iterable[tuple[str, str, str]]) -> str:
    seen: list[str] = []
    for publisher, title, when in rows:
        text = f"{publisher or title} ({when})" if when else (publisher or title)
        if text not in seen:
            seen.append(text)
    return "; ".join(seen)


def feature_sources(frames: Iterable[pd.DataFrame]) -> list[tuple[str, str, str]]:
    """(publisher, title, date) of every source of the features in ``frames``."""
    return [
        (src.get("publisher") or "", src.get("title") or "", src.get("date") or "")
        for frame in frames
        for sources in frame["sources"]
        for src in (sources if isinstance(sources, list) else [])
    ]


def table_sources(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(publisher, title, date) of each row of a table with ``source_*`` columns."""
    return list(zip(table["source_publisher"].fillna(""), table["source_title"].fillna(""),
                    table["source_date"].fillna(""), strict=True))


def dependency_chart(series: pd.DataFrame) -> Figure:
    """Import dependence, one panel per importer (Japan, the United States, the EU).

    Each sourced series is its own line, coloured by its label (importer, source, basis)
    and dashed by its basis; the measure (China's share of imports, or net import
    reliance) is in the label and the tooltip.

    Parameters
    ----------
    series
        The output of :func:`layers.dependency.dependency_series`.
    """
    data = series[["importer", "label", "series_id", "period", "date", "share_pct", "basis",
                   "measure_text", "source_title", "source_publisher"]].copy()
    data["date"] = data["date"].dt.strftime("%Y-%m-%d")
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="period"),
            y=alt.Y("share_pct:Q", title="share (%)", scale=alt.Scale(domain=[0, 100])),
            # up to 20 series a panel: a 20-colour scheme per panel (each panel has its
            # own legend), labels long enough to name the source, and the basis also as
            # the line's dash (bases are never comparable)
            color=alt.Color("label:N", title="series (importer: source, basis)",
                            scale=alt.Scale(scheme="tableau20"),
                            legend=alt.Legend(labelLimit=360, rowPadding=1)),
            strokeDash=alt.StrokeDash("basis:N", legend=None),  # the label names the basis
            detail="series_id:N",
            tooltip=["label:N", "measure_text:N", "period:N", "share_pct:Q", "basis:N",
                     "source_title:N"],
        )
        .properties(width=520, height=190)
        .facet(row=alt.Row("importer:N", title="importer",
                           sort=sorted(data["importer"].unique(), key=_importer_order)))
        .resolve_scale(color="independent")
        .properties(title="Import dependence on China by importer, one line per sourced series")
    )
    importers = ", ".join(sorted(data["importer"].unique(), key=_importer_order))
    caption = (
        f"Importers: {importers}. Each line is one sourced series, never merged: measures "
        "differ (China's share of rare-earth imports; for the United States also USGS net "
        "import reliance, net imports as a share of apparent consumption) and so do bases "
        "(tonnage, metal equivalent, unstated). Sources: " + _sources(table_sources(series))
        + "."
    )
    return Figure(chart, caption)


def _importer_order(importer: str) -> tuple[int, str]:
    # Japan first (the project's first reader), then the others alphabetically
    return (0 if importer == "JPN" else 1, importer)


def stated_capacity(frames: Mapping[str, gpd.GeoDataFrame],
                    statuses: tuple[str, ...] = CURRENT_STATUSES) -> pd.DataFrame:
    """The mines and plants of ``statuses`` whose capacity and its unit a source states
    (:func:`layers.attributable.asset_table` rows): what the capacity charts draw."""
    assets = asset_table(frames)
    return assets[assets["status"].isin(statuses) & assets["capacity"].notna()
                  & assets["capacity_unit"].notna()]


def capacity_chart(
    frames: Mapping[str, gpd.GeoDataFrame], *, statuses: tuple[str, ...] = CURRENT_STATUSES
) -> Figure:
    """Capacity by country and stage, one panel per capacity unit (units never added).

    Parameters
    ----------
    frames
        The layers; mines and refineries with a stated capacity are drawn.
    statuses
        Which assets count (operating and commissioning by default).
    """
    data = stated_capacity(frames, statuses)
    drawn = [frame[frame["id"].isin(data.loc[data["layer"] == layer, "id"])]
             for layer, frame in frames.items() if layer in ASSET_LAYERS]
    count = len(data)
    data = (
        data.groupby(["capacity_unit", "country", "stage"], sort=True)
        .agg(capacity=("capacity", "sum"), sites=("id", lambda ids: ", ".join(sorted(ids))))
        .reset_index()
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("country:N", title="country"),
            xOffset="stage:N",
            y=alt.Y("capacity:Q", title="capacity"),
            color=alt.Color("stage:N", title="stage"),
            tooltip=["country:N", "stage:N", "capacity:Q", "capacity_unit:N", "sites:N"],
        )
        .properties(width=420, height=160)
        .facet(row=alt.Row("capacity_unit:N", title="unit"))
        .resolve_scale(y="independent")
        .properties(title="Capacity by country and stage (one panel per unit)")
    )
    caption = (
        f"Stated capacity of {count} {', '.join(statuses)} mines and plants; stages side by "
        "side, never stacked, and units never added. Sources: "
        + _sources(feature_sources(drawn)) + "."
    )
    return Figure(chart, caption)


def concentration_chart(
    imports: pd.DataFrame, hhi: pd.DataFrame, sources: Iterable[tuple[str, str, str]]
) -> Figure:
    """Japan's imports by origin per period, one panel per unit and product, with the HHI.

    Parameters
    ----------
    imports
        :func:`layers.dependency.imports_by_origin`.
    hhi
        :func:`layers.dependency.concentration` (its values go into the tooltips).
    sources
        (publisher, title, date) of the flows drawn, for the caption.
    """
    data = imports.merge(hhi[["period", "tonnage_unit", "product", "hhi"]],
                         on=["period", "tonnage_unit", "product"], how="left")
    data["market"] = data["product"] + " (" + data["tonnage_unit"] + ")"
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("period:O", title="period"),
            y=alt.Y("tonnage:Q", title="tonnage"),
            color=alt.Color("origin:N", title="origin"),
            tooltip=["period:N", "origin:N", "tonnage:Q", "tonnage_unit:N", "share_pct:Q",
                     alt.Tooltip("hhi:Q", title="HHI")],
        )
        .properties(width=420, height=140)
        .facet(row=alt.Row("market:N", title=None))
        .resolve_scale(y="independent", x="independent")
        .properties(title="Japan's rare-earth imports by origin")
    )
    caption = (
        f"Tonnages of data/flows.csv into Japan; {HHI_UNIT}, computed only over the origins "
        "the data holds (not where it holds one). Sources: " + _sources(sources) + "."
    )
    return Figure(chart, caption)


def figure_data(figure: Figure) -> pd.DataFrame:
    """The table a chart draws (what its CSV download holds)."""
    data = figure.chart.data
    return data.copy() if isinstance(data, pd.DataFrame) else pd.DataFrame()
