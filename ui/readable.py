"""Tables as people read them: labels with units, ranges as ranges, names instead of ids.

The analysis functions of ``layers`` return frames with field names (``stake_pct``,
``attributable_low``/``attributable_high``, ``key``) that tests and the CLI's CSV rely on.
:func:`readable` turns one into what a page shows: each ``X_low``/``X_high`` pair becomes
one text column ("up to 607.5 t/yr NdPr oxide"), ``layer/id`` keys become the features'
names, yes/no for flags, and every column gets its label from :data:`LABELS`. Missing
figures stay missing (the page draws them as "—"); nothing reads "None".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from layers.ownership import OwnershipGraph
from ui.formatting import is_missing, range_text

__all__ = ["HIDDEN", "LABELS", "is_raw_label", "label", "node_names", "readable"]

#: Field name -> the label a table shows (units in brackets where the column has one).
LABELS: dict[str, str] = {
    "name": "Name", "layer": "Layer", "country": "Country", "status": "Status",
    "stage": "Stage", "owners": "Owners", "elements": "Elements",
    "hree_share_pct": "Heavy-REE share (% of TREO)", "hree_source": "Heavy-REE share: source",
    "capacity": "Capacity", "capacity_unit": "Capacity unit", "capacity_year": "Capacity year",
    "capacity_source": "Capacity: source", "as_of": "Figures as of", "checked_on": "Checked on",
    "source": "Source", "sources": "Sources", "stake_sources": "Stakes: source",
    "holds": "Holds", "stake_pct": "Stake (%)", "stake": "Look-through stake",
    "state_backed": "State-backed", "attributable": "Attributable capacity",
    "status_group": "Status group", "element_group": "Element group", "assets": "Assets",
    "offtake": "Offtake", "party": "Party", "role": "Role", "product": "Product",
    "asset": "Asset", "volume": "Volume", "volume_unit": "Volume unit", "from": "From",
    "to": "To", "period": "Period", "chokepoint": "Chokepoint",
    "tonnage_unit": "Unit", "tonnage": "Tonnage through it", "total": "Total imports",
    "share_pct": "Share of imports (%)", "flows": "Flows",
    "flows_without_tonnage": "Flows without a tonnage", "figure": "Figure",
    "stated": "Features stating it", "features": "Features", "stated_pct": "Stated (%)",
    "origin": "Origin", "before": "Before", "after": "After", "change": "Change",
    "change_pct": "Change (%)", "incomplete": "Incomplete", "lost": "Lost",
    "lost_pct": "Lost (% of total)", "flows_lost": "Flows lost", "assets_hit": "Assets hit",
    "destination": "Destination", "hs_code": "HS code", "unit": "Unit",
    "qualifier": "Qualifier", "estimated": "Estimated", "share_bound": "Share bound",
    "edition": "Edition", "notes": "Notes", "start_year": "Start year",
    "start_source": "Start year: source", "buyer": "Buyer", "seller": "Seller",
}
#: Columns kept for code (selection, joins) but not shown.
HIDDEN: frozenset[str] = frozenset({"key", "node", "chokepoint_id", "id", "series_id"})
_UNIT_COLUMNS = ("capacity_unit", "tonnage_unit", "volume_unit")
_RAW = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def node_names(frames: Mapping[str, gpd.GeoDataFrame], graph: OwnershipGraph) -> dict[str, str]:
    """Every graph node's name: entities (``jogmec``) and features (``mines/lofdal``)."""
    out = {node: entity.name for node, entity in graph.entities.items()}
    for layer, gdf in frames.items():
        if "name" in gdf and "id" in gdf:
            out.update({f"{layer}/{fid}": str(name)
                        for fid, name in zip(gdf["id"], gdf["name"], strict=True)})
    return out


def label(column: str) -> str:
    """The label of a field: from :data:`LABELS`, else a field id with spaces, capitalised
    (a column already named for people is kept as it is)."""
    if column in LABELS:
        return LABELS[column]
    return column.replace("_", " ").capitalize() if column == column.lower() else column


def is_raw_label(text: str) -> bool:
    """True for a field id shown as a label (``stake_pct``, ``as_of``)."""
    return bool(_RAW.match(text)) or (text in LABELS and text != LABELS[text])


def _unit(frame: pd.DataFrame, base: str) -> pd.Series:
    if base.endswith("_pct") or base.startswith("lost_pct"):
        return pd.Series("%", index=frame.index)
    for column in _UNIT_COLUMNS:
        if column in frame:
            return frame[column].astype(object)
    return pd.Series(None, index=frame.index, dtype=object)


def _ranges(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for low in [c for c in frame.columns if c == "low" or c.endswith("_low")]:
        base = low[: -len("_low")] if low != "low" else "attributable"
        high = "high" if low == "low" else f"{base}_high"
        if high not in frame:
            continue
        units = _unit(frame, base)
        text = [range_text(lo, hi, None if is_missing(u) or u == "%" else str(u))
                + ("%" if u == "%" and not is_missing(hi) else "")
                for lo, hi, u in zip(frame[low], frame[high], units, strict=True)]
        at = out.columns.get_loc(low)
        out = out.drop(columns=[low, high])
        out.insert(int(at), base, pd.Series(text, index=frame.index, dtype=object)  # type: ignore[arg-type]
                   .where(~frame[high].isna(), None))
    return out


def readable(frame: pd.DataFrame, *, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``frame`` as a page shows it (a copy; the argument is not changed).

    Parameters
    ----------
    frame
        A table with field names as columns.
    names
        Graph node or asset key (``mines/lofdal``, ``jogmec``) -> its name: cells holding
        one are shown as the name.

    Returns
    -------
    DataFrame
        Ranges as text, names instead of ids, flags as yes/no, :data:`HIDDEN` columns
        dropped, columns labelled by :func:`label`.
    """
    names = names or {}
    out = _ranges(frame)
    for column in ("holds", "asset", "name"):
        if column in out and names:
            out[column] = out[column].map(lambda v: names.get(v, v) if isinstance(v, str) else v)
    for column in out.columns:
        if out[column].dtype == bool:
            out[column] = out[column].map({True: "yes", False: "no"})
    out = out.drop(columns=[c for c in out.columns if c in HIDDEN])
    return out.rename(columns={c: label(c) for c in out.columns})
