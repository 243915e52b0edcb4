"""The ownership graph: entities, equity stakes between them, and their stakes in assets.

Nodes are entity ids (``jogmec``) and asset keys (``mines/mount-weld``). An edge runs from
an owner to what it owns, with a stake in percent (``None`` when the stake exists but its
size is not sourced). Entity-to-entity stakes come from ``data/ownership/stakes.csv``;
asset stakes from each feature's ``owners`` list, whose names resolve to entities by name
or id (an owner named in a user's file but absent from the entity table becomes a node of
its own). Offtake agreements are loaded beside it, never mixed into equity.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.schema import ENTITY_TYPES, STATE_ENTITY_TYPES
from reemap import settings
from reemap.errors import DataError, InputError, Problem

__all__ = ["Entity", "OwnershipGraph", "asset_key", "load_graph", "read_table"]

ENTITY_COLUMNS = ("id", "name", "country", "type", "state_backed")
STAKE_COLUMNS = ("owner_id", "owned_id", "stake_pct", "from_date", "to_date")
OFFTAKE_COLUMNS = ("id", "buyer_id", "seller_id", "asset_id", "product")


@dataclass(frozen=True)
class Entity:
    """A company, agency, government or fund that can own stakes."""

    id: str
    name: str
    country: str | None = None
    type: str | None = None
    state_backed: bool = False


def asset_key(layer: str, feature_id: str) -> str:
    """The graph node of a feature: ``layer/id``."""
    return f"{layer}/{feature_id}"


def read_table(path: Path, required: Iterable[str]) -> pd.DataFrame:
    """Read a CSV table as text, checking its required columns.

    Raises
    ------
    InputError
        The file is missing, unreadable or lacks a required column.
    """
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: not a readable UTF-8 CSV ({exc})") from None
    frame = pd.DataFrame(rows, dtype=object)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame.fillna("")


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def _is_current(row: Mapping[str, str], on: date) -> bool:
    start, end = row.get("from_date", ""), row.get("to_date", "")
    if start and start[:10] > on.isoformat():
        return False
    return not (end and end[:10] < on.isoformat())


@dataclass
class OwnershipGraph:
    """Who owns what, directly and up the chain.

    Parameters
    ----------
    entities
        Entity id -> :class:`Entity`.
    owners_of
        Node -> list of (owner node, stake in % or None): the edges, stored upwards.
    """

    entities: dict[str, Entity] = field(default_factory=dict)
    owners_of: dict[str, list[tuple[str, float | None]]] = field(default_factory=dict)

    # -- building ----------------------------------------------------------------------

    def _by_name(self) -> dict[str, str]:
        out = {e.name.casefold(): e.id for e in self.entities.values()}
        out.update({e.id.casefold(): e.id for e in self.entities.values()})
        return out

    def add_assets(self, layer: str, frame: gpd.GeoDataFrame) -> None:
        """Add each feature's direct owners as edges into the asset node."""
        names = self._by_name()
        for fid, owners in zip(frame["id"], frame["owners"], strict=True):
            edges = []
            for owner in owners or []:
                node = names.get(owner["name"].casefold())
                if node is None:  # an owner only a user's file knows
                    node = f"name:{owner['name']}"
                    self.entities.setdefault(node, Entity(id=node, name=owner["name"]))
                edges.append((node, owner.get("stake_pct")))
            self.owners_of[asset_key(layer, fid)] = edges

    # -- queries -----------------------------------------------------------------------

    def resolve(self, text: str) -> str | None:
        """Return the entity id a user's text names (its id or name, any case), or None."""
        return self._by_name().get(text.strip().casefold())

    def name(self, node: str) -> str:
        """Display name of an entity node."""
        entity = self.entities.get(node)
        return entity.name if entity else node

    def upstream(self, node: str) -> set[str]:
        """Every entity that owns ``node``, directly or through a chain of stakes."""
        seen: set[str] = set()
        stack = [owner for owner, _ in self.owners_of.get(node, [])]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(owner for owner, _ in self.owners_of.get(current, []))
        return seen

    def assets_of(self, entity: str) -> set[str]:
        """Asset keys (``layer/id``) that ``entity`` owns directly or up the chain."""
        return {n for n in self.owners_of if "/" in n and entity in self.upstream(n)}

    def effective_stake(self, entity: str, node: str) -> float | None:
        """Look-through stake of ``entity`` in ``node`` (%): products along each path, summed.

        Returns ``None`` when some path carries a stake of unknown size, and 0.0 when no
        path exists.
        """
        total = 0.0
        unknown = False
        for path_stake in self._paths(entity, node, frozenset()):
            if path_stake is None:
                unknown = True
            else:
                total += path_stake
        return None if unknown else total

    def _paths(self, entity: str, node: str, on_path: frozenset[str]) -> Iterable[float | None]:
        for owner, pct in self.owners_of.get(node, []):
            if owner in on_path:
                continue  # cycles are rejected when the graph is built
            share = None if pct is None else pct / 100.0
            if owner == entity:
                yield None if share is None else share * 100.0
                continue
            for rest in self._paths(entity, owner, on_path | {node}):
                yield None if share is None or rest is None else share * rest

    def is_state_backed(self, node: str) -> bool:
        """True when the node is, or is owned up the chain by, a state-backed entity."""
        ids = {node} | self.upstream(node)
        return any(self.entities[i].state_backed for i in ids if i in self.entities)

    def cycles(self) -> list[list[str]]:
        """Every ownership cycle, as the list of entity ids around it."""
        found: list[list[str]] = []
        state: dict[str, int] = {}

        def visit(node: str, trail: list[str]) -> None:
            state[node] = 1
            for owner, _ in self.owners_of.get(node, []):
                if state.get(owner) == 1:
                    found.append([*trail[trail.index(owner):], owner])
                elif owner not in state:
                    visit(owner, [*trail, owner])
            state[node] = 2

        for start in list(self.owners_of):
            if start not in state:
                visit(start, [start])
        return found


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
            problems.append(
                Problem(label, eid, f"type: {row['type']!r} is not one of {', '.join(ENTITY_TYPES)}")
            )
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
        Unknown entity ids, bad stakes, stakes over 100% in one entity, or cycles.
    """
    folder = (data_dir or settings.DATA_DIR) / "ownership"
    graph = OwnershipGraph()
    problems: list[Problem] = []
    ent_path = folder / "entities.csv"
    if ent_path.exists():
        graph.entities, found = _entities(read_table(ent_path, ENTITY_COLUMNS), str(ent_path))
        problems.extend(found)
    stake_path = folder / "stakes.csv"
    if stake_path.exists():
        problems.extend(_add_stakes(graph, read_table(stake_path, STAKE_COLUMNS), str(stake_path),
                                    on or date.today()))
    for layer, frame in assets.items():
        if len(frame):
            graph.add_assets(layer, frame)
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
    totals: dict[str, float] = {}
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
            problems.append(Problem(label, where, f"stake_pct: {row['stake_pct']!r} is not a number"))
            continue
        if pct is not None and not 0 <= pct <= 100:
            problems.append(Problem(label, where, f"stake_pct: {pct:g} is outside 0..100"))
            continue
        if not _is_current(row, on):
            continue
        graph.owners_of.setdefault(owned, []).append((owner, pct))
        totals[owned] = totals.get(owned, 0.0) + (pct or 0.0)
    for owned, total in totals.items():
        if total > 100.0 + 1e-6:
            owners = ", ".join(f"{graph.name(o)} {p:g}%" for o, p in graph.owners_of[owned] if p)
            problems.append(
                Problem(label, owned, f"stakes in {graph.name(owned)} add up to {total:g}%: {owners}")
            )
    return problems
