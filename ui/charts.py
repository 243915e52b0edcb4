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
from layers.schema import CURRENT_STATUSES, STAGES

__all__ = [
    "Figure",
    "attributable_chart",
    "capacity_chart",
    "china_capacity_chart",
    "chokepoint_chart",
    "concentration_chart",
    "coverage_chart",
    "dependency_chart",
    "feature_sources",
    "figure_data",
    "outlook_chart",
    "scenario_chart",
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
            # 10+ series: a 20-colour scheme, labels long enough to name the source, and
            # the basis also as the line's dash (bases are never comparable)
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
    assets = asset_table(frames)
    data = assets[assets["status"].isin(statuses) & assets["capacity"].notna()
                  & assets["capacity_unit"].notna()]
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


def chokepoint_chart(exposure: pd.DataFrame, period: str) -> Figure:
    """Share of the importer's imports of ``period`` through each chokepoint (bars).

    Parameters
    ----------
    exposure
        :func:`layers.chokepoints.exposure` for one period (rows with flows only).
    period
        The period, for the title.
    """
    data = exposure[["chokepoint", "tonnage_unit", "tonnage", "total", "share_pct", "flows"]]
    data = data.sort_values("share_pct", ascending=False)
    chart = (
        alt.Chart(data, title=f"Share of Japan's rare-earth imports through each chokepoint, "
                              f"{period}")
        .mark_bar()
        .encode(
            y=alt.Y("chokepoint:N", title=None, sort="-x"),
            x=alt.X("share_pct:Q", title="share of the period's imports (%)",
                    scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("tonnage_unit:N", title="unit"),
            tooltip=["chokepoint:N", alt.Tooltip("share_pct:Q", title="share (%)", format=".1f"),
                     alt.Tooltip("tonnage:Q", format=",.0f"), "tonnage_unit:N",
                     alt.Tooltip("total:Q", title="all imports", format=",.0f"), "flows:Q"],
        )
        .properties(height=max(60, 24 * len(data)))
    )
    return Figure(chart, "Shares per unit (t and t metal equivalent are never added); sea "
                  "lanes are modelled from the flows' ports, not ship tracks. Sources: the "
                  "flows of that period (table below).")


def attributable_chart(totals: pd.DataFrame, owner: str) -> Figure:
    """Attributable capacity of an owner as range bars, per unit, element group and status.

    Parameters
    ----------
    totals
        :func:`layers.attributable.attributable_totals` (``low``/``high`` per row).
    owner
        The owner's name, for the title.
    """
    data = totals.assign(group=totals["element_group"] + " · " + totals["status_group"])
    base = alt.Chart(data, title=f"Capacity attributable to {owner} (range: stakes of "
                                 "unknown size count from nothing to all they could be)")
    bars = base.mark_bar(opacity=0.35).encode(
        y=alt.Y("group:N", title=None), x=alt.X("low:Q", title="attributable capacity"),
        x2="high:Q", color=alt.Color("status_group:N", title="status"),
        tooltip=["element_group:N", "status_group:N", "capacity_unit:N",
                 alt.Tooltip("low:Q", format=",.0f"), alt.Tooltip("high:Q", format=",.0f"),
                 "assets:Q"])
    ticks = base.mark_tick(thickness=2, size=14).encode(
        y="group:N", x="high:Q", color="status_group:N")
    chart = (alt.layer(bars, ticks, data=data)
             .properties(width=420, height=110)
             .facet(row=alt.Row("capacity_unit:N", title="unit"))
             .resolve_scale(x="independent"))
    return Figure(chart, "Capacity x look-through stake, per unit (never added across "
                  "units). A bar from its low to its high end is a range: some stake on the "
                  "way is not stated. Element groups count the capacity of assets producing "
                  "them, not tonnes of the elements.")


def scenario_chart(capacity: pd.DataFrame, title: str) -> Figure:
    """Capacity a disruption removes, per stage and unit (range bars, all elements).

    Parameters
    ----------
    capacity
        A scenario's ``capacity`` table (``stage``, ``capacity_unit``, ``element_group``,
        ``total``, ``lost_low``, ``lost_high``).
    title
        What was removed, for the title.
    """
    data = capacity[capacity["element_group"] == "all"]
    base = alt.Chart(data, title=f"Capacity lost: {title}")
    chart = (
        alt.layer(
            base.mark_bar(color="#d9d9d9").encode(
                y=alt.Y("stage:N", title=None), x=alt.X("total:Q", title="capacity")),
            base.mark_bar(color="#c0392b").encode(y="stage:N", x="lost_low:Q"),
            base.mark_tick(color="#c0392b", thickness=2, size=14).encode(
                y="stage:N", x="lost_high:Q",
                tooltip=["stage:N", "capacity_unit:N", alt.Tooltip("total:Q", format=",.0f"),
                         alt.Tooltip("lost_low:Q", format=",.0f"),
                         alt.Tooltip("lost_high:Q", format=",.0f")]),
            data=data)
        .properties(width=420, height=110)
        .facet(row=alt.Row("capacity_unit:N", title="unit"))
        .resolve_scale(x="independent")
    )
    return Figure(chart, "Grey: the stage's stated capacity; red: what the scenario removes "
                  "for certain; the tick: at most (a stake of unknown size). Units never added.")


def coverage_chart(table: pd.DataFrame) -> Figure:
    """How many features state each figure, per layer (bars, % of features).

    Parameters
    ----------
    table
        :func:`layers.coverage.coverage`.
    """
    chart = (
        alt.Chart(table, title="Share of features stating each figure")
        .mark_bar()
        .encode(
            y=alt.Y("figure:N", title=None, sort=None),
            x=alt.X("stated_pct:Q", title="features stating it (%)",
                    scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("layer:N", title="layer"),
            yOffset="layer:N",
            tooltip=["layer:N", "figure:N", "stated:Q", "features:Q",
                     alt.Tooltip("stated_pct:Q", title="stated (%)", format=".0f")],
        )
        .properties(height=max(120, 14 * len(table)))
    )
    return Figure(chart, "Every total on the map and in the analysis covers stated figures "
                  "only: what no source gives is left empty, never estimated.")


def china_capacity_chart(frames: Mapping[str, gpd.GeoDataFrame], *,
                         statuses: tuple[str, ...] = CURRENT_STATUSES) -> Figure:
    """Stated capacity inside and outside China, stacked by country, per stage and unit.

    Parameters
    ----------
    frames
        The layers; mines and refineries with a stated capacity are drawn.
    statuses
        Which assets count (operating and commissioning by default).
    """
    assets = asset_table(frames)
    data = assets[assets["status"].isin(statuses) & assets["capacity"].notna()
                  & assets["capacity_unit"].notna()].copy()
    data["where"] = data["country"].eq("CHN").map({True: "China", False: "outside China"})
    data = (data.groupby(["capacity_unit", "stage", "where", "country"], sort=True)
            .agg(capacity=("capacity", "sum"), sites=("name", lambda n: ", ".join(sorted(n))))
            .reset_index())
    chart = (
        alt.Chart(data, title="Stated capacity inside and outside China, by stage")
        .mark_bar()
        .encode(
            x=alt.X("stage:N", title=None, sort=list(STAGES)),
            xOffset=alt.XOffset("where:N", sort=["China", "outside China"]),
            y=alt.Y("sum(capacity):Q", title="capacity", stack=True),
            color=alt.Color("country:N", title="country"),
            tooltip=["where:N", "country:N", "stage:N", alt.Tooltip("capacity:Q", format=",.0f"),
                     "capacity_unit:N", "sites:N"],
        )
        .properties(width=420, height=150)
        .facet(row=alt.Row("capacity_unit:N", title="unit"))
        .resolve_scale(y="independent")
    )
    return Figure(chart, "Per stage, two bars: China (left) and outside China (right), each "
                  "stacked by country; units never added. Only sites whose capacity a source "
                  "states: China's stated capacities are few, so its bars are far from its "
                  "real output (see the coverage tab).")


def outlook_chart(by_year: pd.DataFrame, group: str, without_year: int) -> Figure:
    """Capacity outside China by the year each project is stated to start, per status
    (stacked) and unit (panels).

    Parameters
    ----------
    by_year
        :attr:`layers.outlook.Outlook.by_year`.
    group
        The element group shown, for the title.
    without_year
        How many projects have no sourced start year (named in the caption).
    """
    chart = (
        alt.Chart(by_year, title=f"Capacity outside China by stated start year ({group})")
        .mark_bar()
        .encode(
            x=alt.X("start_year:O", title="stated start year"),
            y=alt.Y("capacity:Q", title="capacity", stack=True),
            color=alt.Color("status:N", title="status"),
            tooltip=["start_year:O", "status:N", alt.Tooltip("capacity:Q", format=",.0f"),
                     "capacity_unit:N", "projects:Q"],
        )
        .properties(width=420, height=140)
        .facet(row=alt.Row("capacity_unit:N", title="unit"))
        .resolve_scale(y="independent")
    )
    return Figure(chart, f"Projects in development, construction or commissioning outside "
                  f"China with a stated capacity; each bar is the year its source says it "
                  f"starts. {without_year} such projects state no start year and have no bar "
                  "(table below). Units never added.")
