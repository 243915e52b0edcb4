"""Charts of the country statistics (USGS MCS): production by country, China's shares.

Vega-Lite specs through Altair, each with a caption naming its sources; nothing here
imports Streamlit. Only current figures are drawn (a superseded edition's figure never
is), and shares are over USGS's own stated world totals.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from layers.countries import AGGREGATES, current, share_series
from ui.charts import Figure

__all__ = ["china_share_chart", "production_chart"]


def _editions(rows: pd.DataFrame) -> str:
    pairs = sorted(set(zip(rows["edition"], rows["source_date"], strict=True)), key=lambda p: p[1])
    return "; ".join(f"USGS {e} ({d})" for e, d in pairs)


def production_chart(stats: pd.DataFrame) -> Figure:
    """Mine production by country and year, stacked (t REO); USGS's "Other" on top.

    The stack adds the countries USGS lists; the world total USGS states is drawn as a
    tick beside it, so a gap shows rounding, never a sum passed off as USGS's.
    """
    rows = current(stats)
    rows = rows[(rows["measure"] == "mine_production") & rows["value"].notna()]
    bars = rows[(rows["country"] != "WLD") & (rows["value"] > 0)].copy()
    bars["label"] = bars["country_name"]
    order = (
        bars[bars["country"] != "OTH"].groupby("label")["value"].max().sort_values(ascending=False)
    )
    labels = [*order.index, AGGREGATES["OTH"]]
    world = rows[rows["country"] == "WLD"][["year", "value", "edition"]]
    base = alt.Chart(bars).mark_bar().encode(
        x=alt.X("year:O", title="year"),
        y=alt.Y("sum(value):Q", title="mine production (t REO)", stack="zero"),
        color=alt.Color("label:N", title="country (USGS)", sort=labels,
                        scale=alt.Scale(scheme="tableau20")),
        order=alt.Order("value:Q", sort="descending"),
        tooltip=["year:O", "label:N", alt.Tooltip("value:Q", format=",", title="t REO"),
                 "estimated:N", "edition:N"],
    )  # fmt: skip
    ticks = alt.Chart(world).mark_tick(color="black", thickness=2, size=28).encode(
        x="year:O", y="value:Q",
        tooltip=["year:O", alt.Tooltip("value:Q", format=",", title="world total, t REO"),
                 "edition:N"],
    )  # fmt: skip
    chart = (base + ticks).properties(height=320)
    caption = (
        "Mine production by country, t REO (rare-earth oxide equivalent); the black tick is "
        "the world total as USGS states it (rounded), not a sum. Most figures are USGS "
        "estimates. Years before 2023 are not in the data yet. Sources: "
        + _editions(rows) + "."
    )
    return Figure(chart, caption)


def china_share_chart(stats: pd.DataFrame) -> Figure:
    """China's share of world mine production and of reserves, per year, from USGS's totals.

    A share over a total USGS gives as a lower bound (reserves ">90,000,000") is an upper
    bound itself: drawn as a hollow point and labelled "under".
    """
    parts = []
    for measure, label in (("mine_production", "mine production"), ("reserves", "reserves")):
        series = share_series(stats, measure)
        series["measure"] = label
        parts.append(series)
    data = pd.concat(parts, ignore_index=True)
    data["kind"] = ["upper bound" if b else "share" for b in data["bound"]]
    chart = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(filled=False, size=70)).encode(
        x=alt.X("year:O", title="year"),
        y=alt.Y("share_pct:Q", title="China's share (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("measure:N", title="of world"),
        strokeDash=alt.StrokeDash("kind:N", title="value"),
        tooltip=["year:O", "measure:N", "text:N",
                 alt.Tooltip("china:Q", format=",", title="China, t REO"),
                 alt.Tooltip("world:Q", format=",", title="world (USGS), t REO")],
    ).properties(height=260)  # fmt: skip
    rows = current(stats)
    rows = rows[rows["measure"].isin(["mine_production", "reserves"])]
    caption = (
        "China's share = China's figure over the world total USGS states for that year. "
        "Where USGS gives the world's reserves as a lower bound (\">90,000,000\"), China's "
        "share is at most the value shown (dashed). Sources: " + _editions(rows) + "."
    )
    return Figure(chart, caption)
