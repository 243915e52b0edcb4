"""The `reemap build-occurrences` command: the USGS occurrences layer from its extract."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo import settings
from geo.export import write_layers
from layers.catalog import load_layer
from layers.occurrences import build_occurrences, match_mines, read_extract
from reemap.registry import EXTENSIONS as _EXTENSIONS
from reemap.registry import SubParsers, command
from reemap.registry import err as _err


@command("build-occurrences")
def _build_occurrences(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or settings.DATA_DIR
    extract = read_extract(args.extract or data_dir / "occurrences" / "usgs_ree_extract.csv")
    mines = load_layer("mines", data_dir=data_dir)
    stored = {
        str(mid): str(rid)
        for mid, rid in zip(mines["id"], mines.get("usgs_ree_id", []), strict=False)
        if isinstance(rid, str) and rid
    }
    ruled = match_mines(mines, extract)
    for mine_id in sorted(set(ruled) | set(stored)):
        if ruled.get(mine_id) != stored.get(mine_id):
            _err(
                f"note: mine {mine_id}: usgs_ree_id {stored.get(mine_id)}, "
                f"the matching rule gives {ruled.get(mine_id)}"
            )
    layer = build_occurrences(extract, {rid: mid for mid, rid in stored.items()})
    output = args.output or data_dir / "occurrences.geojson"
    written = write_layers({"occurrences": layer}, output, fmt="geojson")
    shown = int(layer["curated_mine_id"].isna().sum())
    _err(
        f"wrote {written[0]}: {len(layer)} occurrences with a point (of {len(extract)} "
        f"records); {len(layer) - shown} shown by a curated mine, {shown} drawn"
    )
    return 0


def _parsers(sub: SubParsers[argparse.ArgumentParser]) -> None:
    build = sub.add_parser(
        "build-occurrences",
        help="build data/occurrences.geojson from the USGS extract (data/occurrences/)",
    )
    build.add_argument("--extract", type=Path, metavar="CSV", help="the extract to read")
    build.add_argument("--output", type=Path, metavar="PATH", help="the GeoJSON to write")


_EXTENSIONS.append(_parsers)
