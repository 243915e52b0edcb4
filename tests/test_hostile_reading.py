"""Issue 18, classes 1, 2, 3 and 5: hostile files through the real command line.

Every case runs ``python -m reemap`` in a subprocess against a store holding one good
import, and must end with its exit code (1 invalid data, 2 unreadable), one line per
problem, no traceback, no warning, nothing of the server's files in any output, no request
to the loopback server that counts them, the store byte for byte as it was, and the run
within 120 s and 1 GB. The files are in tests/data/corpus (see its README); the huge ones
(100,000-deep geometries) are built into a temporary folder by ``hostile_corpus``.
"""

from __future__ import annotations

import hashlib
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pyogrio
import pytest
from hostile_corpus import (
    CANARY,
    CORPUS,
    assert_clean,
    csv_with_wkt,
    feature_collection,
    mine,
    nested_wkb,
    nested_wkt,
    parquet_with_wkb,
    run_reemap,
    vrt,
)

MAX_MB = 1024
MAX_SECONDS = 120


class _Counter(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = f"id,name,lon,lat\n{CANARY},{CANARY},14.66,58.1\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that serves a canary CSV and counts every request."""
    hits: list[str] = []
    handler = type("Handler", (_Counter,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    assert hits == []  # no case made reemap send a request


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "imported.gpkg"
    run = run_reemap("import", "accented_names.geojson", "--as", "good", store=path)
    assert run.returncode == 0, run.stderr
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(
    path: Path | str, store: Path, code: int, *texts: str, validate: bool = False
) -> None:
    """Import (and validate, alike) refuse ``path`` cleanly, leaving the store alone."""
    before = _digest(store)
    runs = [run_reemap("import", str(path), "--layer", "mines", "--as", "x", store=store)]
    if validate:
        runs.append(run_reemap("validate", str(path), "--layer", "mines", store=store))
    for run in runs:
        lines = assert_clean(run, code=code, lines=len(texts))
        for line, text in zip(lines, texts, strict=True):
            assert text in line, line
        assert run.peak_mb < MAX_MB and run.seconds < MAX_SECONDS
    assert runs[0].stderr == runs[-1].stderr  # one path for validate and import
    assert _digest(store) == before
    assert sorted(p.name for p in store.parent.iterdir()) == [".imported.gpkg.lock", store.name]


# --- class 1: GDAL virtual formats, /vsi paths, files that point elsewhere -----------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("vrt_disguised.gpkg", "not a GeoPackage"),
        ("vrt_disguised.kml", "not a KML document"),
        ("vrt_disguised.shp", "not a Shapefile"),
        ("vrt_in_zip.zip", "not a Shapefile"),
        ("xxe.kml", "not a KML document"),
    ],
)
def test_a_virtual_file_in_disguise_is_refused_unread(store: Path, name: str, text: str) -> None:
    _refused(name, store, 2, f"reemap: {name}: {text}", validate=True)


@pytest.mark.parametrize("ext", ["gpkg", "kml", "shp"])
def test_a_vrt_pointing_at_a_url_sends_no_request(
    store: Path, tmp_path: Path, loopback: tuple[str, list[str]], ext: str
) -> None:
    url, hits = loopback
    source = {"gpkg": f"/vsicurl/{url}/mines.csv", "kml": f"CSV:/vsicurl/{url}/m.csv", "shp": url}
    path = tmp_path / f"mines.{ext}"
    path.write_text(vrt(source[ext], layer="mines"), encoding="utf-8")
    _refused(path, store, 2, "not a", validate=True)
    assert hits == []


def test_vsi_paths_and_driver_prefixes_are_not_paths(
    store: Path, loopback: tuple[str, list[str]]
) -> None:
    url, hits = loopback
    for path in (f"/vsicurl/{url}/mines.geojson", "/vsizip/two_shapefiles.zip/north.shp"):
        _refused(path, store, 2, "GDAL virtual file paths (/vsi...) are not read")
    _refused("GPKG:vrt_disguised.gpkg", store, 2, "no such file")
    assert hits == []


def test_gdal_runs_without_network_while_reemap_reads(
    tmp_path: Path, loopback: tuple[str, list[str]]
) -> None:
    from geo.guard import gdal_reading

    # defence in depth: even a VRT opened directly finds no network inside gdal_reading()
    url, hits = loopback
    path = tmp_path / "direct.vrt"
    path.write_text(vrt(f"/vsicurl/{url}/mines.csv", layer="mines"), encoding="utf-8")
    with gdal_reading(), pytest.raises(Exception, match="open"):
        pyogrio.read_dataframe(path)
    assert hits == []
    assert pyogrio.get_gdal_config_option("CPL_VSIL_CURL_ALLOWED_EXTENSIONS") is None


# --- class 2: nesting bounded before any parser recurses ----------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("nested_wkt.csv", "#1: geometry: WKT nested more than 16 deep"),
        ("nested_wkb.parquet", "#1: geometry: collections nested more than 16 deep"),
        ("nested_geometry.geojson", "test-mine: geometry: nested more than 16 deep"),
    ],
)
def test_deep_geometries_in_the_corpus_are_refused(store: Path, name: str, text: str) -> None:
    _refused(name, store, 2, f"reemap: {name}: {text}")


def test_a_geometry_nested_100000_deep_does_not_kill_the_process(
    store: Path, tmp_path: Path
) -> None:
    # before the bound, each of these ended the interpreter with SIGSEGV (exit -11)
    csv_with_wkt(tmp_path / "deep.csv", nested_wkt(100_000))
    parquet_with_wkb(tmp_path / "deep.parquet", nested_wkb(100_000))
    _refused(tmp_path / "deep.csv", store, 2, "WKT nested more than 16 deep", validate=True)
    _refused(tmp_path / "deep.parquet", store, 2, "collections nested more than 16 deep")
    deep = "[" * 100_000 + "]" * 100_000
    text = feature_collection([mine()]).replace('"coordinates": [14.66, 58.1]', f'"x": {deep}')
    (tmp_path / "deep.geojson").write_text(text, encoding="utf-8")
    _refused(tmp_path / "deep.geojson", store, 2, "not valid JSON")


# --- class 3: control characters never reach the store -------------------------------------


def test_a_nul_name_is_refused_not_stored(store: Path) -> None:
    _refused(
        "nul_name.geojson", store, 1,
        "nul_name.geojson: test-mine: name: holds a control character ('\\x00'); remove it",
    )  # fmt: skip


def test_control_characters_anywhere_in_a_feature_are_refused(store: Path) -> None:
    _refused(
        "control_chars.geojson", store, 1,
        "test-mine: owners: holds a control character ('\\x00')",
        "test-mine: notes: holds a control character ('\\x1b')",
    )  # fmt: skip


# --- class 5: bounded before reading --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("zip_bomb.zip", "unpacks to more than 210 MB"),
        ("many_rows.parquet", "600,000 features, over the 500,000 limit"),
        ("wide.csv", "50,002 properties (columns), over the 300 limit"),
        ("many_properties.geojson", "1,009 properties (columns), over the 300 limit"),
    ],
)
def test_small_files_that_expand_are_refused_early(store: Path, name: str, text: str) -> None:
    assert (CORPUS / name).stat().st_size < 400_000
    _refused(name, store, 2, f"reemap: {name}: {text}")


def test_a_zip_claiming_small_members_is_measured_by_what_it_unpacks(
    store: Path, tmp_path: Path
) -> None:
    # the zip's own header says 1 byte; the budget counts the bytes really unpacked
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(CORPUS / "zip_bomb.zip") as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename), zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    # patch the central directory's uncompressed size of mines.dbf to 1 byte
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (1).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    before = _digest(store)
    run = run_reemap("import", str(path), "--layer", "mines", "--as", "x", store=store)
    assert_clean(run, code=2, lines=1)
    assert run.peak_mb < MAX_MB
    assert _digest(store) == before
