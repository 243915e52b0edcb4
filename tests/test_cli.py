"""The `reemap` command line as design.md specifies it: filters, exports, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from reemap.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed command line in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "reemap", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _ids(path: Path) -> set[str]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    return {f["properties"]["id"] for f in doc["features"]}


def test_owner_follows_the_ownership_chain_on_bundled_data(tmp_path: Path) -> None:
    out = tmp_path / "x.geojson"
    result = _run("export", "--layer", "mines", "--owner", "JOGMEC", "--output", str(out))
    assert result.returncode == 0, result.stderr
    ids = _ids(out)
    assert {"lofdal", "mount-weld"} <= ids  # Lofdal directly, Mount Weld through JARE -> Lynas
    assert "mountain-pass" not in ids
    # RFC 7946 and readable by GDAL
    info = pyogrio.read_info(out)
    assert info["crs"] == "EPSG:4326"
    assert info["features"] == len(ids)


def test_owner_match_is_by_entity_not_substring(tmp_path: Path, mini_dir: Path) -> None:
    out = tmp_path / "x.geojson"
    assert (
        main(["--data-dir", str(mini_dir), "export", "--owner", "jogmec", "--output", str(out)])
        == 0
    )
    # mines through JARE and directly; the refinery of Lynas through JARE; nothing of MP
    assert _ids(out.parent / "x.geojson" / "mines.geojson") == {"lofdal", "mount-weld"}
    assert _ids(out / "refineries.geojson") == {"lynas-malaysia"}
    assert (
        main(
            [
                "--data-dir",
                str(mini_dir),
                "export",
                "--owner",
                "JOG",
                "--output",
                str(tmp_path / "y.geojson"),
            ]
        )
        == 2
    )
    assert not (tmp_path / "y.geojson").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--element", "Dy"], {"lofdal", "longnan", "norra-karr"}),
        (
            ["--element", "Dy,Nd"],
            {"lofdal", "longnan", "norra-karr", "mount-weld", "mountain-pass"},
        ),
        (
            ["--element", "Tb", "--element", "La"],
            {"lofdal", "longnan", "mount-weld", "mountain-pass"},
        ),
        (["--min-hree", "50"], {"lofdal", "longnan", "norra-karr"}),
        (["--min-hree", "60.5"], {"lofdal"}),
        (["--element", "Dy", "--status", "operating"], {"longnan"}),
        (["--country", "aus,usa"], {"mount-weld", "mountain-pass"}),
        (["--owner", "JOGMEC", "--min-hree", "10"], {"lofdal"}),
        (["--state-backed"], {"lofdal", "mount-weld", "longnan"}),
        (["--min-capacity", "20000"], {"mountain-pass"}),
        (["--capacity-unit", "t/yr REO", "--max-capacity", "10000"], {"mount-weld"}),
    ],
)
def test_filters_and_or(
    tmp_path: Path, mini_dir: Path, args: list[str], expected: set[str]
) -> None:
    out = tmp_path / "m.geojson"
    code = main(
        ["--data-dir", str(mini_dir), "export", "--layer", "mines", *args, "--output", str(out)]
    )
    assert code == 0
    assert _ids(out) == expected


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "parquet"])
def test_every_format_is_written(tmp_path: Path, mini_dir: Path, fmt: str) -> None:
    out = tmp_path / f"mines.{fmt}"
    assert (
        main(
            [
                "--data-dir",
                str(mini_dir),
                "export",
                "--layer",
                "mines",
                "--format",
                fmt,
                "--output",
                str(out),
            ]
        )
        == 0
    )
    if fmt == "parquet":
        import geopandas as gpd

        assert len(gpd.read_parquet(out)) == 5
    else:
        options = {"GEOM_POSSIBLE_NAMES": "geometry"} if fmt == "csv" else {}
        assert pyogrio.read_info(out, **options)["features"] == 5


def test_validate_broken_file_one_line_per_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    feats = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-28.86, 122.55]},
            "properties": {
                "id": "a",
                "name": "A",
                "country": "AUS",
                "status": "operating",
                "sources": [{"title": "t", "date": "2025"}],
                "as_of": "2025-01-01",
            },
        },
        {
            "type": "Feature",
            "geometry": None,
            "properties": {
                "id": "b",
                "name": "B",
                "country": "AUS",
                "status": "producing",
                "elements": ["Xx"],
                "capacity": -1,
                "sources": [],
                "as_of": "2025-01-01",
            },
        },
    ]
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    result = _run("validate", str(bad), "--layer", "mines")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith(f"{bad}: ") for line in lines)
    assert any(line.startswith(f"{bad}: a: geometry:") and "swapped" in line for line in lines)
    for field in ("geometry: missing", "status:", "elements.0:", "capacity:", "sources:"):
        assert any(line.startswith(f"{bad}: b: {field}") for line in lines), field
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01garbage", "not valid JSON"),
        (b'{"type": "FeatureCollection", "features": [{"type":', "not valid JSON"),
    ],
)
def test_validate_unreadable_exits_2(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.geojson"
    path.write_bytes(content)
    result = _run("validate", str(path), "--layer", "mines")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def test_validate_missing_file_and_unknown_layer(tmp_path: Path) -> None:
    result = _run("validate", str(tmp_path / "nope.geojson"))
    assert (result.returncode, "no such file" in result.stderr) == (2, True)
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    result = _run("validate", str(path))
    assert result.returncode == 2
    assert "the file holds no features" in result.stderr  # as `reemap import` says
    point = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [1, 2]},
    }
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [point]}), encoding="utf-8"
    )
    result = _run("validate", str(path))
    assert result.returncode == 2
    assert "cannot tell the layer" in result.stderr


def test_validate_good_file(mini_dir: Path) -> None:
    result = _run("validate", str(mini_dir / "mines.geojson"))
    assert result.returncode == 0, result.stderr
    assert "5 features, valid as layer mines" in result.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _run("export").returncode == 2  # --output is required
    result = _run("export", "--element", "Qq", "--output", str(tmp_path / "x.geojson"))
    assert result.returncode == 2
    assert "unknown element 'Qq'" in result.stderr
    result = _run("export", "--min-hree", "120", "--output", str(tmp_path / "x.geojson"))
    assert result.returncode == 2
    assert not (tmp_path / "x.geojson").exists()


def test_layers_lists_counts_and_files() -> None:
    result = _run("layers")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert {"mines", "refineries", "seabed", "routes"} <= set(rows)
    assert int(rows["mines"][1]) >= 3
    assert rows["mines"][2].endswith("mines.geojson")


def test_check_bundled_data_is_valid() -> None:
    result = _run("check")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_coverage_counts_what_the_data_states(mini_dir: Path) -> None:
    result = _run("--data-dir", str(mini_dir), "coverage", "--format", "csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == "layer,figure,stated,features,stated_pct"
    assert "mines,capacity,2,5,40.0" in lines  # Mount Weld and Mountain Pass of 5 mini mines
