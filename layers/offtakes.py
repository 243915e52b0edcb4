"""Offtake agreements: a buyer's right to an asset's output. A commercial tie, not equity.

Read from ``data/ownership/offtakes.csv`` beside the ownership graph and never mixed into
its stakes: an offtake gives its buyer no share of an asset's capacity. Each row is checked
once, by its model in ``layers.tables``; here the rows are linked to the graph's entities
and assets.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

import pandas as pd

from geo.errors import Problem

__all__ = ["Offtake", "offtakes_from_table"]


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


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def offtakes_from_table(
    frame: pd.DataFrame, label: str, entities: Set[str], asset_ids: Mapping[str, str]
) -> tuple[list[Offtake], list[Problem]]:
    """Link the rows of an offtake table to the graph: :class:`Offtake` records.

    Parameters
    ----------
    frame
        The table as ``layers.tables.load_offtakes`` returns it (rows already checked).
    label
        The file, for problems.
    entities
        Known entity ids (buyers and sellers must be among them).
    asset_ids
        Feature id -> asset key (``layer/id``); ``asset_id`` must be one of them.

    Returns
    -------
    The offtakes and one problem per row that names an unknown entity or asset.
    """
    out: list[Offtake] = []
    problems = []
    for row in frame.to_dict("records"):
        oid = str(row["id"])
        bad = [x for x in (_text(row["buyer_id"]), _text(row["seller_id"])) if x not in entities]
        if bad:
            problems.append(Problem(label, oid, f"unknown entity id(s): {', '.join(bad)}"))
            continue
        asset = _text(row["asset_id"])
        if asset and asset not in asset_ids:
            problems.append(Problem(label, oid, f"asset_id: {asset!r} is no feature's id"))
            continue
        volume = row["volume"]
        out.append(Offtake(
            id=oid, buyer_id=_text(row["buyer_id"]), seller_id=_text(row["seller_id"]),
            asset=asset_ids.get(asset), product=_text(row["product"]),
            elements=tuple(row["elements"] or ()),
            volume=None if volume is None or pd.isna(volume) else float(volume),
            volume_unit=_text(row["volume_unit"]) or None,
            period_from=_text(row["period_from"]), period_to=_text(row["period_to"]),
        ))
    return out, problems
