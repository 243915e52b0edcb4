"""Provenance of the curated data (issue 13): what each figure rests on, and how good it is.

Three questions, answered from the loaded layers and the source list of
``layers.sources.collect_sources``:

- is every curated feature complete (:func:`provenance_problems`): a ``checked_on`` date,
  a ``kind`` on every source, and a ``figure_sources`` entry for every figure it states;
- how the distinct source URLs split by kind (:func:`kind_counts`);
- how many figures name their source (:func:`figure_counts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from geo.errors import Problem
from layers.schema import FIGURE_FIELDS, FIGURE_STAKE_PREFIX, SOURCE_KINDS

__all__ = [
    "CURATED_LAYERS",
    "FigureCounts",
    "counts_text",
    "figure_counts",
    "figure_keys",
    "kind_counts",
    "provenance_problems",
]

#: The layers curated by hand, whose features must carry the full provenance (routes are
#: drawn from flows.csv and carry its row's source).
CURATED_LAYERS: Final[tuple[str, ...]] = ("mines", "refineries", "seabed", "ports", "chokepoints")
#: A URL cited with different kinds counts under the weakest of them.
_WEAKEST_FIRST: Final[tuple[str, ...]] = ("secondary", "press", "primary")
UNSTATED: Final[str] = "unstated"


def _stated(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and pd.isna(value):
        return False
    return not (isinstance(value, dict | list) and not value)


def figure_keys(props: Mapping[str, Any]) -> list[str]:
    """The figures a feature states, as ``figure_sources`` keys.

    A heavy-REE share the loader computed from the element shares (``hree_basis``
    "computed ...") rests on the element shares' source and is not listed.
    """
    keys = [f for f in FIGURE_FIELDS if f in props and _stated(props[f])]
    basis = props.get("hree_basis")
    if "hree_share_pct" in keys and isinstance(basis, str) and basis.startswith("computed"):
        keys.remove("hree_share_pct")
    for owner in props.get("owners") or []:
        if owner.get("stake_pct") is not None:
            keys.append(f"{FIGURE_STAKE_PREFIX}{owner['name']}")
    return keys


def _rows(frame: gpd.GeoDataFrame) -> Iterable[dict[str, Any]]:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    records: list[dict[str, Any]] = pd.DataFrame(frame[columns]).astype(object).to_dict(
        "records")  # type: ignore[assignment]
    return records


def provenance_problems(
    frames: Mapping[str, gpd.GeoDataFrame], labels: Mapping[str, str] | None = None
) -> list[Problem]:
    """Curated features lacking ``checked_on``, a source ``kind`` or a figure's source.

    Parameters
    ----------
    frames
        Layer name -> loaded features; only :data:`CURATED_LAYERS` are checked.
    labels
        Layer name -> file name for messages (the layer's file name when omitted).

    Returns
    -------
    list of Problem
        One per feature and missing piece.
    """
    problems = []
    for layer in CURATED_LAYERS:
        frame = frames.get(layer)
        if frame is None or not len(frame):
            continue
        label = (labels or {}).get(layer, f"{layer}.geojson")
        for row in _rows(frame):
            fid = str(row.get("id"))
            if not _stated(row.get("checked_on")):
                problems.append(Problem(label, fid, "checked_on: missing (the day the "
                                        "figures were last checked against the sources)"))
            for i, source in enumerate(row.get("sources") or []):
                if source.get("kind") is None:
                    kinds = ", ".join(SOURCE_KINDS)
                    problems.append(Problem(label, fid, f"sources.{i}.kind: missing ({kinds})"))
            named = row.get("figure_sources") or {}
            for key in figure_keys(row):
                if key not in named:
                    problems.append(Problem(label, fid, f"figure_sources: {key!r} names no "
                                            "source (add the index of the source that states it)"))
    return problems


def kind_counts(sources: pd.DataFrame) -> pd.DataFrame:
    """Distinct source URLs by kind, with each kind's share.

    Parameters
    ----------
    sources
        ``layers.sources.collect_sources`` output (columns ``url`` and ``kind``).

    Returns
    -------
    DataFrame
        Columns ``kind, urls, share_pct``, one row per kind of ``SOURCE_KINDS`` (then
        ``unstated`` when some URL has no kind) and a ``total`` row. A URL cited with
        different kinds counts once, under the weakest.
    """
    cited = sources[sources["url"].astype(bool)]
    rank = {k: i for i, k in enumerate(_WEAKEST_FIRST)}
    by_url: dict[str, str] = {}
    for url, stated in zip(cited["url"], cited["kind"], strict=True):
        kind = stated if stated in SOURCE_KINDS else UNSTATED
        current = by_url.get(url)
        if current is None or rank.get(kind, -1) < rank.get(current, -1):
            by_url[url] = kind
    total = len(by_url)
    counts = pd.Series(list(by_url.values()), dtype=object).value_counts()
    kinds = [*SOURCE_KINDS, *([UNSTATED] if UNSTATED in counts else [])]
    rows = [{"kind": k, "urls": int(counts.get(k, 0))} for k in kinds]
    rows.append({"kind": "total", "urls": total})
    out = pd.DataFrame(rows)
    out["share_pct"] = (100.0 * out["urls"] / total).round(1) if total else 0.0
    return out


@dataclass(frozen=True)
class FigureCounts:
    """How many figures the curated layers state, and how many name their source."""

    figures: int
    named: int
    by_kind: dict[str, int]

    @property
    def named_pct(self) -> float:
        """Share of figures naming a source, in percent (0 when there are none)."""
        return round(100.0 * self.named / self.figures, 1) if self.figures else 0.0


def figure_counts(frames: Mapping[str, gpd.GeoDataFrame]) -> FigureCounts:
    """Count the curated layers' figures, those naming a source, and that source's kind."""
    figures = named = 0
    by_kind: dict[str, int] = {}
    for layer in CURATED_LAYERS:
        frame = frames.get(layer)
        if frame is None or not len(frame):
            continue
        for row in _rows(frame):
            sources = row.get("sources") or []
            index = row.get("figure_sources") or {}
            for key in figure_keys(row):
                figures += 1
                at = index.get(key)
                if at is None or not 0 <= at < len(sources):
                    continue
                named += 1
                kind = sources[at].get("kind") or UNSTATED
                by_kind[kind] = by_kind.get(kind, 0) + 1
    return FigureCounts(figures=figures, named=named, by_kind=by_kind)


def counts_text(kinds: pd.DataFrame, figures: FigureCounts) -> str:
    """The counts as ``reemap sources --format counts`` prints them (plain text)."""
    lines = ["distinct source URLs by kind", f"{'kind':<10}  {'urls':>5}  {'share':>6}"]
    for row in kinds.to_dict("records"):
        lines.append(f"{row['kind']:<10}  {row['urls']:>5}  {row['share_pct']:>5.1f}%")
    lines.append("")
    lines.append(f"figures in the curated layers: {figures.figures}; naming their source: "
                 f"{figures.named} ({figures.named_pct:.1f}%)")
    for kind in (*SOURCE_KINDS, UNSTATED):
        if kind in figures.by_kind:
            lines.append(f"  resting on a {kind} source: {figures.by_kind[kind]}")
    return "\n".join(lines)
