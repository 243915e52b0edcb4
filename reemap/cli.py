"""The ``reemap`` command line (design.md's contract).

Exit codes: 0 success; 1 invalid data (one line per problem on stderr, ``PATH: FEATURE:
problem``); 2 usage error or unreadable file; 3 a bug in reemap (one line, no traceback).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reemap import settings
from reemap.errors import DataError, InputError, Problem

if TYPE_CHECKING:
    import geopandas as gpd

    from layers.ownership import OwnershipGraph

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register a sub-command handler under ``name``."""

    def register(func: Handler) -> Handler:
        _COMMANDS[name] = func
        return func

    return register


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


@command("layers")
def _layers(args: argparse.Namespace) -> int:
    from layers.catalog import LAYER_FILES, layer_path, load_layer

    rows = []
    for name in LAYER_FILES:
        path = layer_path(name, args.data_dir)
        count = len(load_layer(name, path)) if path.exists() else 0
        shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        rows.append((name, str(count), str(shown) if path.exists() else "(no file)"))
    width = [max(len(r[i]) for r in [("layer", "features", "file"), *rows]) for i in range(3)]
    for row in [("layer", "features", "file"), *rows]:
        _out(f"{row[0]:<{width[0]}}  {row[1]:>{width[1]}}  {row[2]}")
    return 0


def _query_from(args: argparse.Namespace) -> object:
    from layers.query import Query, parse_values

    return Query(
        layers=parse_values(args.layer),
        elements=parse_values(args.element),
        owners=parse_values(args.owner),
        countries=parse_values(args.country),
        statuses=parse_values(args.status),
        stages=parse_values(args.stage),
        min_hree=args.min_hree,
        state_backed=args.state_backed,
    )


@command("export")
def _export(args: argparse.Namespace) -> int:
    from geo.export import write_layers
    from layers.catalog import load_dataset
    from layers.query import Query, apply_query

    query = _query_from(args)
    assert isinstance(query, Query)
    dataset = load_dataset(args.data_dir, include_store=True)
    selected = apply_query(dataset.frames, query, dataset.graph)
    written = write_layers(selected, args.output, fmt=args.format)
    counts = ", ".join(f"{name} {len(gdf)}" for name, gdf in selected.items())
    where = written[0] if len(set(written)) == 1 else Path(args.output)
    _err(f"wrote {where}: {counts} features")
    return 0


@command("validate")
def _validate(args: argparse.Namespace) -> int:
    from geo.io import read_features
    from layers.catalog import infer_layer
    from layers.schema import NESTED_PROPERTIES
    from layers.validate import validate_frame

    path = Path(args.path)
    raw = read_features(path, nested=NESTED_PROPERTIES)
    layer = args.layer or infer_layer(path, raw)
    typed = validate_frame(raw, layer, label=str(path))
    _out(f"{path}: {len(typed)} features, valid as layer {layer}")
    return 0


@command("check")
def _check(args: argparse.Namespace) -> int:
    from layers.catalog import LAYER_FILES, layer_path, load_layer
    from layers.ownership import load_graph

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
    if problems:
        raise DataError(problems)
    total = sum(len(f) for f in frames.values())
    _out(f"data: {total} features in {len(frames)} layers and the ownership graph are valid")
    return 0


def _check_tables(data_dir: Path) -> list[Problem]:
    from layers.tables import load_dependency, load_flows, load_offtakes

    problems: list[Problem] = []
    for loader, path in (
        (load_flows, data_dir / "flows.csv"),
        (load_dependency, data_dir / "dependency.csv"),
        (load_offtakes, data_dir / "ownership" / "offtakes.csv"),
    ):
        if path.exists():
            try:
                loader(path)
            except DataError as exc:
                problems.extend(exc.problems)
    return problems


@command("sources")
def _sources(args: argparse.Namespace) -> int:
    from layers.catalog import load_layers
    from layers.sources import collect_sources, sources_markdown

    data_dir = args.data_dir or settings.DATA_DIR
    sources = collect_sources(load_layers(data_dir=data_dir), data_dir)
    if args.format == "csv":
        sys.stdout.write(sources.to_csv(index=False))
    else:
        sys.stdout.write(sources_markdown(sources))
    return 0


@command("app")
def _app(args: argparse.Namespace) -> int:
    from geo.assets import ensure_static

    ensure_static()  # static/ exists before Streamlit mounts it (a fresh clone has none)
    app = settings.ROOT / "app.py"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        "--server.enableStaticServing",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
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
        "--min-hree", type=float, metavar="PCT", help="minimum heavy-REE share of TREO, %"
    )
    group.add_argument(
        "--state-backed", action="store_true", help="only assets a state entity holds"
    )


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
    export.add_argument("--output", required=True, type=Path, metavar="PATH")
    export.add_argument("--format", choices=["geojson", "gpkg", "csv", "parquet"])
    _filters(export)
    validate = sub.add_parser("validate", help="check a file against a layer's schema")
    validate.add_argument("path", metavar="PATH")
    validate.add_argument("--layer", metavar="NAME")
    sources = sub.add_parser("sources", help="every source the bundled data cites")
    sources.add_argument("--format", choices=["markdown", "csv"], default="markdown")
    sub.add_parser("check", help="validate every bundled layer and the ownership graph together")
    app = sub.add_parser("app", help="start the web app")
    app.add_argument("--port", type=int, default=8501)
    for extension in _EXTENSIONS:
        extension(sub)
    return parser


#: Functions that add further sub-commands (analysis, routes, import) to the parser.
_EXTENSIONS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = []


# --- users' imported layers (layers.imports, geo.store) ---------------------------------


@command("import")
def _import(args: argparse.Namespace) -> int:
    from layers.imports import UserClaim, import_file

    claim = None
    if args.source_title or args.source_url or args.as_of:
        if not (args.source_title and args.as_of):
            raise InputError("--source-title and --as-of go together (the source and its date)")
        claim = UserClaim(title=args.source_title, as_of=args.as_of, url=args.source_url)
    try:
        stored = import_file(
            args.path, label=args.label, layer=args.layer, source_layer=args.source_layer,
            claim=claim, replace=args.replace,
        )
    except DataError as exc:
        missing = ("sources: Field required", "as_of: Field required")
        if claim is None and any(p.message in missing for p in exc.problems):
            exc.problems.append(Problem(args.path, "(file)", _NO_SOURCES_HINT))
        raise
    _out(
        f"{args.path}: {stored.features} feature(s) imported as {stored.label!r} "
        f"(layer {stored.layer}) into {settings.STORE_PATH}"
    )
    return 0


_NO_SOURCES_HINT = (
    "features without sources/as_of are not imported; if the figures are your own, say so "
    "with --source-title TEXT --as-of YYYY-MM-DD [--source-url URL] (kept as your claim)"
)


@command("imported")
def _imported(args: argparse.Namespace) -> int:
    from geo.store import delete_layer, list_layers

    if args.delete:
        delete_layer(args.delete)
        _out(f"deleted {args.delete!r} from {settings.STORE_PATH}")
        return 0
    for entry in list_layers():
        _out(
            f"{entry.label}  {entry.layer}  {entry.features} features  "
            f"from {entry.file}  at {entry.imported_at}"
        )
    return 0


def _import_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser("import", help="validate a file and keep it as an imported layer")
    imp.add_argument("path", metavar="PATH")
    imp.add_argument("--layer", metavar="NAME", help="the layer schema (default: from the file)")
    imp.add_argument(
        "--as",
        dest="label",
        required=True,
        metavar="LABEL",
        help="the name to keep it under (a slug, e.g. my-sites)",
    )
    imp.add_argument("--source-layer", metavar="NAME",
                     help="the layer to read inside a GeoPackage that holds several")
    imp.add_argument("--replace", action="store_true", help="replace a layer of that label")
    claim = imp.add_argument_group(
        "your own claim, for features with no sources/as_of (recorded as given by you)"
    )
    claim.add_argument("--source-title", metavar="TEXT", help="where the figures come from")
    claim.add_argument("--source-url", metavar="URL", help="an http(s) link to that source")
    claim.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date the figures describe")
    listing = sub.add_parser("imported", help="list imported layers (or delete one)")
    listing.add_argument("--delete", metavar="LABEL", help="remove this imported layer")


_EXTENSIONS.append(_import_commands)


# --- trade routes and chokepoints (layers.routes, layers.chokepoints) -------------------


@command("build-routes")
def _build_routes(args: argparse.Namespace) -> int:
    from geo.export import write_layers
    from layers.catalog import layer_path
    from layers.routes import build_from_files

    routes = build_from_files(flows=args.flows, ports=args.ports, data_dir=args.data_dir)
    output = args.output or layer_path("routes", args.data_dir)
    written = write_layers({"routes": routes}, output)
    kinds = routes["route_kind"].value_counts().to_dict()
    _err(
        f"wrote {written[0]}: {len(routes)} route legs of {routes['flow_id'].nunique()} flows "
        f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})"
    )
    return 0


@command("chokepoints")
def _chokepoints(args: argparse.Namespace) -> int:
    from layers.catalog import load_layer
    from layers.chokepoints import exposure, exposure_text

    routes = load_layer("routes", data_dir=args.data_dir)
    table = exposure(
        routes,
        load_layer("chokepoints", data_dir=args.data_dir),
        period=args.period,
        destination=args.destination,
    )
    if table.empty:
        raise InputError(
            f"no {args.destination} imports with a tonnage unit in period "
            f"{args.period!r}; periods: {', '.join(sorted(set(routes['period'])))}"
        )
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
    elif args.format == "json":
        _out(table.to_json(orient="records", indent=1))
    else:
        _out(exposure_text(table))
    return 0


def _route_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    build = sub.add_parser("build-routes", help="draw the flows along sea lanes into routes")
    build.add_argument("--flows", type=Path, metavar="PATH", help="default: DATA/flows.csv")
    build.add_argument("--ports", type=Path, metavar="PATH", help="default: DATA/ports.geojson")
    build.add_argument("--output", type=Path, metavar="PATH", help="default: DATA/routes.geojson")
    choke = sub.add_parser("chokepoints", help="tonnage and share of imports through each")
    choke.add_argument("--period", metavar="P", help="YYYY or YYYY-MM (default: every period)")
    choke.add_argument("--destination", default="JPN", metavar="ISO3", help="default: JPN")
    choke.add_argument("--format", choices=["table", "csv", "json"], default="table")


_EXTENSIONS.append(_route_commands)


# --- analysis: owners, dependency, scenarios (layers.attributable, .dependency, .scenario) --


def _tables(sections: dict[str, object], fmt: str) -> None:
    """Print named tables (DataFrames) as text, CSV (a ``# name`` line before each) or JSON."""
    import json

    import pandas as pd

    frames = {k: v for k, v in sections.items() if isinstance(v, pd.DataFrame)}
    if fmt == "json":
        _out(json.dumps({k: json.loads(v.to_json(orient="records")) for k, v in frames.items()},
                        indent=1, ensure_ascii=False))
        return
    for name, frame in frames.items():
        _out(f"# {name}" if fmt == "csv" else f"\n== {name} ==")
        if fmt == "csv":
            sys.stdout.write(frame.to_csv(index=False))
        else:
            _out(frame.to_string(index=False, na_rep="-", float_format=lambda x: f"{x:,.6g}")
                 if len(frame) else "(none)")


def _analysis_inputs(
    args: argparse.Namespace,
) -> tuple[dict[str, gpd.GeoDataFrame], OwnershipGraph]:
    from datetime import date

    from layers.catalog import load_layers
    from layers.ownership import load_graph

    try:
        on = date.fromisoformat(args.on) if args.on else None
    except ValueError:
        raise InputError(f"--on {args.on!r}: not a date (YYYY-MM-DD)") from None
    frames = load_layers(("mines", "refineries", "routes", "chokepoints"), data_dir=args.data_dir)
    return frames, load_graph(frames, data_dir=args.data_dir, on=on)


@command("owner")
def _owner(args: argparse.Namespace) -> int:
    from layers.attributable import owner_entity, owner_tables

    frames, graph = _analysis_inputs(args)
    entity = owner_entity(graph, args.name)
    if args.format == "table":
        info, backers = graph.entities[entity], graph.state_backers(entity)
        names = ", ".join(graph.name(b) for b in backers)
        flag = f"state-backed ({names})" if backers else "not state-backed"
        _out(f"{info.name} [{entity}], {info.type or 'type not given'}, {info.country or '-'}; "
             f"{flag}; stakes current on {args.on or 'today'}")
    _tables(dict(owner_tables(frames, graph, entity)), args.format)
    return 0


@command("dependency")
def _dependency(args: argparse.Namespace) -> int:
    from layers.dependency import concentration, dependency_series, imports_by_origin
    from layers.tables import load_dependency, load_flows

    folder = args.data_dir or settings.DATA_DIR
    series = dependency_series(load_dependency(folder / "dependency.csv"))
    imports = imports_by_origin(load_flows(folder / "flows.csv"), destination=args.destination)
    _tables({
        "China's share of Japan's imports, one series per source": series[
            ["label", "period", "share_pct", "basis", "series_id"]],
        f"imports into {args.destination} by origin (share of the tonnage held)": imports,
        "concentration (HHI, 0-10,000, over the origins the data holds)": concentration(imports),
    }, args.format)
    return 0


@command("scenario")
def _scenario(args: argparse.Namespace) -> int:
    from layers.scenario import parse_disruption, run_scenario
    from layers.schema import CURRENT_STATUSES
    from layers.tables import load_flows

    what = parse_disruption(args.without)
    frames, graph = _analysis_inputs(args)
    flows = load_flows((args.data_dir or settings.DATA_DIR) / "flows.csv")
    result = run_scenario(what, frames, graph, flows,
                          statuses=tuple(args.status or CURRENT_STATUSES))
    if args.format == "table":
        _out(f"scenario: without {what}; " + "; ".join(result.notes))
    _tables({"imports lost (per period, unit and product)": result.imports,
             "capacity lost (by stage, unit, element group)": result.capacity,
             "capacity outside China (before and after)": result.outside_china}, args.format)
    return 0


def _analysis_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from layers.schema import STATUSES

    owner = sub.add_parser("owner", help="an owner's stakes, assets and attributable capacity")
    owner.add_argument("name", metavar="NAME", help="entity id or name, e.g. JOGMEC")
    dep = sub.add_parser("dependency", help="Japan's dependency series, imports, HHI")
    dep.add_argument("--destination", default="JPN", metavar="ISO3", help="default: JPN")
    scen = sub.add_parser("scenario", help="what is lost without a country, facility, ...")
    scen.add_argument("--without", required=True, metavar="KIND:ID",
                      help="country:ISO3, facility:ID, owner:NAME or chokepoint:ID")
    scen.add_argument("--status", action="append", choices=list(STATUSES),
                      help="statuses whose capacity counts (default: operating, commissioning)")
    for parser in (owner, dep, scen):
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    for parser in (owner, scen):
        parser.add_argument("--on", metavar="YYYY-MM-DD", help="stakes current on (default: today)")


_EXTENSIONS.append(_analysis_commands)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except DataError as exc:
        for problem in exc.problems:
            _err(str(problem))
        return 1
    except InputError as exc:
        _err(f"reemap: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader closed the pipe (`reemap dependency | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        _err(f"reemap: internal error: {type(exc).__name__}: {first}")
        return 3


if __name__ == "__main__":
    raise SystemExit(main())
