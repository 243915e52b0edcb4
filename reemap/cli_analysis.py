"""The `reemap owner`, `dependency`, `scenario` and `coverage` commands."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.errors import InputError
from geo.export import neutralise_formulas
from layers.attributable import owner_entity, owner_tables
from layers.catalog import load_dataset, load_layers
from layers.coverage import coverage
from layers.dependency import concentration, dependency_series, imports_by_origin
from layers.ownership import OwnershipGraph
from layers.ownership_files import load_graph
from layers.scenario import parse_disruption, run_scenario
from layers.schema import CURRENT_STATUSES, STATUSES
from layers.tables import load_dependency, load_flows
from reemap.registry import EXTENSIONS as _EXTENSIONS
from reemap.registry import command
from reemap.registry import out as _out

# --- analysis: owners, dependency, scenarios (layers.attributable, .dependency, .scenario) --


def _tables(sections: dict[str, object], fmt: str) -> None:
    """Print named tables (DataFrames) as text, CSV (a ``# name`` line before each) or JSON."""
    frames = {k: v for k, v in sections.items() if isinstance(v, pd.DataFrame)}
    if fmt == "json":
        _out(
            json.dumps(
                {k: json.loads(v.to_json(orient="records")) for k, v in frames.items()},
                indent=1,
                ensure_ascii=False,
            )
        )
        return
    for name, frame in frames.items():
        _out(f"# {name}" if fmt == "csv" else f"\n== {name} ==")
        if fmt == "csv":
            sys.stdout.write(neutralise_formulas(frame).to_csv(index=False))
        else:
            _out(
                frame.to_string(index=False, na_rep="-", float_format=lambda x: f"{x:,.6g}")
                if len(frame)
                else "(none)"
            )


def _analysis_inputs(
    args: argparse.Namespace,
) -> tuple[dict[str, gpd.GeoDataFrame], OwnershipGraph]:
    try:
        on = date.fromisoformat(args.on) if args.on else None
    except ValueError:
        raise InputError(f"--on {args.on!r}: not a date (YYYY-MM-DD)") from None
    frames = load_layers(("mines", "refineries", "routes", "chokepoints"), data_dir=args.data_dir)
    return frames, load_graph(frames, data_dir=args.data_dir, on=on)


@command("owner")
def _owner(args: argparse.Namespace) -> int:
    frames, graph = _analysis_inputs(args)
    entity = owner_entity(graph, args.name)
    if args.format == "table":
        info, backers = graph.entities[entity], graph.state_backers(entity)
        names = ", ".join(graph.name(b) for b in backers)
        flag = f"state-backed ({names})" if backers else "not state-backed"
        _out(
            f"{info.name} [{entity}], {info.type or 'type not given'}, {info.country or '-'}; "
            f"{flag}; stakes current on {args.on or 'today'}"
        )
    _tables(dict(owner_tables(frames, graph, entity)), args.format)
    return 0


@command("dependency")
def _dependency(args: argparse.Namespace) -> int:
    folder = args.data_dir or settings.DATA_DIR
    series = dependency_series(load_dependency(folder / "dependency.csv"))
    imports = imports_by_origin(load_flows(folder / "flows.csv"), destination=args.destination)
    _tables(
        {
            "import dependence, one series per importer and source": series[
                ["importer", "measure", "label", "period", "share_pct", "basis", "series_id"]
            ],
            f"imports into {args.destination} by origin (share of the tonnage held)": imports,
            "concentration (HHI, 0-10,000, over the origins the data holds)": concentration(
                imports
            ),
        },
        args.format,
    )
    return 0


@command("scenario")
def _scenario(args: argparse.Namespace) -> int:
    what = [parse_disruption(text) for text in args.without]
    frames, graph = _analysis_inputs(args)
    flows = load_flows((args.data_dir or settings.DATA_DIR) / "flows.csv")
    result = run_scenario(
        what, frames, graph, flows, statuses=tuple(args.status or CURRENT_STATUSES)
    )
    if args.format == "table":
        _out(f"scenario: without {', '.join(map(str, what))}; " + "; ".join(result.notes))
    _tables(dict(result.tables()), args.format)
    return 0


@command("coverage")
def _coverage(args: argparse.Namespace) -> int:
    frames = load_dataset(args.data_dir, include_store=True).frames
    _tables({"features stating each figure (the rest leave it empty)": coverage(frames)},
            args.format)
    return 0


def _analysis_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    owner = sub.add_parser("owner", help="an owner's stakes, assets and attributable capacity")
    owner.add_argument("name", metavar="NAME", help="entity id or name, e.g. JOGMEC")
    dep = sub.add_parser(
        "dependency", help="dependence series (JPN, USA, EU), imports by origin, HHI"
    )
    dep.add_argument("--destination", default="JPN", metavar="ISO3", help="default: JPN")
    scen = sub.add_parser("scenario", help="what is lost without a country, facility, ...")
    scen.add_argument(
        "--without",
        required=True,
        action="append",
        metavar="KIND:ID",
        help="country:ISO3, facility:ID, owner:NAME or chokepoint:ID (repeat: together)",
    )
    scen.add_argument(
        "--status",
        action="append",
        choices=list(STATUSES),
        help="statuses whose capacity counts (default: operating, commissioning)",
    )
    cov = sub.add_parser("coverage", help="how many features state each figure, per layer")
    for parser in (owner, dep, scen, cov):
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    for parser in (owner, scen):
        parser.add_argument("--on", metavar="YYYY-MM-DD", help="stakes current on (default: today)")


_EXTENSIONS.append(_analysis_commands)
