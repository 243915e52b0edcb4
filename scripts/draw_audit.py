"""Draw a random sample of the data's figures for an audit against their cited sources.

Issue 13 asks for audits of randomly drawn figures, each checked against the source that
states it. This script lists the population and draws from it deterministically:

- every non-null figure of the curated layers ``mines``, ``refineries`` and ``seabed``
  (the ``FIGURE_FIELDS`` of ``layers/schema.py``, plus each ``stake:OWNER`` entry of
  ``figure_sources``), with the source its ``figure_sources`` index names;
- every non-empty ``tonnage`` of ``flows.csv``, with the row's ``source_*`` columns.

The population is ordered by layer (mines, refineries, seabed, flows), then feature order
in the file, then figure order (``FIGURE_FIELDS``, then stakes in owner order), and the
sample is ``random.Random(seed).sample(population, n)``, so the same data folder and seed
always draw the same figures. The sample is printed as a Markdown table.

A heavy-REE share the loader computed from element shares (``hree_basis`` "computed ...")
is not a stated figure and is left out, as ``layers.provenance.figure_keys`` does.

Run::

    python scripts/draw_audit.py --seed 20261205 --n 25 [--data data]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layers.schema import FIGURE_FIELDS, FIGURE_STAKE_PREFIX

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("mines", "refineries", "seabed")
#: The unit of a figure: a field that holds it, or the unit itself.
UNIT_FIELDS = {
    "capacity": "capacity_unit",
    "production": "production_unit",
    "resource_t": "resource_unit",
}
UNITS = {
    "resource_mt": "Mt ore",
    "grade_treo_pct": "% TREO",
    "hree_share_pct": "% of TREO",
    "element_shares_pct": "% of TREO",
    "depth_m_min": "m",
    "depth_m_max": "m",
    "rey_ppm_max": "ppm",
    "rey_ppm_typical": "ppm",
    "supply_years": "years of world demand",
    "start_year": "year",
}
#: The field giving the year a figure describes, where there is one.
YEAR_FIELDS = {
    "capacity": "capacity_year",
    "production": "production_year",
    "resource_mt": "resource_year",
    "grade_treo_pct": "resource_year",
}


@dataclass(frozen=True)
class Figure:
    """One figure of the population and the source cited for it."""

    layer: str
    feature: str
    field: str
    value: str
    unit: str
    year: str
    source_index: str
    title: str
    url: str
    publisher: str
    kind: str
    date: str


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _stated(value: Any) -> bool:
    return value is not None and not (isinstance(value, dict | list) and not value)


def _feature_figures(layer: str, props: dict[str, Any]) -> list[Figure]:
    named = props.get("figure_sources") or {}
    sources = props.get("sources") or []
    keys: list[tuple[str, Any, str, str]] = []
    basis = props.get("hree_basis")
    for field in FIGURE_FIELDS:
        value = props.get(field)
        if not _stated(value):
            continue
        if field == "hree_share_pct" and isinstance(basis, str) and basis.startswith("computed"):
            continue
        unit = _text(props.get(UNIT_FIELDS[field])) if field in UNIT_FIELDS else UNITS.get(
            field, "")
        year = _text(props.get(YEAR_FIELDS.get(field, ""))) or _text(props.get("as_of"))
        keys.append((field, value, unit, year))
    for owner in props.get("owners") or []:
        if owner.get("stake_pct") is not None:
            keys.append((f"{FIGURE_STAKE_PREFIX}{owner['name']}", owner["stake_pct"], "%",
                         _text(props.get("as_of"))))
    figures = []
    for field, value, unit, year in keys:
        index = named.get(field)
        source = sources[index] if isinstance(index, int) and 0 <= index < len(sources) else {}
        figures.append(Figure(
            layer, str(props.get("id")), field, _text(value), unit, year,
            "none named" if index is None else str(index),
            _text(source.get("title")), _text(source.get("url")),
            _text(source.get("publisher")), _text(source.get("kind")),
            _text(source.get("date"))))
    return figures


def population(data: Path) -> list[Figure]:
    """Every stated figure in the data folder, in a fixed order.

    Parameters
    ----------
    data
        The data folder (holding ``mines.geojson``, ``refineries.geojson``,
        ``seabed.geojson`` and ``flows.csv``).

    Returns
    -------
    list of Figure
        Layer by layer, feature by feature, then the flows' tonnages.
    """
    figures: list[Figure] = []
    for layer in LAYERS:
        path = data / f"{layer}.geojson"
        collection = json.loads(path.read_text(encoding="utf-8"))
        for feature in collection["features"]:
            figures.extend(_feature_figures(layer, feature["properties"]))
    with (data / "flows.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not (row.get("tonnage") or "").strip():
                continue
            figures.append(Figure(
                "flows", row["id"], "tonnage", row["tonnage"], row["tonnage_unit"],
                row["period"], "row", row["source_title"], row["source_url"],
                row["source_publisher"], row.get("source_kind", ""), row["source_date"]))
    return figures


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(sample: list[Figure]) -> str:
    """The drawn figures as a Markdown table."""
    head = ("| # | layer | feature | figure | value | unit | year | src | source (title) | URL "
            "| publisher | kind | date |")
    lines = [head, "|" + "---|" * 13]
    for number, f in enumerate(sample, start=1):
        cells = [str(number), f.layer, f.feature, f.field, f.value, f.unit, f.year,
                 f.source_index, f.title, f.url, f.publisher, f.kind, f.date]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the population size and the drawn figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True, help="seed of random.Random")
    parser.add_argument("--n", type=int, default=25, help="how many figures to draw")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="data folder")
    args = parser.parse_args(argv)
    try:
        figures = population(args.data)
    except (OSError, ValueError, KeyError) as exc:
        print(f"{args.data}: cannot read the data: {exc}", file=sys.stderr)
        return 1
    if args.n > len(figures):
        print(f"{args.data}: --n {args.n} is more than the {len(figures)} figures",
              file=sys.stderr)
        return 1
    sample = random.Random(args.seed).sample(figures, args.n)
    print(f"Population: {len(figures)} figures; seed {args.seed}; n {args.n}\n")
    print(table(sample))
    return 0


if __name__ == "__main__":
    sys.exit(main())
