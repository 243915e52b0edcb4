"""Offtake agreements: a buyer's right to an asset's output. A commercial tie, not equity.

Read from ``data/ownership/offtakes.csv`` beside the ownership graph and never mixed into
its stakes: an offtake gives its buyer no share of an asset's capacity.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Set
from dataclasses import dataclass

import pandas as pd

from geo.errors import Problem

__all__ = ["OFFTAKE_COLUMNS", "Offtake", "offtakes_from_table"]

OFFTAKE_COLUMNS = (
    "id", "buyer_id", "seller_id", "asset_id", "product", "elements", "volume", "volume_unit",
    "period_from", "period_to",
)


@dataclass(frozen=True)
class Offtake:
    """An agreement to buy output: a commercial tie, not equity (never part of a stake)."""

    id: str
    buyer_id: str
    seller_id: str
    asset: str | None
    product: str
    elements: tuple[str, ...]
    volume: float | None
    volume_unit: str | None
    period_from: str
    period_to: str


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def offtakes_from_table(
    frame: pd.DataFrame, label: str, entities: Set[str], asset_ids: Mapping[str, str]
) -> tuple[list[Offtake], list[Problem]]:
    """Turn the rows of an offtake table into :class:`Offtake` records.

    Parameters
    ----------
    frame
        The table as text (``layers.ownership.read_table``).
    label
        The file, for problems.
    entities
        Known entity ids (buyers and sellers must be among them).
    asset_ids
        Feature id -> asset key (``layer/id``); ``asset_id`` must be one of them.

    Returns
    -------
    The offtakes and one problem per bad row.
    """
    out: list[Offtake] = []
    problems = []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        oid = row["id"].strip() or f"line {i}"
        bad = [x for x in (row["buyer_id"], row["seller_id"]) if x.strip() not in entities]
        if bad:
            problems.append(Problem(label, oid, f"unknown entity id(s): {', '.join(bad)}"))
            continue
        asset = row["asset_id"].strip()
        if asset and asset not in asset_ids:
            problems.append(Problem(label, oid, f"asset_id: {asset!r} is no feature's id"))
            continue
        try:
            elements = tuple(json.loads(row["elements"] or "[]"))
            volume = _number(row["volume"])
        except (ValueError, TypeError):
            problems.append(Problem(label, oid, "elements (a JSON list) or volume is malformed"))
            continue
        out.append(Offtake(
            id=oid, buyer_id=row["buyer_id"].strip(), seller_id=row["seller_id"].strip(),
            asset=asset_ids.get(asset), product=row["product"], elements=elements,
            volume=volume, volume_unit=row["volume_unit"] or None,
            period_from=row["period_from"], period_to=row["period_to"],
        ))
    return out, problems
