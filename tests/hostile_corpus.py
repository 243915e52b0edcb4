"""The hostile files of tests/data/corpus (issue 18), and the large ones the tests build.

``python tests/hostile_corpus.py`` writes the small, static cases into tests/data/corpus/
(they are committed; this is how they were made). The tests build the large cases (a
geometry nested 100,000 deep, a VRT pointing at a loopback URL of the test's own) into a
temporary folder with the same functions. Figures are invented; licence CC0.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import shapely

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
#: The text of the "server file" the disguised VRTs point at; no output may show it.
CANARY = "CANARY-SERVER-FILE-7f3a"


def mine(**overrides: Any) -> dict[str, Any]:
    """One valid mine's properties (invented figures), with ``overrides`` applied."""
    props: dict[str, Any] = {
        "id": "test-mine",
        "name": "Test mine",
        "layer": "mines",
        "country": "SWE",
        "status": "development",
        "owners": [{"name": "Test owner", "stake_pct": 100}],
        "elements": ["Dy", "Nd"],
        "sources": [
            {"title": "Test fixture (invented figures)", "url": "https://example.org/t",
             "date": "2025-06"}
        ],
        "as_of": "2025-06-30",
    }  # fmt: skip
    props.update(overrides)
    return props


def feature_collection(props: list[dict[str, Any]], geometry: Any = None) -> str:
    """A GeoJSON FeatureCollection of points at Norra Kärr (or ``geometry``)."""
    geom = geometry or {"type": "Point", "coordinates": [14.66, 58.1]}
    features = [{"type": "Feature", "properties": p, "geometry": geom} for p in props]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=True)


def vrt(source: str, *, relative: bool = False, layer: str = "canary") -> str:
    """An OGR VRT (XML) that reads ``source`` as points: the file GDAL must never open."""
    rel = ' relativeToVRT="1"' if relative else ""
    return (
        '<OGRVRTDataSource><OGRVRTLayer name="mines">'
        f"<SrcDataSource{rel}>{source}</SrcDataSource><SrcLayer>{layer}</SrcLayer>"
        '<GeometryType>wkbPoint</GeometryType>'
        '<GeometryField encoding="PointFromColumns" x="lon" y="lat"/>'
        "</OGRVRTLayer></OGRVRTDataSource>\n"
    )


def nested_wkt(depth: int) -> str:
    """A geometry collection nested ``depth`` deep, as WKT."""
    return "GEOMETRYCOLLECTION (" * depth + "POINT (14.66 58.1)" + ")" * depth


def nested_wkb(depth: int) -> bytes:
    """A geometry collection nested ``depth`` deep, as little-endian WKB."""
    head = b"\x01" + struct.pack("<II", 7, 1)
    return head * depth + b"\x01" + struct.pack("<Idd", 1, 14.66, 58.1)


def csv_with_wkt(path: Path, wkt: str) -> Path:
    """A one-mine CSV whose geometry is ``wkt``."""
    props = mine()
    row = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in props.items()}
    header = ",".join(row)
    cells = ",".join('"' + str(v).replace('"', '""') + '"' for v in row.values())
    path.write_text(f"{header},wkt\n{cells},\"{wkt}\"\n", encoding="utf-8")
    return path


def parquet_with_wkb(path: Path, wkb: bytes) -> Path:
    """A one-mine GeoParquet file whose geometry is the WKB ``wkb`` (written unparsed)."""
    props = mine()
    columns = {k: [json.dumps(v) if isinstance(v, list | dict) else v] for k, v in props.items()}
    table = pa.table({**columns, "geometry": pa.array([wkb], type=pa.binary())})
    geo = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": []}},
    }
    table = table.replace_schema_metadata({b"geo": json.dumps(geo).encode()})
    pq.write_table(table, path)
    return path


def shapefile_zip(path: Path, members: dict[str, gpd.GeoDataFrame]) -> Path:
    """A zip holding one shapefile per entry (name -> features)."""
    folder = path.parent / f".{path.stem}-parts"
    folder.mkdir(exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, gdf in members.items():
            pyogrio.write_dataframe(gdf, folder / f"{name}.shp")
            for part in sorted(folder.glob(f"{name}.*")):
                archive.write(part, part.name)
                part.unlink()
    folder.rmdir()
    return path


def _points(n: int = 1) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [f"site-{i}" for i in range(n)], "name": [f"Site {i}" for i in range(n)]},
        geometry=[shapely.Point(14.66, 58.1)] * n,
        crs="EPSG:4326",
    )


def write_static(folder: Path = CORPUS) -> None:
    """Write the small hostile cases (committed under tests/data/corpus)."""
    (folder / "canary_server_file.csv").write_text(
        f"id,name,lon,lat\n{CANARY},{CANARY} secret line,14.66,58.1\n", encoding="utf-8"
    )
    for ext in ("gpkg", "kml", "shp"):  # class 1: a VRT disguised as each GDAL format
        (folder / f"vrt_disguised.{ext}").write_text(
            vrt("canary_server_file.csv", relative=True, layer="canary_server_file"),
            encoding="utf-8",
        )
    with zipfile.ZipFile(folder / "vrt_in_zip.zip", "w") as archive:
        archive.writestr("mines.shp", vrt("CSV:/etc/passwd", layer="passwd"))
    (folder / "xxe.kml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY x SYSTEM "canary_server_file.csv">]>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&x;</name>'
        "<Point><coordinates>14.66,58.1</coordinates></Point></Placemark></Document></kml>\n",
        encoding="utf-8",
    )
    # class 2: nesting past the bound (the 100,000-deep ones are built by the tests)
    csv_with_wkt(folder / "nested_wkt.csv", nested_wkt(64))
    parquet_with_wkb(folder / "nested_wkb.parquet", nested_wkb(64))
    deep: dict[str, Any] = {"type": "Point", "coordinates": [14.66, 58.1]}
    for _ in range(64):
        deep = {"type": "GeometryCollection", "geometries": [deep]}
    (folder / "nested_geometry.geojson").write_text(
        feature_collection([mine()], deep), encoding="utf-8"
    )
    # class 3: control characters
    (folder / "nul_name.geojson").write_text(
        feature_collection([mine(name="\x00")]), encoding="utf-8"
    )
    (folder / "control_chars.geojson").write_text(
        feature_collection(
            [mine(notes="\x1b[31mred\x1b[0m", owners=[{"name": "A\x00B", "stake_pct": 50}])]
        ),
        encoding="utf-8",
    )
    # class 5: small files that expand
    with zipfile.ZipFile(folder / "zip_bomb.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("mines.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96)
        with z.open("mines.dbf", "w") as member:
            block = b"\x00" * (1 << 20)
            for _ in range(210):  # 210 MB of zeros: ~200 kB compressed
                member.write(block)
    n = 600_000
    table = pa.table(
        {
            "id": pa.array(["same"] * n),
            "geometry": pa.array([shapely.to_wkb(shapely.Point(14.66, 58.1))] * n),
        }
    ).replace_schema_metadata(
        {b"geo": json.dumps({"version": "1.0.0", "primary_column": "geometry",
                             "columns": {"geometry": {"encoding": "WKB",
                                                      "geometry_types": []}}}).encode()}
    )  # fmt: skip
    pq.write_table(table, folder / "many_rows.parquet", compression="zstd")
    header = ",".join(f"c{i}" for i in range(50_000))
    (folder / "wide.csv").write_text(f"lon,lat,{header}\n14.66,58.1\n", encoding="utf-8")
    # class 8: a user's file or environment, never a bug in reemap
    (folder / "fid_property.geojson").write_text(
        feature_collection([mine(fid="abc")]), encoding="utf-8"
    )
    (folder / "case_twins.geojson").write_text(
        feature_collection([mine(Notes="a", notes="b")]), encoding="utf-8"
    )
    many = mine(**{f"extra_{i}": i for i in range(1000)})
    (folder / "many_properties.geojson").write_text(feature_collection([many]), encoding="utf-8")
    owners = "[" * 5000 + "]" * 5000
    deep_owners = mine()
    row = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in deep_owners.items()}
    row["owners"] = owners
    cells = ",".join('"' + str(v).replace('"', '""') + '"' for v in row.values())
    (folder / "deep_owners.csv").write_text(
        ",".join(row) + ",lon,lat\n" + cells + ",14.66,58.1\n", encoding="utf-8"
    )
    (folder / "unknown_crs.geojson").write_text(
        feature_collection([mine()]).replace(
            '{"type": "FeatureCollection"',
            '{"type": "FeatureCollection", "crs": {"type": "name", "properties": '
            '{"name": "EPSG:999999"}}',
        ),
        encoding="utf-8",
    )
    local = gpd.GeoDataFrame(
        {"id": ["local"]}, geometry=[shapely.Point(100, 200)],
        crs='LOCAL_CS["site grid",UNIT["metre",1],AXIS["X",EAST],AXIS["Y",NORTH]]',
    )  # fmt: skip
    local_path = folder / "local_crs.gpkg"
    local_path.unlink(missing_ok=True)
    pyogrio.write_dataframe(local, local_path, layer="mines")
    plain = folder / "plain_table.gpkg"
    plain.unlink(missing_ok=True)
    pyogrio.write_dataframe(_points(), plain, layer="mines")
    pyogrio.write_dataframe(
        gpd.GeoDataFrame({"note": ["just a table"]}), plain, layer="notes", append=True
    )
    # class 10
    (folder / "non_finite.csv").write_text(
        "id,name,layer,country,status,capacity,capacity_unit,location_precision_km,"
        "sources,as_of,lon,lat\n"
        'inf-mine,Inf mine,mines,SWE,development,inf,t/yr REO,nan,"[{""title"": ""T"", '
        '""date"": ""2025""}]",2025-06-30,14.66,58.1\n',
        encoding="utf-8",
    )
    shapefile_zip(folder / "two_shapefiles.zip", {"north": _points(), "south": _points(2)})
    empty = {"type": "Feature", "properties": {}, "geometry": None}
    (folder / "empty_features.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [empty] * 100}), encoding="utf-8"
    )
    (folder / "formula_cells.geojson").write_text(
        feature_collection(
            [
                mine(
                    id="formula-mine",
                    name='=HYPERLINK("http://127.0.0.1:9/x","click")',
                    notes="@SUM(1+1)",
                    operator="+cmd|' /C calc'!A0",
                    name_local="-2+3",
                    owners=[{"name": "=1+1", "stake_pct": 100}],
                )
            ]
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    write_static()


# --- running reemap as a user does, with its cost measured --------------------------------


@dataclass(frozen=True)
class Run:
    """A finished ``python -m reemap`` run: exit code, output, peak memory and time."""

    returncode: int
    stdout: str
    stderr: str
    peak_mb: float
    seconds: float


def run_reemap(
    *args: str, store: Path, cwd: Path = CORPUS, env: dict[str, str] | None = None,
    timeout: float = 120.0, preexec: Callable[[], None] | None = None,
) -> Run:  # fmt: skip
    """Run ``python -m reemap ARGS`` in a subprocess with its own store; measure its cost.

    The child's own peak resident memory comes from ``wait4``; a run past ``timeout``
    seconds is killed (and then fails the caller's time bound).
    """
    full = {**os.environ, "REEMAP_STORE": str(store), **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "reemap", *args], stdout=out, stderr=err, env=full,
            cwd=cwd, preexec_fn=preexec,  # noqa: PLW1509  (resource limits of the child)
        )  # fmt: skip
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return Run(
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", errors="replace"),
            stderr=err.read().decode("utf-8", errors="replace"),
            peak_mb=usage.ru_maxrss / 1024,
            seconds=seconds,
        )


def assert_clean(run: Run, *, code: int, lines: int | None = None) -> list[str]:
    """The run ended with ``code``, no traceback, no warning, nothing of a server file.

    Returns the stderr lines (one per problem).
    """
    assert run.returncode == code, (run.returncode, run.stderr[-2000:])
    text = run.stdout + run.stderr
    assert "Traceback" not in text
    assert "Warning" not in run.stderr and "warning" not in run.stderr.lower()
    assert CANARY not in text
    assert "root:x:0:0" not in text
    found = run.stderr.strip().splitlines()
    if lines is not None:
        assert len(found) == lines, found
    return found
