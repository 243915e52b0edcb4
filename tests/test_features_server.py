"""`reemap serve-features`: OGC API - Features on 127.0.0.1, read by GDAL and plain HTTP.

The server runs as a user runs it (the `reemap` command in a subprocess, with a users'
store holding one imported layer); GDAL's OAPIF driver reads every layer and must get
the features `reemap export` writes as GeoJSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from conftest import free_port

from layers.schema import LAYERS

pytest.importorskip("pygeoapi")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
REEMAP = str(Path(sys.executable).with_name("reemap"))
OFFLINE = dict.fromkeys(("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"),
                        "http://127.0.0.1:9")
BOX = (110.0, -45.0, 155.0, -10.0)


class Server:
    def __init__(self, base: str, env: dict[str, str], exported: Path) -> None:
        self.base, self.env, self.exported = base, env, exported

    def get(self, path: str, **params: object) -> tuple[int, dict]:
        query = urllib.parse.urlencode({"f": "json", **params})
        try:
            with urllib.request.urlopen(f"{self.base}{path}?{query}", timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def export(self, layer: str) -> gpd.GeoDataFrame:
        return pyogrio.read_dataframe(self.exported / f"{layer}.geojson")


def _cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([REEMAP, *argv], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("features")
    env = {**os.environ, **OFFLINE, "REEMAP_STORE": str(tmp / "store" / "imported.gpkg")}
    imported = _cli(env, "import", str(CORPUS / "accented_names.geojson"), "--layer", "mines",
                    "--as", "survey")
    assert imported.returncode == 0, imported.stderr
    assert _cli(env, "export", "--output", str(tmp / "export")).returncode == 0
    port = free_port()
    proc = subprocess.Popen([REEMAP, "serve-features", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        try:
            urllib.request.urlopen(f"{base}/?f=json", timeout=2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "serve-features did not answer within 90 s"
            time.sleep(0.3)
    yield Server(base, env, tmp / "export")
    proc.terminate()
    proc.wait(timeout=30)


def _hrefs(document: object) -> list[str]:
    if isinstance(document, dict):
        found = [document["href"]] if isinstance(document.get("href"), str) else []
        return found + [h for v in document.values() for h in _hrefs(v)]
    if isinstance(document, list):
        return [h for v in document for h in _hrefs(v)]
    return []


def test_landing_page_conformance_and_collections(server: Server) -> None:
    status, landing = server.get("/")
    assert status == 200
    rels = {link["rel"] for link in landing["links"]}
    assert {"conformance", "data", "service-desc"} <= rels
    status, conformance = server.get("/conformance")
    assert status == 200
    assert {"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"} \
        <= set(conformance["conformsTo"])
    status, collections = server.get("/collections")
    assert status == 200
    ids = {c["id"] for c in collections["collections"]}
    assert ids == set(LAYERS)
    mines = next(c for c in collections["collections"] if c["id"] == "mines")
    xmin, ymin, xmax, ymax = mines["extent"]["spatial"]["bbox"][0]
    assert -180 <= xmin < xmax <= 180 and -90 <= ymin < ymax <= 90
    assert "features" in mines["description"]
    # every link the client follows points back at this server: nothing from outside
    for document in (landing, collections):
        for href in _hrefs(document):
            assert href.startswith(server.base), href


def test_gdal_reads_every_layer_as_the_geojson_export(server: Server) -> None:
    layers = {name for name, _ in pyogrio.list_layers(f"OAPIF:{server.base}")}
    assert layers == set(LAYERS)
    for name in sorted(layers):
        got = pyogrio.read_dataframe(f"OAPIF:{server.base}", layer=name)
        want = server.export(name)
        assert len(got) == len(want) > 0, name
        got = got.sort_values("id").reset_index(drop=True)
        want = want.sort_values("id").reset_index(drop=True)
        assert got["id"].tolist() == want["id"].tolist(), name
        for column in ("name", "country", "status", "owners", "elements", "capacity"):
            if column in want.columns:
                pd.testing.assert_series_equal(got[column], want[column], check_dtype=False,
                                               obj=f"{name}.{column}")
        assert shapely.equals_exact(got.geometry.values, want.geometry.values,
                                    tolerance=1e-7).all(), name
    mines = pyogrio.read_dataframe(f"OAPIF:{server.base}", layer="mines")
    assert any(i.startswith("survey--") for i in mines["id"])  # the imported layer is served


def test_paging_over_several_pages(server: Server) -> None:
    want = server.export("mines")
    paged = pyogrio.read_dataframe(f"OAPIF:{server.base}", layer="mines", PAGE_SIZE="7")
    assert sorted(paged["id"]) == sorted(want["id"])
    seen: list[str] = []
    status, page = server.get("/collections/mines/items", limit=10)
    pages = 1
    while True:
        assert status == 200
        assert page["numberMatched"] == len(want)
        seen.extend(f["id"] for f in page["features"])
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not following:
            break
        with urllib.request.urlopen(following[0], timeout=30) as resp:
            status, page = resp.status, json.loads(resp.read())
        pages += 1
    assert pages == -(-len(want) // 10) and pages > 1
    assert sorted(seen) == sorted(want["id"])


def test_a_bbox_query(server: Server) -> None:
    status, page = server.get("/collections/mines/items", bbox=",".join(map(str, BOX)),
                              limit=1000)
    assert status == 200
    want = server.export("mines")
    inside = want[want.geometry.intersects(shapely.box(*BOX))]
    assert {f["id"] for f in page["features"]} == set(inside["id"])
    assert 0 < len(inside) < len(want)


def test_property_filters_are_the_export_filters(server: Server, tmp_path: Path) -> None:
    for params, argv in (
        ({"country": "AUS,CAN", "status": "operating"},
         ["--country", "AUS", "--country", "CAN", "--status", "operating"]),
        ({"owner": "JOGMEC"}, ["--owner", "JOGMEC"]),
        ({"element": "Dy", "min_hree": "20"}, ["--element", "Dy", "--min-hree", "20"]),
    ):
        status, page = server.get("/collections/mines/items", limit=1000, **params)
        assert status == 200
        target = tmp_path / "x.geojson"
        done = _cli(server.env, "export", "--output", str(target), "--layer", "mines", *argv)
        assert done.returncode == 0, done.stderr
        want = {f["properties"]["id"] for f in json.loads(target.read_text())["features"]}
        assert {f["id"] for f in page["features"]} == want, params
        assert page["numberMatched"] == len(want)


@pytest.mark.parametrize(("path", "params", "code", "words"), [
    ("/collections/mines/items", {"status": "flooded"}, 400, "unknown status 'flooded'"),
    ("/collections/mines/items", {"country": "XYZ"}, 400, "not an ISO 3166-1 alpha-3"),
    ("/collections/mines/items", {"element": "Xx"}, 400, "unknown element 'Xx'"),
    ("/collections/mines/items", {"owner": "Nobody"}, 400, "unknown owner 'Nobody'"),
    ("/collections/mines/items", {"colour": "red"}, 400, "unknown query parameter 'colour'"),
    ("/collections/mines/items", {"min_hree": "lots"}, 400, "not a number"),
    ("/collections/mines/items", {"bbox": "1,2"}, 400, "bbox"),
    ("/collections/gold/items", {}, 404, "Collection not found"),
])
def test_bad_queries_get_one_line(server: Server, path: str, params: dict[str, str], code: int,
                                  words: str) -> None:
    status, body = server.get(path, **params)
    assert status == code
    assert words in body["description"]
    assert "\n" not in body["description"] and "Traceback" not in json.dumps(body)


def test_it_listens_on_loopback_only(server: Server) -> None:
    port = int(server.base.rsplit(":", 1)[1])
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    local = {row[1] for row in listening if row[3] == "0A"}  # 0A: LISTEN
    assert f"0100007F:{port:04X}" in local  # 127.0.0.1, little-endian hex
    assert f"00000000:{port:04X}" not in local  # not 0.0.0.0


def test_a_taken_port_is_one_line_and_exit_2(server: Server) -> None:
    port = server.base.rsplit(":", 1)[1]
    done = _cli(server.env, "serve-features", "--port", port)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"127.0.0.1:{port}" in done.stderr
