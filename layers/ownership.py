"""The ownership graph: entities, equity stakes between them, and their stakes in assets.

Nodes are entity ids (``jogmec``) and asset keys (``mines/mount-weld``). An edge runs from
an owner to what it owns, with a stake in percent (``None`` when the stake exists but its
size is not sourced). Entity-to-entity stakes come from ``data/ownership/stakes.csv``;
asset stakes from each feature's ``owners`` list, whose names resolve to entities by name
or id (an owner named in a user's file but absent from the entity table becomes a node of
its own). Offtake agreements are loaded beside it, never mixed into equity. The tables are
read by :mod:`layers.ownership_files`.

A stake of unknown size stays unknown: look-through gives a :class:`StakeRange`, whose
upper bound lets an unknown stake take what the known stakes in the same node leave (at
most 100%), and whose lower bound counts it as nothing. Only stakes current on the date
asked count (``from_date`` inclusive, ``to_date`` exclusive).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd

from layers.offtakes import Offtake

__all__ = ["Entity", "Offtake", "OwnershipGraph", "StakeRange", "asset_key"]

_EPS = 1e-9


@dataclass(frozen=True)
class Entity:
    """A company, agency, government or fund that can own stakes."""

    id: str
    name: str
    country: str | None = None
    type: str | None = None
    state_backed: bool = False


@dataclass(frozen=True)
class StakeRange:
    """A look-through stake in percent, from ``low`` to ``high`` (equal when exact)."""

    low: float
    high: float

    @property
    def exact(self) -> bool:
        """True when no stake of unknown size lies on any path."""
        return abs(self.high - self.low) < _EPS

    @property
    def any(self) -> bool:
        """True when some path of ownership exists (even of unknown size)."""
        return self.high > _EPS

    def text(self) -> str:
        """``"5%"``, ``"at least 40% (at most 70%)"`` or ``"up to 2.7%"``."""
        if self.exact:
            return f"{self.low:.4g}%"
        if self.low > _EPS:
            return f"at least {self.low:.4g}% (at most {self.high:.4g}%)"
        return f"up to {self.high:.4g}% (size not sourced)"


def asset_key(layer: str, feature_id: str) -> str:
    """The graph node of a feature: ``layer/id``."""
    return f"{layer}/{feature_id}"


@dataclass
class OwnershipGraph:
    """Who owns what, directly and up the chain.

    Parameters
    ----------
    entities
        Entity id -> :class:`Entity`.
    owners_of
        Node -> list of (owner node, stake in % or None): the edges, stored upwards.
    offtakes
        Offtake agreements, kept apart from equity.
    """

    entities: dict[str, Entity] = field(default_factory=dict)
    owners_of: dict[str, list[tuple[str, float | None]]] = field(default_factory=dict)
    offtakes: list[Offtake] = field(default_factory=list)

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

    def assets(self) -> list[str]:
        """Every asset node (``layer/id``) in the graph."""
        return [n for n in self.owners_of if "/" in n]

    def assets_of(self, entity: str) -> set[str]:
        """Asset keys (``layer/id``) that ``entity`` owns directly or up the chain."""
        return {n for n in self.assets() if entity in self.upstream(n)}

    def holdings(self, entity: str) -> list[tuple[str, float | None]]:
        """The direct stakes ``entity`` holds: (owned node, stake in % or None)."""
        return [
            (node, pct)
            for node, edges in self.owners_of.items()
            for owner, pct in edges
            if owner == entity
        ]

    def reach(self, entities: Iterable[str]) -> dict[str, set[str]]:
        """For each entity, every node it holds a stake in, directly or down a chain."""
        held: dict[str, list[str]] = {}
        for node, edges in self.owners_of.items():
            for owner, _ in edges:
                held.setdefault(owner, []).append(node)
        out = {}
        for entity in entities:
            seen: set[str] = set()
            stack = list(held.get(entity, ()))
            while stack:
                node = stack.pop()
                if node not in seen:
                    seen.add(node)
                    stack.extend(held.get(node, ()))
            out[entity] = seen
        return out

    def stake_ranges(self, entity: str, *, within: Iterable[str] | None = None
                     ) -> dict[str, StakeRange]:
        """Look-through stakes of ``entity`` in every node it reaches (assets and entities).

        Along a path stakes multiply; across paths they add. An unknown stake counts 0 in
        the lower bound and, in the upper bound, what the known stakes in the same node
        leave; no node is held more than 100% in total. ``within`` limits the nodes looked
        at (e.g. :meth:`reach`); a node outside it is left out, never counted differently.
        """
        memo: dict[str, tuple[float, float]] = {entity: (1.0, 1.0)}

        def share(node: str) -> tuple[float, float]:
            if node in memo:
                return memo[node]
            memo[node] = (0.0, 0.0)  # guards a cycle; load_graph rejects cycles anyway
            edges = self.owners_of.get(node, [])
            known = sum(p for _, p in edges if p is not None)
            headroom = max(0.0, 100.0 - known) / 100.0
            low = high = 0.0
            for owner, pct in edges:
                own_low, own_high = share(owner)
                if pct is None:
                    high += headroom * own_high
                else:
                    low += pct / 100.0 * own_low
                    high += pct / 100.0 * own_high
            memo[node] = (min(low, 1.0), min(high, 1.0))
            return memo[node]

        out = {}
        for node in self.owners_of if within is None else within:
            low, high = share(node)
            if node != entity and high > _EPS:
                out[node] = StakeRange(100.0 * low, 100.0 * high)
        return out

    def stake_range(self, entity: str, node: str) -> StakeRange:
        """Look-through stake of ``entity`` in ``node`` as a range (0..0 when none)."""
        return self.stake_ranges(entity).get(node, StakeRange(0.0, 0.0))

    def effective_stake(self, entity: str, node: str) -> float | None:
        """Look-through stake of ``entity`` in ``node`` (%): products along each path, summed.

        Returns ``None`` when some path carries a stake of unknown size, and 0.0 when no
        path exists. :meth:`stake_range` gives the bounds in the unknown case.
        """
        found = self.stake_range(entity, node)
        return found.low if found.exact else None

    def is_state_backed(self, node: str) -> bool:
        """True when the node is, or is owned up the chain by, a state-backed entity."""
        return bool(self.state_backers(node))

    def state_backers(self, node: str) -> list[str]:
        """The state-backed entities among ``node`` and its owners up the chain, sorted."""
        ids = {node} | self.upstream(node)
        return sorted(i for i in ids if i in self.entities and self.entities[i].state_backed)

    def offtakes_of(self, entity: str) -> list[Offtake]:
        """Offtakes where ``entity`` is the buyer or the seller."""
        return [o for o in self.offtakes if entity in (o.buyer_id, o.seller_id)]

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

    def overfull(self) -> list[tuple[str, float]]:
        """Nodes (entities or assets) whose known stakes add up to over 100%, with the sum."""
        out = []
        for node, edges in self.owners_of.items():
            total = sum(p for _, p in edges if p is not None)
            if total > 100.0 + 1e-6:
                out.append((node, total))
        return out


