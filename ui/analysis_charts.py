"""Charts of the analysis pages where a reader would rather look than read: chokepoint
shares, attributable capacity, scenario losses, data coverage, capacity inside and outside
China, and the supply outlook. Each is a :class:`ui.charts.Figure` (chart and the caption
naming its sources); units are never added, ranges are drawn as ranges.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import geopandas as gpd
import pandas as pd

from layers.schema import CURRENT_STATUSES, STAGES
from ui.charts import Figure, stated_capacity

__all__ = [
    "attributable_chart",
    "china_capacity_chart",
    "chokepoint_chart",
    "coverage_chart",
    "outlook_chart",
    "scenario_chart",
]


def _per_unit(chart: alt.LayerChart | alt.FacetChart) -> alt.FacetChart:
    """One panel per capacity unit, each with its own scale (units are never added)."""
    return (chart.properties(width=420, height=110)
            .facet(row=alt.Row("capacity_unit:N", title="unit"))
            .resolve_scale(x="independent"))


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
    chart = _per_unit(alt.layer(bars, ticks, data=data))
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
        _per_unit(alt.layer(
            base.mark_bar(color="#d9d9d9").encode(
                y=alt.Y("stage:N", title=None), x=alt.X("total:Q", title="capacity")),
            base.mark_bar(color="#c0392b").encode(y="stage:N", x="lost_low:Q"),
            base.mark_tick(color="#c0392b", thickness=2, size=14).encode(
                y="stage:N", x="lost_high:Q",
                tooltip=["stage:N", "capacity_unit:N", alt.Tooltip("total:Q", format=",.0f"),
                         alt.Tooltip("lost_low:Q", format=",.0f"),
                         alt.Tooltip("lost_high:Q", format=",.0f")]),
            data=data))
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
    data = stated_capacity(frames, statuses).copy()
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
