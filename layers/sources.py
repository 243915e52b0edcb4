"""Every source the bundled data cites, gathered from the layers and the tables.

``reemap sources --format markdown`` writes the list that data/README.md carries between
its ``<!-- sources -->`` markers; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from layers.tables import read_table

__all__ = ["collect_sources", "sources_markdown"]

_TABLES = (
    "flows.csv",
    "dependency.csv",
    "ownership/entities.csv",
    "ownership/stakes.csv",
    "ownership/offtakes.csv",
)


def collect_sources(frames: Mapping[str, gpd.GeoDataFrame], data_dir: Path) -> pd.DataFrame:
    """One row per distinct source (publisher, title, URL, date) with where it is used.

    Parameters
    ----------
    frames
        The layers, whose features carry ``sources`` lists.
    data_dir
        The data folder holding the CSV tables (``source_*`` columns).

    Returns
    -------
    DataFrame
        Columns ``publisher, title, url, date, kind`` (``""`` when not stated),
        ``used_in`` (files, comma-separated) and
        ``uses`` (how many features or rows cite it), sorted by publisher and title.
    """
    rows: list[dict[str, str]] = []
    for layer, gdf in frames.items():
        for sources in gdf.get("sources", []):
            for s in sources:
                rows.append(
                    {
                        "publisher": s.get("publisher") or "",
                        "title": s["title"],
                        "url": s.get("url") or "",
                        "date": s["date"],
                        "kind": s.get("kind") or "",
                        "used_in": f"{layer}.geojson",
                    }
                )
    for name in _TABLES:
        path = data_dir / name
        if not path.exists():
            continue
        table = read_table(path, ["source_title"])
        for record in table.to_dict("records"):
            if record["source_title"]:
                rows.append(
                    {
                        "publisher": record.get("source_publisher", ""),
                        "title": record["source_title"],
                        "url": record.get("source_url", ""),
                        "date": record.get("source_date", ""),
                        "kind": record.get("source_kind", ""),
                        "used_in": name,
                    }
                )
    frame = pd.DataFrame(rows, columns=["publisher", "title", "url", "date", "kind", "used_in"])
    keys = ["publisher", "title", "url", "date", "kind"]
    grouped = frame.groupby(keys, dropna=False, sort=True).agg(
        used_in=("used_in", lambda s: ", ".join(sorted(set(s)))), uses=("used_in", "size")
    )
    return grouped.reset_index()


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def sources_markdown(sources: pd.DataFrame) -> str:
    """The sources as a Markdown table (publisher, kind, title with link, date, used in)."""
    lines = ["| publisher | kind | title | date | used in |", "|---|---|---|---|---|"]
    for row in sources.to_dict("records"):
        title = _cell(row["title"])
        linked = f"[{title}]({row['url']})" if row["url"] else title
        lines.append(
            f"| {_cell(row['publisher'])} | {_cell(row.get('kind') or 'not stated')} | {linked} "
            f"| {_cell(row['date'])} | {row['used_in']} |"
        )
    return "\n".join(lines) + "\n"
