"""Issue 18 in the app: a broken imported layer, hostile uploads, downloads, the address.

AppTest on the mini data for what the page shows; a real ``reemap app`` server for where it
listens; Chromium (Debian's, through Playwright) for uploads, which AppTest cannot send.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from conftest import MINI, ROOT, free_port, start_app, stop_app
from hostile_corpus import CANARY, CORPUS, csv_with_wkt, nested_wkt
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from streamlit.testing.v1 import AppTest
from test_app import _downloads, _KeptFiles, shown

from geo import settings
from geo import store as geo_store
from layers.imports import import_file
from reemap.cli import app_command, build_parser

EVERY_MINI = 11  # features of the mini data (tests/test_app.py's EVERYTHING)


@pytest.fixture
def app_on(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the app on the mini data with ``store`` as the users' store."""
    monkeypatch.setenv("REEMAP_DATA_DIR", str(MINI))
    monkeypatch.setattr(app_test_module, "MediaFileManager", _KeptFiles)

    def run(store: Path, **params: str) -> AppTest:
        monkeypatch.setattr(settings, "STORE_PATH", store)
        st.cache_data.clear()  # the dataset is cached per data folder, across tests
        at = AppTest.from_file("../app.py", default_timeout=60)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    yield run
    st.cache_data.clear()  # leave no dataset of these stores to the next test


def test_a_broken_imported_layer_leaves_the_app_usable_and_deletable(app_on, tmp_path):  # type: ignore[no-untyped-def]
    from layers.imports import check_file

    store = tmp_path / "imported.gpkg"
    import_file(CORPUS / "accented_names.geojson", label="good", store=store)
    typed, _ = check_file(CORPUS / "japanese_names.geojson")
    typed["name"] = "\x00"  # as an import stored it before control characters were refused
    geo_store.write_layer("poisoned", typed, record={"layer": "seabed", "file": "x"}, store=store)
    at = app_on(store)
    assert not [e for e in at.error if "cannot be loaded" in e.value]
    assert {"mines/good--norra-karr", "mines/mount-weld"} <= shown(at)  # the map still draws
    warnings = [w.value for w in at.sidebar.warning]
    assert len(warnings) == 1 and warnings[0].startswith("Imported layer poisoned is left out: ")
    at.sidebar.button(key="del_poisoned").click().run()
    assert not at.exception
    assert [s.label for s in geo_store.list_layers(store)] == ["good"]
    assert not at.sidebar.warning


def test_an_unreadable_store_still_shows_the_curated_layers(app_on, tmp_path):  # type: ignore[no-untyped-def]
    store = tmp_path / "imported.gpkg"
    store.write_bytes(b"not a geopackage" * 100)
    at = app_on(store)
    assert len(shown(at)) == EVERY_MINI
    assert "the store is not a readable GeoPackage" in at.sidebar.warning[0].value
    assert not at.sidebar.button  # nothing to delete by label: the message names the file


def test_the_csv_download_neutralises_formulas(app_on, tmp_path):  # type: ignore[no-untyped-def]
    store = tmp_path / "imported.gpkg"
    import_file(CORPUS / "formula_cells.geojson", label="formula", store=store)
    at = app_on(store, layer="mines")
    _, data = _downloads(at)["CSV"]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    row = next(r for r in rows if r["id"] == "formula--formula-mine")
    assert row["name"].startswith("'=HYPERLINK(")
    assert row["notes"] == "'@SUM(1+1)"
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


# --- class 9: this machine only, unless asked ----------------------------------------------


def test_the_app_listens_on_loopback_unless_asked() -> None:
    command = app_command(8501)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert build_parser().parse_args(["app"]).host == "127.0.0.1"
    assert build_parser().parse_args(["app", "--host", "0.0.0.0"]).host == "0.0.0.0"
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp* shows them) with a socket listening on port."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text(encoding="ascii").splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":  # 0A: LISTEN
                found.add(address)
    return found


def test_reemap_app_binds_to_loopback_only(tmp_path: Path) -> None:
    port = free_port()
    env = {"REEMAP_STORE": str(tmp_path / "s.gpkg"), "REEMAP_DATA_DIR": str(MINI)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reemap", "app", "--port", str(port)],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not _listening(port):
            time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=30) as r:
            assert r.status == 200
        assert _listening(port) == {"0100007F"}  # 127.0.0.1, and nothing else
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


# --- classes 2, 3, 6 through the upload, in a real browser ---------------------------------


@pytest.mark.browser
def test_hostile_uploads_leave_the_server_serving(page, browser, tmp_path):  # type: ignore[no-untyped-def]
    deep = csv_with_wkt(tmp_path / "deep.csv", nested_wkt(100_000))
    store = tmp_path / "imported.gpkg"
    url, proc = start_app(MINI, env={"REEMAP_STORE": str(store)})
    try:
        page.goto(url)
        page.frame_locator(".st-key-main-map iframe").locator(".leaflet-container").wait_for(
            timeout=90_000
        )
        page.get_by_text("Add your own layer").click()
        label = page.get_by_label("Label (a slug, e.g. my-sites)")
        label.fill("attempt")
        label.press("Enter")
        for upload, text in [
            (deep, "WKT nested more than 16 deep"),
            (CORPUS / "vrt_disguised.gpkg", "not a GeoPackage"),
            (CORPUS / "nul_name.geojson", "name: holds a control character"),
            (CORPUS / "fid_property.geojson", "property 'fid': the name is reserved"),
        ]:
            page.locator("input[type=file]").set_input_files(str(upload))
            page.get_by_text(upload.name, exact=True).wait_for(timeout=30_000)
            for attempt in range(4):  # a click during the fragment's rerun on the new file is lost
                page.wait_for_timeout(1000)
                page.get_by_role("button", name="Import").click()
                try:
                    page.get_by_text(text).first.wait_for(timeout=20_000)
                    break
                except PlaywrightTimeout:
                    if attempt == 3:
                        page.screenshot(path=str(ROOT / "tests" / "artifacts" / "upload.png"))
                        raise
            body = page.locator("body").inner_text()
            assert "Traceback" not in body and CANARY not in body
            assert "/tmp/" not in body and str(ROOT) not in body  # no server path
            assert page.locator("[data-testid='stException']").count() == 0
        assert proc.poll() is None  # the server lives
        assert not store.exists()
        # another user opens the app: the page loads and the map draws
        other = browser.new_page()
        try:
            other.goto(url)
            frame = other.frame_locator(".st-key-main-map iframe")
            frame.locator(".leaflet-container").wait_for(timeout=90_000)
            other.wait_for_function(
                """() => { const f = document.querySelector('.st-key-main-map iframe');
                           const w = f && f.contentWindow;
                           return !!(w && w.reemap && Object.keys(w.reemap.counts()).length); }""",
                timeout=90_000,
            )
            counts = frame.locator("body").evaluate("() => window.reemap.counts()")
            assert sum(counts.values()) == EVERY_MINI
        finally:
            other.close()
        assert page.external_requests == []
    finally:
        stop_app(proc)

