"""Extract the USGS rare-earth occurrences from the MinMod JSON of ta2-minmod-data.

The USGS database of rare-earth mines, deposits and occurrences (mrdata.usgs.gov/ree,
public domain) is published as MinMod JSON in the public repository
DARPA-CRITICALMAAS/ta2-minmod-data (MIT licence), files
``data/mineral-sites/umn/mrdata_ree/b000.json`` to ``b063.json``. This script reads those
files from a local git clone at a fixed commit and writes the compact extract
``data/occurrences/usgs_ree_extract.csv`` (one row per record, sorted by record id), from
which ``reemap build-occurrences`` builds ``data/occurrences.geojson``.

Run (needs a clone of the repository; nothing is downloaded)::

    python scripts/extract_usgs_ree.py --git-dir PATH/TO/ta2-minmod-data/.git

The output depends only on the files at the commit, so a re-run writes the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from layers.schema import ELEMENTS

COMMIT = "050de430cb38b9c8b43f4bb67387f561bc096ab0"
FOLDER = "data/mineral-sites/umn/mrdata_ree"
FILES = tuple(f"{FOLDER}/b{i:03d}.json" for i in range(64))
RECORD_URL = "https://mrdata.usgs.gov/ree/show-ree.php?rec_id={}"
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "data" / "occurrences" / "usgs_ree_extract.csv"
COUNTRIES = ROOT / "data" / "countries.geojson"

#: USGS country names that differ from the Natural Earth names in data/countries.geojson.
#: "USSR" is left without a code: the state no longer exists and its records have no point.
ALIASES = {
    "Burma": "MMR",
    "Congo (Zaire)": "COD",
    "Korea, Republic of": "KOR",
    "Surinam": "SUR",
    "United States": "USA",
    "USSR": "",
}

#: The rare-earth elements by the (English) names MinMod uses, name -> symbol.
ELEMENT_NAMES = {name: symbol for symbol, name in ELEMENTS.items()}

COLUMNS = (
    "record_id", "name", "country_name", "country", "state_or_province", "lon", "lat",
    "elements", "other_commodities", "url",
)  # fmt: skip

_POINT = re.compile(r"^POINT \((-?[0-9.]+) (-?[0-9.]+)\)$")


def _show(git_dir: Path, path: str) -> Any:
    text = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{COMMIT}:{path}"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(text)


def _iso3_by_name() -> dict[str, str]:
    features = json.loads(COUNTRIES.read_text(encoding="utf-8"))["features"]
    names = {f["properties"]["name"]: f["properties"]["iso_a3"] for f in features}
    return {**names, **ALIASES}


def _row(record: dict[str, Any], iso3: dict[str, str]) -> dict[str, str]:
    info = record["location_info"]
    (country,) = info["country"]  # every record names exactly one
    name = country["observed_name"]
    if name not in iso3:
        raise SystemExit(f"record {record['record_id']}: country {name!r} has no ISO3 code")
    lon = lat = ""
    if info.get("location"):
        if info.get("crs", {}).get("observed_name") != "EPSG:4326":
            raise SystemExit(f"record {record['record_id']}: location not in EPSG:4326")
        match = _POINT.match(info["location"])
        if match is None:
            raise SystemExit(f"record {record['record_id']}: unreadable {info['location']!r}")
        lon, lat = match.groups()
    states = [s["observed_name"] for s in info.get("state_or_province") or []]
    commodities = [m["commodity"]["observed_name"] for m in record["mineral_inventory"]]
    symbols = {ELEMENT_NAMES[c] for c in commodities if c in ELEMENT_NAMES}
    order = list(ELEMENTS)
    return {
        "record_id": record["record_id"],
        "name": record["name"].strip(),
        "country_name": name,
        "country": iso3[name],
        "state_or_province": "; ".join(states),
        "lon": lon,
        "lat": lat,
        "elements": json.dumps(sorted(symbols, key=order.index)),
        "other_commodities": json.dumps(sorted({c for c in commodities if c not in ELEMENT_NAMES})),
        "url": RECORD_URL.format(record["record_id"]),
    }


def extract(git_dir: Path) -> list[dict[str, str]]:
    """Every record of the 64 files, one row each, sorted by numeric record id."""
    iso3 = _iso3_by_name()
    rows = [_row(r, iso3) for path in FILES for r in _show(git_dir, path)]
    ids = [r["record_id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise SystemExit("a record id occurs twice")
    return sorted(rows, key=lambda r: int(r["record_id"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", type=Path, required=True, help="the clone's git directory")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    rows = extract(args.git_dir)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    args.output.write_text(buffer.getvalue(), encoding="utf-8")
    located = sum(1 for r in rows if r["lon"])
    sys.stderr.write(f"wrote {args.output}: {len(rows)} records, {located} with a point\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
