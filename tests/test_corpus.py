"""The broken-input corpus through the real command line: exit code, one line per problem.

Each file in tests/data/corpus/ is one case (see tests/data/README.md). The CLI runs in a
subprocess, as a user runs it, against a store in a temporary folder: every refused file
must give exit code 1 (invalid data) or 2 (unreadable), name file, feature and field on
one line per problem, never print a traceback, and leave the store as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"

#: file, --layer, exit code, and for each expected line: (feature, text it must contain).
CASES: list[tuple[str, str | None, int, list[tuple[str, str]]]] = [
    (
        "swapped_latlon.geojson",
        None,
        1,
        [
            (
                "mount-weld",
                "geometry: coordinates outside +-180 longitude / +-90 latitude (x -28.86..-28.86, "
                "y 122.55..122.55): are latitude and longitude swapped?",
            )
        ],
    ),
    ("projected_no_crs.csv", None, 1, [("(file)", "no CRS and its coordinates look projected")]),
    (
        "out_of_range.geojson",
        None,
        1,
        [
            ("mount-weld", "geometry: coordinates outside"),
            ("lofdal", "geometry: coordinates outside"),
        ],
    ),
    (
        "empty_geometry.geojson",
        None,
        1,
        [
            ("no-geometry", "geometry: missing"),
            ("empty-point", "geometry: empty"),
            ("empty-collection", "geometry: empty"),
        ],
    ),
    (
        "self_intersecting.geojson",
        None,
        1,
        [("bowtie-mud", "geometry: invalid (Self-intersection")],
    ),
    ("duplicate_ids.geojson", None, 1, [("mount-weld", "id: duplicate (also feature #1)")]),
    (
        "stakes_over_100.geojson",
        None,
        1,
        [("mount-weld", "owners: stakes add up to 110%"), ("one-owner-150", "owners.0.stake_pct")],
    ),
    (
        "unknown_elements.geojson",
        None,
        1,
        [
            ("mount-weld", "elements.1: Input should be 'Sc'"),
            ("mount-weld", "or 'Lu', got 'Unobtainium'"),
        ],
    ),
    ("negative_capacity.geojson", None, 1, [("mount-weld", "capacity: Input should be greater")]),
    (
        "wrong_types.geojson",
        None,
        1,
        [
            ("mount-weld", "name:"),
            ("mount-weld", "owners:"),
            ("mount-weld", "elements:"),
            ("mount-weld", "hree_share_pct:"),
            ("mount-weld", "capacity: Input should be a valid number, got '12000'"),
            ("mount-weld", "capacity_year:"),
        ],
    ),
    (
        "no_sources.geojson",
        "mines",
        1,
        [
            ("my-prospect", "sources: Field required"),
            ("my-prospect", "as_of: Field required"),
            ("(file)", "--source-title"),
        ],
    ),
    ("truncated.geojson", None, 2, [("", "not valid JSON")]),
    ("binary_junk.gpkg", None, 2, [("", "not a GeoPackage")]),
    ("empty.geojson", None, 2, [("", "the file is empty")]),
]


def run_cli(
    *args: str, store: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``reemap ARGS`` in a subprocess with its own store; return the finished process."""
    full = {**os.environ, "REEMAP_STORE": str(store), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "reemap.cli", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=CORPUS,
        timeout=120,
        check=False,
    )


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store already holding one good import, so 'left as it was' compares real bytes."""
    store = tmp_path_factory.mktemp("store") / "imported.gpkg"
    done = run_cli("import", "accented_names.geojson", "--as", "mine", store=store)
    assert done.returncode == 0, done.stderr
    return store


@pytest.mark.parametrize(("name", "layer", "code", "expected"), CASES, ids=[c[0] for c in CASES])
def test_corpus_case_is_refused_one_line_per_problem(
    seeded_store: Path, name: str, layer: str | None, code: int, expected: list[tuple[str, str]]
) -> None:
    before = _digest(seeded_store)
    args = ["import", name, "--as", "attempt", *(["--layer", layer] if layer else [])]
    done = run_cli(*args, store=seeded_store)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == len(expected)
    for line, (feature, text) in zip(lines, expected, strict=True):
        if code == 2:  # unreadable: one line naming the file
            assert line.startswith(f"reemap: {name}: ")
        else:
            assert line.startswith(f"{name}: {feature}: ")
        assert text in line
    assert _digest(seeded_store) == before  # the failed import left the store as it was
    assert not [
        p for p in seeded_store.parent.iterdir() if p.suffix == ".gpkg" and p != seeded_store
    ]


@pytest.mark.parametrize("name", ["duplicate_ids.geojson", "truncated.geojson"])
def test_validate_and_import_share_one_validator(seeded_store: Path, name: str) -> None:
    validated = run_cli("validate", name, store=seeded_store)
    imported = run_cli("import", name, "--as", "attempt", store=seeded_store)
    assert validated.returncode == imported.returncode != 0
    assert validated.stderr == imported.stderr


def test_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    # oversized.geojson is valid: only the size check can refuse it, before any parsing
    store = tmp_path / "imported.gpkg"
    size = (CORPUS / "oversized.geojson").stat().st_size
    small = {"REEMAP_MAX_INPUT_BYTES": str(size - 1)}
    done = run_cli("import", "oversized.geojson", "--as", "big", store=store, env=small)
    assert done.returncode == 2
    assert done.stderr.startswith("reemap: oversized.geojson: the file is ")
    assert "over the" in done.stderr
    assert "Traceback" not in done.stderr
    assert not store.exists()
    ok = run_cli(
        "import",
        "oversized.geojson",
        "--as",
        "big",
        store=store,
        env={"REEMAP_MAX_INPUT_BYTES": str(size)},
    )
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize(
    ("name", "layer_count"), [("hostile_text.geojson", 1), ("japanese_names.geojson", 1)]
)
def test_valid_corpus_files_import(tmp_path: Path, name: str, layer_count: int) -> None:
    store = tmp_path / "imported.gpkg"
    done = run_cli("import", name, "--as", "ok", store=store)
    assert done.returncode == 0, done.stderr
    assert f"{layer_count} feature(s) imported as 'ok'" in done.stdout
    listing = run_cli("imported", store=store)
    assert listing.stdout.startswith("ok  ")


def test_imported_layers_survive_a_restart_and_export_from_the_cli(tmp_path: Path) -> None:
    # each run is a new process: the store is all that carries the layer from one to the next
    store = tmp_path / "imported.gpkg"
    mini = Path(__file__).resolve().parent / "data" / "mini"
    assert (
        run_cli("import", "accented_names.geojson", "--as", "nordic", store=store).returncode == 0
    )
    assert run_cli("import", "japanese_names.geojson", "--as", "jp", store=store).returncode == 0
    out = tmp_path / "out"
    done = run_cli(
        "--data-dir",
        str(mini),
        "export",
        "--output",
        str(out),
        "--layer",
        "mines,seabed",
        "--element",
        "Dy",
        store=store,
    )
    assert done.returncode == 0, done.stderr
    mines = json.loads((out / "mines.geojson").read_text(encoding="utf-8"))["features"]
    seabed = json.loads((out / "seabed.geojson").read_text(encoding="utf-8"))["features"]
    imported = {
        f["properties"]["id"]: f["properties"]
        for f in mines + seabed
        if f["properties"]["source_label"]
    }
    assert imported["nordic--norra-karr"]["name"] == "Norra Kärr"
    assert imported["nordic--kvanefjeld"]["notes"] is None
    assert imported["jp--minami-torishima-mud"]["name_local"] == "南鳥島"
    assert "南鳥島" in (out / "seabed.geojson").read_text(encoding="utf-8")  # not \u-escaped
    deleted = run_cli("imported", "--delete", "nordic", store=store)
    assert deleted.returncode == 0
    assert run_cli("imported", store=store).stdout.startswith("jp  seabed  1 features")
