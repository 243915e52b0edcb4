"""The Python API for notebooks: load, select, attributable capacity, scenarios.

Everything here is re-exported by ``reemap/__init__.py`` (its ``__all__`` is the stable
surface); this module's name starts with ``_`` because callers import from ``reemap``.
Each function returns frames with the columns of the CSV the matching command writes
(``reemap export``, ``reemap owner``, ``reemap scenario``), with list-valued properties
kept as Python lists instead of JSON text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.errors import InputError
from layers.attributable import owner_entity, owner_tables
from layers.catalog import load_layers, merge_imported
from layers.ownership import OwnershipGraph
from layers.ownership_files import load_graph
from layers.query import Query, apply_query, parse_values
from layers.scenario import parse_disruption, run_scenario
from layers.schema import CURRENT_STATUSES, STATUSES
from layers.tables import load_dependency, load_flows, load_offtakes

__all__ = ["Dataset", "attributable", "load", "scenario", "select"]

Values = str | Sequence[str] | None


@dataclass(frozen=True)
class Dataset:
    """Every layer, the ownership graph and the tables, as :func:`load` returns them.

    Attributes
    ----------
    layers
        Layer name -> GeoDataFrame in EPSG:4326 (``mines``, ``refineries``, ``seabed``,
        ``routes``, ``ports``, ``chokepoints``), with imported layers merged in when asked.
    graph
        The ownership graph (entities, equity stakes current on ``on``, offtakes).
    entities
        ``data/ownership/entities.csv``: one row per company, agency or fund.
    stakes
        ``data/ownership/stakes.csv``: equity stakes between entities, with their dates.
    offtakes
        ``data/ownership/offtakes.csv``: offtake agreements (not equity).
    flows
        ``data/flows.csv``: trade flows (origin, destination, product, tonnage, period).
    dependency
        ``data/dependency.csv``: China's share of Japan's imports, one row per series and
        period.
    data_dir
        The folder the curated data came from.
    on
        The day the stakes in ``graph`` are current on.
    """

    layers: dict[str, gpd.GeoDataFrame]
    graph: OwnershipGraph
    entities: pd.DataFrame
    stakes: pd.DataFrame
    offtakes: pd.DataFrame
    flows: pd.DataFrame
    dependency: pd.DataFrame
    data_dir: Path
    on: date


def _day(on: date | str | None) -> date:
    if on is None:
        return date.today()
    if isinstance(on, date):
        return on
    try:
        return date.fromisoformat(on)
    except ValueError:
        raise InputError(f"on={on!r}: not a date (YYYY-MM-DD)") from None


def _table(path: Path, loader: object = None) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame()
    if callable(loader):
        result = loader(path)
        assert isinstance(result, pd.DataFrame)
        return result
    return pd.read_csv(path, dtype=str, keep_default_na=False).replace({"": None})


def load(
    data_dir: str | Path | None = None,
    *,
    imported: bool = True,
    on: date | str | None = None,
) -> Dataset:
    """Load every layer, the ownership graph and the tables.

    Parameters
    ----------
    data_dir
        The data folder (the bundled data, or ``REEMAP_DATA_DIR``, when omitted).
    imported
        Merge the layers imported with ``reemap import`` into their layers, as
        ``reemap export`` does (ids ``LABEL--id``, ``source_label`` set).
    on
        Stakes current on this day count in the graph (today when omitted).

    Returns
    -------
    Dataset
        The layers as GeoDataFrames in EPSG:4326, the graph and the tables.

    Raises
    ------
    geo.errors.InputError
        A file cannot be read, or ``on`` is not a date.
    geo.errors.DataError
        The data breaks its schema (every problem listed).
    """
    folder = Path(data_dir) if data_dir is not None else settings.DATA_DIR
    day = _day(on)
    frames = load_layers(data_dir=folder)
    if imported:
        frames = merge_imported(frames)
    return Dataset(
        layers=frames,
        graph=load_graph(frames, data_dir=folder, on=day),
        entities=_table(folder / "ownership" / "entities.csv"),
        stakes=_table(folder / "ownership" / "stakes.csv"),
        offtakes=_table(folder / "ownership" / "offtakes.csv", load_offtakes),
        flows=_table(folder / "flows.csv", load_flows),
        dependency=_table(folder / "dependency.csv", load_dependency),
        data_dir=folder,
        on=day,
    )


def _values(value: Values) -> tuple[str, ...]:
    if value is None:
        return ()
    return parse_values([value] if isinstance(value, str) else value)


def select(
    dataset: Dataset | None = None,
    *,
    layer: Values = None,
    element: Values = None,
    owner: Values = None,
    country: Values = None,
    status: Values = None,
    stage: Values = None,
    min_hree: float | None = None,
    state_backed: bool = False,
    capacity_unit: Values = None,
    min_capacity: float | None = None,
    max_capacity: float | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Filter the layers as ``reemap export`` does.

    Filters combine with AND between kinds and OR within one; each takes one value, a
    list, or comma-separated text. ``owner`` matches up the ownership chain (``JOGMEC``
    keeps Mount Weld, held by Lynas, in which JOGMEC holds a stake through JARE).

    Parameters
    ----------
    dataset
        What :func:`load` returned (loaded afresh when omitted).
    layer, element, owner, country, status, stage
        The values to keep (``element=["Dy", "Tb"]``, ``country="AUS"``).
    min_hree
        Minimum heavy-REE share of TREO, in %.
    state_backed
        Keep only assets a state entity holds, directly or up the chain.
    capacity_unit, min_capacity, max_capacity
        A capacity range, compared in ``capacity_unit`` when given.

    Returns
    -------
    dict of str to GeoDataFrame
        Layer name -> the features kept, in EPSG:4326, with the columns of the CSV
        ``reemap export --format csv`` writes (lists stay lists here). New frames: the
        dataset is never changed.

    Raises
    ------
    geo.errors.InputError
        An unknown layer, element, status, unit or owner, or an empty range.
    """
    data = dataset if dataset is not None else load()
    query = Query(
        layers=_values(layer),
        elements=_values(element),
        owners=_values(owner),
        countries=_values(country),
        statuses=_values(status),
        stages=_values(stage),
        min_hree=min_hree,
        state_backed=state_backed,
        capacity_min=min_capacity,
        capacity_max=max_capacity,
        capacity_units=_values(capacity_unit),
    )
    return apply_query(data.layers, query, data.graph)


def _graph_on(data: Dataset, on: date | str | None) -> OwnershipGraph:
    if on is None or _day(on) == data.on:
        return data.graph
    return load_graph(data.layers, data_dir=data.data_dir, on=_day(on))


def attributable(
    owner: str, dataset: Dataset | None = None, *, on: date | str | None = None
) -> dict[str, pd.DataFrame]:
    """What an owner holds: direct stakes, assets, attributable capacity, offtakes.

    Attributable capacity is capacity x look-through stake; where a stake's size is not
    sourced the result is a range (``attributable_low`` .. ``attributable_high``).

    Parameters
    ----------
    owner
        An entity id or name, any case (``"JOGMEC"``, ``"lynas"``).
    dataset
        What :func:`load` returned (loaded afresh when omitted).
    on
        Stakes current on this day (the dataset's day when omitted).

    Returns
    -------
    dict of str to DataFrame
        The tables ``reemap owner NAME --format csv`` prints, under the same names and
        with the same columns: ``direct stakes``, ``assets (look-through)``,
        ``attributable capacity (by status, unit, element group)`` and
        ``offtakes of the owner and of entities it holds (not equity)``.

    Raises
    ------
    geo.errors.InputError
        No entity has that id or name.
    """
    data = dataset if dataset is not None else load()
    graph = _graph_on(data, on)
    return owner_tables(data.layers, graph, owner_entity(graph, owner))


def scenario(
    without: str | Sequence[str],
    dataset: Dataset | None = None,
    *,
    status: Values = None,
    destination: str = "JPN",
    on: date | str | None = None,
) -> dict[str, pd.DataFrame]:
    """What is lost without a country, a facility, an owner or a chokepoint.

    Parameters
    ----------
    without
        ``"KIND:ID"`` or a list of them that strike together: ``country:CHN``,
        ``facility:mount-weld``, ``owner:JOGMEC`` or ``chokepoint:malacca``. Together, an
        asset or flow is lost at least as far as the worst of them takes it, at most as
        far as their sum (exact for countries, facilities and chokepoints).
    dataset
        What :func:`load` returned (loaded afresh when omitted).
    status
        The statuses whose capacity counts (operating and commissioning when omitted).
    destination
        The importer whose losses are counted (ISO 3166-1 alpha-3).
    on
        Stakes current on this day (the dataset's day when omitted).

    Returns
    -------
    dict of str to DataFrame
        The tables ``reemap scenario --without KIND:ID --format csv`` prints, under the same
        names and with the same columns: imports lost per period, unit and product;
        capacity lost by stage, unit and element group; capacity outside China.

    Raises
    ------
    geo.errors.InputError
        A malformed or unknown target, an unknown status, or no disruption.
    """
    items = [without] if isinstance(without, str) else list(without)
    if not items:
        raise InputError("without=[]: give at least one disruption (KIND:ID)")
    statuses = _values(status) or tuple(CURRENT_STATUSES)
    for s in statuses:
        if s not in STATUSES:
            raise InputError(f"unknown status {s!r}; statuses are {', '.join(STATUSES)}")
    what = [parse_disruption(item) for item in items]
    data = dataset if dataset is not None else load()
    result = run_scenario(
        what, data.layers, _graph_on(data, on), data.flows, destination=destination,
        statuses=statuses,
    )
    return result.tables()
