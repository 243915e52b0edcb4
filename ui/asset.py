"""One asset (a mine, a plant, a seabed area) as its page shows it, without Streamlit.

:func:`asset_view` gathers what a journalist needs to cite an asset: every figure with its
unit, the date it describes and the source that states it (title, publisher, kind, date,
from the feature's ``figure_sources``), when the feature was last checked, who owns it up
the chain, the offtakes and the trade flows that name it, and its notes. The page
(``pages/asset.py``) only lays it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from layers.ownership import OwnershipGraph
from layers.schema import FIGURE_STAKE_PREFIX
from ui.diagram import Diagram, asset_diagram
from ui.formatting import MISSING, is_missing, number_text, pct_text
from ui.mapview import build_map

#: How far around an asset its page looks for other known deposits (km).
NEARBY_KM = 100.0
_EQUAL_AREA = "EPSG:6933"

__all__ = ["ASSET_LAYERS", "AssetView", "asset_changes", "asset_map", "asset_view",
           "find_asset", "nearby"]

#: The layers that have a page per feature, and what one feature of each is called.
ASSET_LAYERS: dict[str, str] = {"mines": "mine", "refineries": "plant", "seabed": "seabed area"}

#: Each figure as a reader sees it: label, and the field holding its unit (or a fixed unit),
#: and the field holding the year or date it describes.
_FIGURES: tuple[tuple[str, str, str | None, str | None], ...] = (
    # field, label, unit (field name, or "=unit" for a fixed one), year field
    ("capacity", "Capacity", "capacity_unit", "capacity_year"),
    ("production", "Production", "production_unit", "production_year"),
    ("resource_mt", "Resource", "=Mt ore", "resource_year"),
    ("grade_treo_pct", "Grade", "=% TREO", "resource_year"),
    ("hree_share_pct", "Heavy-REE share", "=% of TREO", None),
    ("depth_m_min", "Depth from", "=m", None),
    ("depth_m_max", "Depth to", "=m", None),
    ("rey_ppm_max", "REY content, highest", "=ppm", None),
    ("rey_ppm_typical", "REY content, typical", "=ppm", None),
    ("resource_t", "Resource", "resource_unit", None),
)


@dataclass(frozen=True)
class AssetView:
    """Everything the asset page shows.

    Attributes
    ----------
    key
        ``layer/id``, as in the permalink ``?asset=``.
    name, kind, country, status
        Headline facts (``kind``: mine, plant, seabed area).
    facts
        Label -> text for the short facts (operator, stage, location, dates).
    figures
        One row per stated or missing figure: ``Figure``, ``Value``, ``Describes``,
        ``Source``, ``Publisher``, ``Kind``, ``Source date``, ``Link``.
    sources
        Every source of the feature: ``Title``, ``Publisher``, ``Kind``, ``Date``, ``Link``.
    owners
        The direct owners: ``Owner``, ``Stake``, ``Source``.
    offtakes
        Offtake agreements on its output: ``Buyer``, ``Seller``, ``Product``, ``Volume``,
        ``From``, ``To``.
    flows
        Trade flows that start or end at it: ``Period``, ``From``, ``To``, ``Product``,
        ``HS code``, ``Tonnage``.
    diagram
        Its owners up to the ultimate ones.
    notes
        The feature's notes (caveats, why a figure is empty), or "".
    lon, lat, precision_km
        The location and the radius within which the true site lies (None for areas).
    """

    key: str
    name: str
    kind: str
    country: str
    status: str
    facts: dict[str, str]
    figures: pd.DataFrame
    sources: pd.DataFrame
    owners: pd.DataFrame
    diagram: Diagram
    notes: str
    lon: float | None = None
    lat: float | None = None
    precision_km: float | None = None
    offtakes: pd.DataFrame = field(default_factory=pd.DataFrame)
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)


def find_asset(frames: Mapping[str, gpd.GeoDataFrame], key: str) -> pd.Series | None:
    """The feature ``layer/id`` names, or None when there is no such asset."""
    layer, _, fid = key.partition("/")
    frame = frames.get(layer)
    if layer not in ASSET_LAYERS or frame is None or not fid or "id" not in frame:
        return None
    hit = frame[frame["id"] == fid]
    return None if hit.empty else hit.iloc[0]


def _text(value: object) -> str:
    return MISSING if is_missing(value) else str(value)


def _sources(feature: pd.Series) -> list[dict[str, Any]]:
    value = feature.get("sources")
    return list(value) if isinstance(value, list | tuple) else []


def _source_cells(sources: list[dict[str, Any]], index: object) -> dict[str, str]:
    if not isinstance(index, int) or not 0 <= index < len(sources):
        return {"Source": "no source named", "Publisher": "", "Kind": "", "Source date": "",
                "Link": ""}
    src = sources[index]
    return {"Source": _text(src.get("title")), "Publisher": _text(src.get("publisher")),
            "Kind": _text(src.get("kind")), "Source date": _text(src.get("date")),
            "Link": src.get("url") or ""}


def _figure_rows(feature: pd.Series) -> list[dict[str, str]]:
    named = feature.get("figure_sources")
    named = named if isinstance(named, Mapping) else {}
    sources = _sources(feature)
    rows = []
    for column, label, unit_of, year_of in _FIGURES:
        if column not in feature.index:
            continue
        unit = unit_of[1:] if unit_of and unit_of.startswith("=") else feature.get(unit_of or "")
        value = feature.get(column)
        year = feature.get(year_of) if year_of else None
        rows.append({
            "Figure": label,
            "Value": number_text(value, None if is_missing(unit) else str(unit)),
            "Describes": "" if is_missing(value) else number_text(year, digits=0).replace(
                ",", "") if not is_missing(year) else _text(feature.get("as_of")),
            **(_source_cells(sources, named.get(column)) if not is_missing(value)
               else {"Source": "", "Publisher": "", "Kind": "", "Source date": "", "Link": ""}),
        })
    shares = feature.get("element_shares_pct")
    if isinstance(shares, Mapping) and shares:
        rows.append({
            "Figure": "Element distribution (% of TREO)",
            "Value": ", ".join(f"{el} {number_text(v)}%" for el, v in shares.items()),
            "Describes": _text(feature.get("as_of")),
            **_source_cells(sources, named.get("element_shares_pct")),
        })
    return rows


def _owner_rows(feature: pd.Series) -> list[dict[str, str]]:
    named = feature.get("figure_sources")
    named = named if isinstance(named, Mapping) else {}
    sources = _sources(feature)
    owners = feature.get("owners")
    rows = []
    for owner in owners if isinstance(owners, list | tuple) else []:
        stake = owner.get("stake_pct")
        cell = _source_cells(sources, named.get(f"{FIGURE_STAKE_PREFIX}{owner['name']}"))
        rows.append({"Owner": owner["name"], "Stake": pct_text(stake),
                     "Source": cell["Source"] if not is_missing(stake) else ""})
    return rows


def _offtake_rows(graph: OwnershipGraph, key: str) -> pd.DataFrame:
    rows = [{"Buyer": graph.name(o.buyer_id), "Seller": graph.name(o.seller_id),
             "Product": o.product, "Volume": number_text(o.volume, o.volume_unit),
             "From": _text(o.period_from), "To": _text(o.period_to)}
            for o in graph.offtakes if o.asset == key]
    return pd.DataFrame(rows, columns=["Buyer", "Seller", "Product", "Volume", "From", "To"])


def _flow_rows(routes: gpd.GeoDataFrame | None, fid: str) -> pd.DataFrame:
    columns = ["Period", "From", "To", "Product", "HS code", "Tonnage"]
    if routes is None or routes.empty:
        return pd.DataFrame(columns=columns)
    at = pd.Series(False, index=routes.index)
    for column in ("origin_site", "destination_site"):
        if column in routes:
            at |= routes[column].fillna("").eq(fid)
    hits = routes[at].drop_duplicates("flow_id") if "flow_id" in routes else routes[at]
    rows = [{"Period": _text(r.get("period")), "From": _text(r.get("origin")),
             "To": _text(r.get("destination")), "Product": _text(r.get("product")),
             "HS code": _text(r.get("hs_code")),
             "Tonnage": number_text(r.get("tonnage"), r.get("tonnage_unit"))}
            for _, r in hits.iterrows()]
    return pd.DataFrame(rows, columns=columns)


def asset_view(frames: Mapping[str, gpd.GeoDataFrame], graph: OwnershipGraph,
               key: str) -> AssetView | None:
    """What the page of asset ``key`` (``layer/id``) shows; None when there is no such asset.

    Parameters
    ----------
    frames
        The dataset's layers.
    graph
        The ownership graph over them.
    key
        ``layer/id``, e.g. ``mines/mount-weld``.
    """
    feature = find_asset(frames, key)
    if feature is None:
        return None
    layer = key.partition("/")[0]
    names = {f"{lay}/{fid}": name for lay, gdf in frames.items() if lay in ASSET_LAYERS
             for fid, name in zip(gdf["id"], gdf["name"], strict=True)}
    geometry = feature.get("geometry")
    point = geometry if isinstance(geometry, Point) else None
    stage = feature.get("stage")
    facts = {
        "Operator": _text(feature.get("operator")),
        **({"Stage": _text(stage)} if layer == "refineries" else {}),
        "Elements": ", ".join(feature.get("elements") or []) or MISSING,
        "Figures as of": _text(feature.get("as_of")),
        "Last checked against its sources": _text(feature.get("checked_on")),
        "Location": (f"{point.y:.4f}, {point.x:.4f} (lat, lon; "
                     f"{_text(feature.get('location_accuracy'))}, within "
                     f"{number_text(feature.get('location_precision_km'), 'km')})")
        if point is not None else "an area (see the map)",
    }
    sources = pd.DataFrame(
        [{"Title": _text(s.get("title")), "Publisher": _text(s.get("publisher")),
          "Kind": _text(s.get("kind")), "Date": _text(s.get("date")),
          "Link": s.get("url") or ""} for s in _sources(feature)],
        columns=["Title", "Publisher", "Kind", "Date", "Link"])
    return AssetView(
        key=key, name=str(feature["name"]), kind=ASSET_LAYERS[layer],
        country=_text(feature.get("country")), status=_text(feature.get("status")),
        facts=facts,
        figures=pd.DataFrame(_figure_rows(feature), columns=[
            "Figure", "Value", "Describes", "Source", "Publisher", "Kind", "Source date",
            "Link"]),
        sources=sources,
        owners=pd.DataFrame(_owner_rows(feature), columns=["Owner", "Stake", "Source"]),
        diagram=asset_diagram(graph, key, names=names),
        notes="" if is_missing(feature.get("notes")) else str(feature["notes"]),
        lon=None if point is None else float(point.x),
        lat=None if point is None else float(point.y),
        precision_km=None if is_missing(feature.get("location_precision_km"))
        else float(feature["location_precision_km"]),
        offtakes=_offtake_rows(graph, key),
        flows=_flow_rows(frames.get("routes"), str(feature["id"])),
    )


def nearby(frames: Mapping[str, gpd.GeoDataFrame], view: AssetView, *,
           within_km: float = NEARBY_KM) -> dict[str, gpd.GeoDataFrame]:
    """The other mines, plants and known deposits (USGS occurrences) within ``within_km``.

    Distances are measured in an equal-area projection (metres), never in degrees.
    """
    if view.lon is None or view.lat is None:
        return {}
    here = gpd.GeoSeries([Point(view.lon, view.lat)], crs="EPSG:4326").to_crs(_EQUAL_AREA)
    zone = here.buffer(within_km * 1000.0).iloc[0]
    out = {}
    for layer in ("mines", "refineries", "occurrences"):
        frame = frames.get(layer)
        if frame is None or frame.empty:
            continue
        hits = frame[frame.geometry.to_crs(_EQUAL_AREA).within(zone)]
        if layer == view.key.partition("/")[0]:  # not the asset itself
            hits = hits[hits["id"].astype(str) != view.key.partition("/")[2]]
        if len(hits):
            out[layer] = hits
    return out


def asset_map(frames: Mapping[str, gpd.GeoDataFrame], view: AssetView) -> folium.Map:
    """A small map of the asset, ringed, with its location's precision circle and what lies
    within :data:`NEARBY_KM` (other sites, known deposits)."""
    layer, _, fid = view.key.partition("/")
    own = frames[layer][frames[layer]["id"] == fid]
    shown = {**nearby(frames, view), layer: own}
    if view.lon is None or view.lat is None:
        return build_map(shown, highlight={layer: [fid]})
    pad = max(0.3, (view.precision_km or 0.0) / 80.0, NEARBY_KM / 111.0)
    focus = (view.lon - pad, view.lat - pad, view.lon + pad, view.lat + pad)
    m = build_map(shown, highlight={layer: [fid]}, focus=focus)
    if view.precision_km:
        folium.Circle(
            location=(view.lat, view.lon), radius=view.precision_km * 1000.0,
            color="#c0392b", weight=1.5, fill=True, fill_opacity=0.06,
            tooltip=f"The site lies within {number_text(view.precision_km, 'km')} of the point",
        ).add_to(m)
    return m


def asset_changes(changelog: pd.DataFrame, key: str) -> pd.DataFrame:
    """What the data's changelog records for the asset: ``Date``, ``Field``, ``Was``,
    ``Now``, ``Source``, ``Note`` (newest first)."""
    layer, _, fid = key.partition("/")
    columns = ["Date", "Field", "Was", "Now", "Source", "Note"]
    if changelog.empty:
        return pd.DataFrame(columns=columns)
    rows = changelog[(changelog["layer"] == layer) & (changelog["feature_id"] == fid)]
    out = pd.DataFrame({
        "Date": rows["date"].astype(str), "Field": rows["field"].astype(str),
        "Was": rows["old"].map(lambda v: "(empty)" if is_missing(v) else str(v)),
        "Now": rows["new"].map(lambda v: "(empty)" if is_missing(v) else str(v)),
        "Source": rows["source_url"].map(lambda v: "" if is_missing(v) else str(v)),
        "Note": rows["note"].map(lambda v: "" if is_missing(v) else str(v)),
    }, columns=columns)
    return out.sort_values("Date", ascending=False, kind="stable").reset_index(drop=True)
