"""The `reemap build-routes` and `reemap chokepoints` commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo.errors import InputError
from geo.export import neutralise_formulas, write_layers
from layers.catalog import layer_path, load_layer
from layers.chokepoints import exposure, exposure_text
from layers.routes import build_from_files
from reemap.registry import EXTENSIONS as _EXTENSIONS
from reemap.registry import command
from reemap.registry import err as _err
from reemap.registry import out as _out

# --- trade routes and chokepoints (layers.routes, layers.chokepoints) -------------------


@command("build-routes")
def _build_routes(args: argparse.Namespace) -> int:
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
        sys.stdout.write(neutralise_formulas(table).to_csv(index=False))
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
