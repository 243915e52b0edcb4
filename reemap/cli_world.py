"""`reemap build-occurrences` (the USGS occurrences layer) and `reemap countries` (USGS MCS)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from geo import settings
from geo.export import write_layers
from layers.catalog import load_layer
from layers.countries import (
    MEASURE_ALIASES,
    MEASURES,
    china_share,
    load_country_stats,
    world_total,
    year_table,
    year_text,
)
from layers.occurrences import build_occurrences, match_mines, read_extract
from layers.validate import country_outlines
from reemap.registry import EXTENSIONS as _EXTENSIONS
from reemap.registry import SubParsers, command
from reemap.registry import err as _err
from reemap.registry import out as _out


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

    curated = {rid: mid for mid, rid in stored.items()}
    layer = build_occurrences(extract, curated, outlines=country_outlines())
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
    countries = sub.add_parser(
        "countries", help="mine production or reserves by country for a year (USGS MCS)"
    )
    countries.add_argument("--measure", choices=["production", "reserves"], default="production")
    countries.add_argument("--year", type=int, required=True, metavar="YYYY")
    countries.add_argument("--format", choices=["table", "csv", "json"], default="table")


_EXTENSIONS.append(_parsers)


@command("countries")
def _countries(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or settings.DATA_DIR
    stats = load_country_stats(data_dir / "country_stats.csv")
    measure = MEASURE_ALIASES[args.measure]
    if args.format == "table":
        _out(year_text(stats, measure, args.year))
        return 0
    table = year_table(stats, measure, args.year)
    if table.empty:
        year_text(stats, measure, args.year)  # raises the message that lists the years
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
        return 0
    world = world_total(stats, measure, args.year)
    share = china_share(stats, measure, args.year)
    doc = {
        "measure": measure,
        "year": args.year,
        "unit": MEASURES[measure],
        "world_total": None if world is None else {
            "value": float(world["value"]), "qualifier": world["qualifier"],
            "edition": world["edition"], "source_url": world["source_url"],
        },
        "china_share_pct": None if share is None else share.pct,
        "china_share_bound": None if share is None else share.bound,
        "rows": json.loads(table.to_json(orient="records")),
    }  # fmt: skip
    _out(json.dumps(doc, indent=1, ensure_ascii=False))
    return 0
