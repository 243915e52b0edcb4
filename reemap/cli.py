"""The ``reemap`` command line (design.md's contract).

Exit codes: 0 success; 1 invalid data (one line per problem on stderr, ``PATH: FEATURE:
problem``, at most ``settings.MAX_PROBLEMS_SHOWN`` and a count of the rest); 2 usage error,
unreadable file or a refusal of the environment (disk full, no permission, not a regular
file); 3 a bug in reemap (one line, no traceback). A user's file or system never gives 3.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo import settings
from geo.atomic import staged
from geo.errors import DataError, InputError, Problem, one_line, report
from geo.export import check_output, neutralise_formulas, write_layers
from geo.parquet import write_partitioned
from layers.bods import bods_statements
from layers.catalog import (
    LAYER_FILES,
    layer_path,
    load_dataset,
    load_layer,
    load_layers,
)
from layers.changelog import load_changelog
from layers.imports import check_file
from layers.ownership_files import ENTITY_COLUMNS, STAKE_COLUMNS, load_graph
from layers.provenance import counts_text, figure_counts, kind_counts, provenance_problems
from layers.query import Query, apply_query, parse_values
from layers.sources import collect_sources, sources_markdown
from layers.table_layers import TABLE_LAYERS, table_layer_count, table_layer_path
from layers.tables import load_dependency, load_flows, load_offtakes, read_table
from reemap import cli_analysis, cli_imports, cli_routes, cli_server, cli_world
from reemap.registry import COMMANDS as _COMMANDS
from reemap.registry import EXTENSIONS as _EXTENSIONS
from reemap.registry import command
from reemap.registry import err as _err
from reemap.registry import out as _out
from ui.assets import ensure_static

if TYPE_CHECKING:
    import geopandas as gpd

    from layers.ownership import OwnershipGraph

__all__ = ["main"]

# the sub-command modules register their commands when imported
_REGISTERED = (cli_analysis, cli_imports, cli_routes, cli_server, cli_world)


@command("layers")
def _layers(args: argparse.Namespace) -> int:
    rows = []
    for name in LAYER_FILES:
        path = layer_path(name, args.data_dir)
        count = len(load_layer(name, path)) if path.exists() else 0
        rows.append((name, str(count), _shown(path)))
    for name in TABLE_LAYERS:  # drawn from a table (countries: country_stats.csv)
        path = table_layer_path(name, args.data_dir)
        rows.append((name, str(table_layer_count(name, args.data_dir)), _shown(path)))
    width = [max(len(r[i]) for r in [("layer", "features", "file"), *rows]) for i in range(3)]
    for row in [("layer", "features", "file"), *rows]:
        _out(f"{row[0]:<{width[0]}}  {row[1]:>{width[1]}}  {row[2]}")
    return 0


def _shown(path: Path) -> str:
    """A file as ``reemap layers`` shows it: relative to the working folder when inside it."""
    if not path.exists():
        return "(no file)"
    return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


def _query_from(args: argparse.Namespace) -> Query:
    return Query(
        layers=parse_values(args.layer),
        elements=parse_values(args.element),
        owners=parse_values(args.owner),
        countries=parse_values(args.country),
        statuses=parse_values(args.status),
        stages=parse_values(args.stage),
        min_hree=args.min_hree,
        state_backed=args.state_backed,
        capacity_min=args.min_capacity,
        capacity_max=args.max_capacity,
        capacity_units=parse_values(args.capacity_unit),
    )


@command("export")
def _export(args: argparse.Namespace) -> int:
    query = _query_from(args)
    dataset = load_dataset(args.data_dir, include_store=True)
    for label, why in dataset.broken_imports.items():
        _err(f"reemap: imported layer {label!r} left out: {why}")
        _err(f"reemap: (remove it with `reemap imported --delete {label}`)")
    selected = apply_query(dataset.frames, query, dataset.graph)
    if args.format == "bods":  # the ownership graph as BODS 0.4 statements, one JSON file
        return _export_bods(args, dataset.graph, selected)
    if args.format == "parquet-dataset":  # a folder: layer=NAME/country=ISO3/part-0.parquet
        if Path(args.output).exists() and not Path(args.output).is_dir():
            raise InputError(f"{args.output}: a parquet-dataset is a folder, but this is not one")
        write_partitioned(selected, args.output)
        counts = ", ".join(f"{name} {len(gdf)}" for name, gdf in selected.items())
        _err(f"wrote {args.output}: {counts} features")
        return 0
    written = write_layers(selected, args.output, fmt=args.format)
    counts = ", ".join(f"{name} {len(gdf)}" for name, gdf in selected.items())
    where = written[0] if len(set(written)) == 1 else Path(args.output)
    _err(f"wrote {where}: {counts} features")
    return 0


def _export_bods(
    args: argparse.Namespace, graph: OwnershipGraph, selected: dict[str, gpd.GeoDataFrame]
) -> int:
    folder = (args.data_dir or settings.DATA_DIR) / "ownership"
    tables = [
        read_table(folder / name, columns) if (folder / name).exists()
        else pd.DataFrame(columns=list(columns))
        for name, columns in (("entities.csv", ENTITY_COLUMNS), ("stakes.csv", STAKE_COLUMNS))
    ]
    statements = bods_statements(tables[0], tables[1], selected, graph)
    text = json.dumps(statements, ensure_ascii=False, indent=1) + "\n"
    _write_atomic(Path(args.output), text.encode("utf-8"))
    kinds = [s["recordType"] for s in statements]
    _err(f"wrote {args.output}: {kinds.count('entity')} entity and "
         f"{kinds.count('relationship')} relationship statements (BODS 0.4)")
    return 0


def _write_atomic(path: Path, data: bytes) -> None:
    """Write beside ``path`` and move into place: a failure leaves no partial file."""
    check_output(path)  # never over a device, a pipe or a folder
    try:
        with staged(path, create=True) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        raise InputError(f"{path}: cannot write here ({exc.strerror})") from None


@command("validate")
def _validate(args: argparse.Namespace) -> int:
    path = Path(args.path)
    typed, layer = check_file(path, layer=args.layer, source_layer=args.source_layer)
    _out(f"{path}: {len(typed)} features, valid as layer {layer}")
    return 0


@command("check")
def _check(args: argparse.Namespace) -> int:
    problems = []
    frames = {}
    for name in LAYER_FILES:
        path = layer_path(name, args.data_dir)
        if not path.exists():
            continue
        try:
            frames[name] = load_layer(name, path)
        except DataError as exc:
            problems.extend(exc.problems)
    try:
        load_graph(frames, data_dir=args.data_dir)
    except DataError as exc:
        problems.extend(exc.problems)
    problems.extend(_check_tables(args.data_dir or settings.DATA_DIR))
    if not problems:  # provenance is judged on valid layers only

        labels = {name: str(layer_path(name, args.data_dir)) for name in frames}
        problems.extend(provenance_problems(frames, labels))
    if problems:
        raise DataError(problems)
    total = sum(len(f) for f in frames.values())
    _out(f"data: {total} features in {len(frames)} layers and the ownership graph are valid")
    return 0


def _check_tables(data_dir: Path) -> list[Problem]:
    problems: list[Problem] = []
    for loader, path in (
        (load_flows, data_dir / "flows.csv"),
        (load_dependency, data_dir / "dependency.csv"),
        (load_offtakes, data_dir / "ownership" / "offtakes.csv"),
        (load_changelog, data_dir / "changelog.csv"),
    ):
        if path.exists():
            try:
                loader(path)
            except DataError as exc:
                problems.extend(exc.problems)
    return problems


@command("sources")
def _sources(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or settings.DATA_DIR
    frames = load_layers(data_dir=data_dir)
    sources = collect_sources(frames, data_dir)
    if args.format == "counts":
        _out(counts_text(kind_counts(sources), figure_counts(frames)))
    elif args.format == "csv":
        sys.stdout.write(neutralise_formulas(sources).to_csv(index=False))
    else:
        sys.stdout.write(sources_markdown(sources))
    return 0


def app_command(port: int, *extra: str, host: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run app.py`` command line: static serving on, usage stats off.

    Parameters
    ----------
    port
        The port to serve on (``make app`` uses 8501).
    host
        The address to listen on: this machine only unless asked (``0.0.0.0`` serves
        every network interface; see the README on serving a team).
    *extra
        Further ``--option value`` pairs (tests bind to 127.0.0.1 and turn the file
        watcher off).
    """
    return [
        sys.executable, "-m", "reemap.serve", "run", str(settings.ROOT / "app.py"),
        "--server.port", str(port),
        "--server.address", host,
        "--server.headless", "true",
        "--server.enableStaticServing", "true",
        "--browser.gatherUsageStats", "false",
        *extra,
    ]  # fmt: skip


@command("app")
def _app(args: argparse.Namespace) -> int:
    ensure_static()  # static/ exists before Streamlit mounts it (a fresh clone has none)
    cmd = app_command(args.port, host=args.host)
    env = dict(os.environ)
    if args.data_dir:
        env["REEMAP_DATA_DIR"] = str(args.data_dir)
    return subprocess.call(cmd, cwd=settings.ROOT, env=env)


def _filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (AND between kinds, OR within one)")
    group.add_argument("--layer", action="append", metavar="NAME", help="layer (repeatable)")
    group.add_argument("--element", action="append", metavar="SYM", help="element symbol, e.g. Dy")
    group.add_argument(
        "--owner",
        action="append",
        metavar="TEXT",
        help="owner id or name; matches up the ownership chain",
    )
    group.add_argument("--country", action="append", metavar="ISO3", help="ISO 3166 alpha-3")
    group.add_argument("--status", action="append", metavar="S", help="status, e.g. operating")
    group.add_argument("--stage", action="append", metavar="S", help="processing stage")
    group.add_argument(
        "--min-hree", type=float, metavar="PCT", help="minimum heavy-REE share of TREO, %%"
    )
    group.add_argument(
        "--state-backed", action="store_true", help="only assets a state entity holds"
    )
    group.add_argument(
        "--capacity-unit", action="append", metavar="UNIT",
        help='capacity stated in this unit, e.g. "t/yr REO" (repeatable)',
    )
    group.add_argument("--min-capacity", type=float, metavar="N",
                       help="minimum capacity (in --capacity-unit, else each feature's own)")
    group.add_argument("--max-capacity", type=float, metavar="N", help="maximum capacity")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="reemap", description="Map the rare-earth supply chain: layers, filters, exports."
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="the data folder (default: the bundled data)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("layers", help="name, feature count and source file of each layer")
    export = sub.add_parser("export", help="write filtered layers to a file")
    export.add_argument(
        "--output",
        required=True,
        metavar="PATH",
        help="a file, or a folder (an existing one, or PATH ending in '/') to write into",
    )
    export.add_argument(
        "--format", choices=["geojson", "gpkg", "csv", "parquet", "parquet-dataset", "bods"],
        help="parquet-dataset: a folder partitioned by layer and country (GeoParquet 1.1); "
             "bods: the owners as Beneficial Ownership Data Standard 0.4 JSON",
    )
    _filters(export)
    validate = sub.add_parser("validate", help="check a file against a layer's schema")
    validate.add_argument("path", metavar="PATH")
    validate.add_argument("--layer", metavar="NAME")
    validate.add_argument(
        "--source-layer",
        metavar="NAME",
        help="the layer inside a GeoPackage (or shapefile inside a zip) that holds several",
    )
    sources = sub.add_parser("sources", help="every source the bundled data cites")
    sources.add_argument(
        "--format", choices=["markdown", "csv", "counts"], default="markdown",
        help="markdown: the list data/README.md carries; counts: distinct URLs by kind and "
        "figures naming their source",
    )
    sub.add_parser("check", help="validate every bundled layer and the ownership graph together")
    app = sub.add_parser("app", help="start the web app")
    app.add_argument("--port", type=int, default=8501)
    app.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="the address to listen on (default 127.0.0.1: this machine only; "
        "0.0.0.0 serves the network, see the README)",
    )
    for extension in _EXTENSIONS:
        extension(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _warning_line
        return _run(args)


def _warning_line(message: Warning | str, category: type[Warning], filename: str,  # noqa: PLR0917
                  lineno: int, file: object = None, line: str | None = None) -> None:
    """A warning as one line on stderr (a store validated again, ...), never a stack."""
    _err(f"reemap: {message}")


def _run(args: argparse.Namespace) -> int:
    try:
        return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return _failed(exc)


def _failed(exc: Exception) -> int:
    """Report a failure on stderr, one line per problem; return its exit code."""
    if isinstance(exc, DataError):
        for line in report(exc.problems, settings.MAX_PROBLEMS_SHOWN):
            _err(line)
        return 1
    if isinstance(exc, InputError):
        _err(one_line(f"reemap: {exc}"))
        return 2
    if isinstance(exc, BrokenPipeError):  # the reader closed the pipe (`... | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if isinstance(exc, OSError):  # the environment: a full disk, no permission, a device
        where = f"{exc.filename}: " if exc.filename else ""
        _err(one_line(f"reemap: {where}{exc.strerror or type(exc).__name__}"))
        return 2
    first = str(exc).splitlines()[0] if str(exc) else ""
    _err(one_line(f"reemap: internal error: {type(exc).__name__}: {first[:200]}"))
    return 3


if __name__ == "__main__":
    raise SystemExit(main())
