"""Reading ``data/ownership/`` into the ownership graph: entities, stakes and offtakes.

Each table is checked row by row (every problem at once, one line per row); the graph
itself (look-through, stake ranges) is :mod:`layers.ownership`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.errors import DataError, Problem
from layers.offtakes import offtakes_from_table
from layers.ownership import Entity, OwnershipGraph, asset_key
from layers.schema import ENTITY_TYPES, SOURCE_KINDS, STATE_ENTITY_TYPES
from layers.tables import OFFTAKES_FILE, load_offtakes, read_table

__all__ = ["ENTITY_COLUMNS", "STAKE_COLUMNS", "load_graph", "source_kind_problems"]

ENTITY_COLUMNS = ("id", "name", "country", "type", "state_backed")
STAKE_COLUMNS = ("owner_id", "owned_id", "stake_pct", "from_date", "to_date")

def source_kind_problems(frame: pd.DataFrame, label: str, key: str) -> list[Problem]:
    """Rows whose ``source_kind`` cell (optional column) is not a kind of SOURCE_KINDS.

    Parameters
    ----------
    frame
        A table read by :func:`read_table` (empty cells are ``""``).
    label
        The file name used in messages.
    key
        The column naming a row in messages (its line number when empty).
    """
    if "source_kind" not in frame.columns:
        return []
    kinds = ", ".join(SOURCE_KINDS)
    return [
        Problem(label, row.get(key) or f"line {line}",
                f"source_kind: {row['source_kind']!r} is not one of {kinds}")
        for line, row in enumerate(frame.to_dict("records"), start=2)
        if row["source_kind"] and row["source_kind"] not in SOURCE_KINDS
    ]


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def _is_current(row: Mapping[str, str] | Mapping[object, str], on: date) -> bool:
    # from_date inclusive, to_date exclusive: a stake ending on the day the next one starts
    # is never counted twice. A partial date ("2023-03") stands for its first day.
    start, end, day = row.get("from_date", ""), row.get("to_date", ""), on.isoformat()
    if start and start[:10] > day:
        return False
    return not (end and day >= end[:10])


def _entities(frame: pd.DataFrame, label: str) -> tuple[dict[str, Entity], list[Problem]]:
    out: dict[str, Entity] = {}
    problems = []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        eid = row["id"].strip()
        where = eid or f"line {i}"
        if not eid or not row["name"].strip():
            problems.append(Problem(label, where, "id and name are required"))
            continue
        if eid in out:
            problems.append(Problem(label, eid, f"id: duplicate (line {i})"))
            continue
        if row["type"] not in ENTITY_TYPES:
            kinds = ", ".join(ENTITY_TYPES)
            problems.append(Problem(label, eid, f"type: {row['type']!r} is not one of {kinds}"))
        flag = row["state_backed"].strip().lower()
        if flag not in {"true", "false", ""}:
            problems.append(Problem(label, eid, f"state_backed: {flag!r} is not true or false"))
        out[eid] = Entity(
            id=eid,
            name=row["name"].strip(),
            country=row["country"].strip() or None,
            type=row["type"] or None,
            state_backed=flag == "true" or row["type"] in STATE_ENTITY_TYPES,
        )
    return out, problems


def load_graph(
    assets: Mapping[str, gpd.GeoDataFrame],
    *,
    data_dir: Path | None = None,
    on: date | None = None,
) -> OwnershipGraph:
    """Build the ownership graph from the entity and stake tables and the layers' owners.

    Parameters
    ----------
    assets
        Layer name -> features (with ``id`` and ``owners``).
    data_dir
        The data folder holding ``ownership/``.
    on
        Only stakes current on this date count (today when omitted).

    Raises
    ------
    DataError
        Unknown entity ids, bad stakes or offtakes, stakes over 100% in one entity or
        asset, or cycles: one problem each, naming the entities.
    """
    folder = (data_dir or settings.DATA_DIR) / "ownership"
    graph = OwnershipGraph()
    problems: list[Problem] = []
    ent_path = folder / "entities.csv"
    if ent_path.exists():
        table = read_table(ent_path, ENTITY_COLUMNS)
        graph.entities, found = _entities(table, str(ent_path))
        problems.extend(found)
        problems.extend(source_kind_problems(table, str(ent_path), "id"))
    stake_path = folder / "stakes.csv"
    if stake_path.exists():
        table = read_table(stake_path, STAKE_COLUMNS)
        problems.extend(_add_stakes(graph, table, str(stake_path), on or date.today()))
        problems.extend(source_kind_problems(table, str(stake_path), "owned_id"))
    for layer, frame in assets.items():
        if len(frame):
            graph.add_assets(layer, frame)
    offtake_path = folder.parent / OFFTAKES_FILE
    if offtake_path.exists():  # rows checked by their model (layers.tables), links here
        ids = {fid: asset_key(layer, fid) for layer, f in assets.items() for fid in f.get("id", [])}
        try:
            deals, bad = offtakes_from_table(
                load_offtakes(offtake_path), str(offtake_path), set(graph.entities), ids
            )
        except DataError as exc:
            deals, bad = [], exc.problems
        graph.offtakes.extend(deals)
        problems.extend(bad)
    for node, total in graph.overfull():
        owners = ", ".join(f"{graph.name(o)} {p:g}%" for o, p in graph.owners_of[node] if p)
        label = str(stake_path) if node in graph.entities else node.split("/")[0]
        problems.append(
            Problem(label, node, f"stakes in {graph.name(node)} add up to {total:g}%: {owners}")
        )
    for cycle in graph.cycles():
        names = " -> ".join(graph.name(n) for n in cycle)
        problems.append(Problem(str(stake_path), cycle[0], f"ownership cycle: {names}"))
    if problems:
        raise DataError(problems)
    return graph


def _add_stakes(
    graph: OwnershipGraph, frame: pd.DataFrame, label: str, on: date
) -> list[Problem]:
    problems = []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        owner, owned = row["owner_id"].strip(), row["owned_id"].strip()
        where = f"{owner}->{owned} (line {i})"
        bad = [x for x in (owner, owned) if x not in graph.entities]
        if bad:
            problems.append(Problem(label, where, f"unknown entity id(s): {', '.join(bad)}"))
            continue
        try:
            pct = _number(row["stake_pct"])
        except ValueError:
            text = row["stake_pct"]
            problems.append(Problem(label, where, f"stake_pct: {text!r} is not a number"))
            continue
        if pct is not None and not 0 <= pct <= 100:
            problems.append(Problem(label, where, f"stake_pct: {pct:g} is outside 0..100"))
            continue
        if _is_current(row, on):
            graph.owners_of.setdefault(owned, []).append((owner, pct))
    return problems
