"""Supply outlook: capacity outside China by status and by the year each project is stated
to start, beside the importer's offtakes.

Only what the data states counts: a project with no sourced ``start_year`` gets no bar
(it is counted apart), a site with no stated capacity adds nothing, and capacities are
never added across units. An element group (``NdPr``, ``Dy/Tb``, or ``all``) holds the
capacity of the sites that list any of its elements: tonnes of their product, not tonnes
of the elements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from layers.attributable import ASSET_LAYERS
from layers.ownership import OwnershipGraph
from layers.schema import ELEMENT_GROUPS

__all__ = ["OUTLOOK_COLUMNS", "Outlook", "importer_offtakes", "supply_outlook"]

OUTLOOK_COLUMNS = (
    "layer", "id", "name", "country", "status", "stage", "capacity", "capacity_unit",
    "start_year", "start_source",
)
#: Statuses whose start lies ahead or has just happened (the outlook's projects).
_PIPELINE = ("commissioning", "construction", "development")


@dataclass(frozen=True)
class Outlook:
    """The outlook for one element group.

    Attributes
    ----------
    projects
        One row per site outside China with a stated capacity and a pipeline status, the
        columns of :data:`OUTLOOK_COLUMNS` (``start_year`` empty where no source states one).
    by_year
        Capacity per unit, start year and status (projects with a start year only).
    without_year
        How many projects have no sourced start year (no bar for them).
    """

    projects: pd.DataFrame
    by_year: pd.DataFrame
    without_year: int


def _start_source(sources: object, named: object) -> str | None:
    if not isinstance(named, Mapping) or not isinstance(sources, list | tuple):
        return None
    index = named.get("start_year")
    if not isinstance(index, int) or not 0 <= index < len(sources):
        return None
    src = sources[index]
    return f"{src.get('publisher') or src.get('title')} ({src.get('date')})"


def supply_outlook(frames: Mapping[str, gpd.GeoDataFrame], *, group: str = "all",
                   importer: str = "CHN") -> Outlook:
    """Capacity being built outside China, by the year it is stated to start and status.

    Parameters
    ----------
    frames
        The layers (mines and refineries are read).
    group
        ``"all"`` or a key of ``layers.schema.ELEMENT_GROUPS``.
    importer
        The country whose sites are left out (China: the outlook is of supply outside it).

    Raises
    ------
    KeyError
        When ``group`` is neither ``all`` nor an element group.
    """
    wanted = None if group == "all" else ELEMENT_GROUPS[group]
    rows = []
    for layer in ASSET_LAYERS:
        frame = frames.get(layer)
        if frame is None or frame.empty:
            continue
        for _, f in frame.iterrows():
            elements = set(f.get("elements") or [])
            if (f["country"] == importer or f["status"] not in _PIPELINE
                    or pd.isna(f.get("capacity")) or (wanted and not elements & wanted)):
                continue
            start = f.get("start_year")
            rows.append({
                "layer": layer, "id": f["id"], "name": f["name"], "country": f["country"],
                "status": f["status"], "stage": f.get("stage") or "mining",
                "capacity": float(f["capacity"]), "capacity_unit": f["capacity_unit"],
                "start_year": None if pd.isna(start) else int(start),
                "start_source": _start_source(f.get("sources"), f.get("figure_sources")),
            })
    projects = pd.DataFrame(rows, columns=list(OUTLOOK_COLUMNS))
    dated = projects[projects["start_year"].notna()]
    by_year = (dated.groupby(["capacity_unit", "start_year", "status"], sort=True)
               .agg(capacity=("capacity", "sum"), projects=("name", "count"))
               .reset_index())
    return Outlook(projects.sort_values(["start_year", "name"], na_position="last")
                   .reset_index(drop=True), by_year, int(projects["start_year"].isna().sum()))


def importer_offtakes(graph: OwnershipGraph, *, country: str = "JPN") -> pd.DataFrame:
    """Offtakes whose buyer is an entity of ``country`` (Japan's by default).

    Returns
    -------
    DataFrame
        ``buyer, seller, product, asset, volume, volume_unit, from, to``.
    """
    rows = [{"buyer": graph.name(o.buyer_id), "seller": graph.name(o.seller_id),
             "product": o.product, "asset": o.asset, "volume": o.volume,
             "volume_unit": o.volume_unit, "from": o.period_from, "to": o.period_to}
            for o in graph.offtakes
            if (e := graph.entities.get(o.buyer_id)) is not None and e.country == country]
    return pd.DataFrame(rows, columns=["buyer", "seller", "product", "asset", "volume",
                                       "volume_unit", "from", "to"])
