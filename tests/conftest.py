"""Shared fixtures: the small hand-made dataset, a free port, the app server, Chromium.

Browser tests skip when /usr/bin/chromium is missing, except where REEMAP_REQUIRE_BROWSER
is set (CI sets it): there a missing browser fails the run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from layers.catalog import Dataset, load_dataset
from reemap.cli import app_command

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
MINI = TEST_DATA / "mini"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# Tests never see (or change) a user's own imported layers: the store the app, the CLI and
# their subprocesses use during the session lives in a fresh temporary folder.
os.environ["REEMAP_STORE"] = str(
    Path(tempfile.mkdtemp(prefix="reemap-test-store-")) / "imported.gpkg"
)


@pytest.fixture
def mini_dir() -> Path:
    """A tiny dataset (a few mines, plants, one seabed area, routes, an ownership chain)."""
    return MINI


@pytest.fixture(scope="module")
def mini() -> Dataset:
    """The mini dataset loaded, once per test module (tests copy a frame before changing it)."""
    return load_dataset(MINI)


@pytest.fixture
def artifacts() -> Path:
    """A folder for screenshots and other test artefacts (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy at {url} within {timeout:.0f} s")


def start_app(
    data_dir: Path | None = None, env: dict[str, str] | None = None
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``streamlit run app.py`` on a free loopback port; return its URL and process."""
    port = free_port()
    full_env = dict(os.environ)
    full_env.update(env or {})
    if data_dir is not None:
        full_env["REEMAP_DATA_DIR"] = str(data_dir)
    cmd = app_command(port, "--server.address", "127.0.0.1", "--server.fileWatcherType", "none")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
    except RuntimeError:
        proc.kill()
        raise
    return url, proc


def stop_app(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started by :func:`start_app`."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """The app on the bundled data, served once for the whole session."""
    url, proc = start_app()
    yield url
    stop_app(proc)


def _require_browser() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("REEMAP_REQUIRE_BROWSER"):
            pytest.fail(
                "Chromium is required here (REEMAP_REQUIRE_BROWSER) but /usr/bin/chromium "
                "is missing: apt-get install chromium"
            )
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (never `playwright install`)."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh page whose requests outside loopback fail (tests never fetch)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    external: list[str] = []

    def guard(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            external.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", guard)
    pg = context.new_page()
    pg.external_requests = external  # type: ignore[attr-defined]
    yield pg
    context.close()


MAP_FRAME = ".st-key-main-map iframe"  # the main map (other panels draw maps of their own)
# The map's window once the page shows one map (while Streamlit swaps a redrawn map in, the
# old and the new iframe are both there for a moment).
MAP_WINDOW = """const mapWindow = (sel) => { const fs = document.querySelectorAll(sel);
                                         return fs.length === 1 ? fs[0].contentWindow : null; };
"""


def open_map(page: object, url: str) -> object:
    """Load the app and wait until the map has drawn its layers; return the map frame."""
    page.goto(url)  # type: ignore[attr-defined]
    frame = page.frame_locator(MAP_FRAME)  # type: ignore[attr-defined]
    frame.locator(".leaflet-container").wait_for(timeout=90_000)
    page.wait_for_function(  # type: ignore[attr-defined]
        """sel => { """ + MAP_WINDOW + """ const w = mapWindow(sel);
                    return !!(w && w.reemap && w.reemap.maps.length
                              && Object.keys(w.reemap.counts()).length); }""",
        arg=MAP_FRAME, timeout=90_000,
    )
    return frame


def open_popup(page: object, frame: object, *, lat: float, lon: float) -> object:
    """Click the map where (lat, lon) is drawn until its popup opens; return the popup.

    The map may still be settling (zoom to the selection, layout), so the point is located
    again before each try.
    """
    popup = frame.locator(".leaflet-popup-content")  # type: ignore[attr-defined]
    for _ in range(15):
        point = frame.locator("body").evaluate(  # type: ignore[attr-defined]
            """(_, [lat, lon]) => { const m = window.reemap.maps[0];
                       const p = m.latLngToContainerPoint([lat, lon]);
                       const r = m.getContainer().getBoundingClientRect();
                       return [p.x + r.left, p.y + r.top]; }""", [lat, lon]
        )
        box = page.locator(MAP_FRAME).bounding_box()  # type: ignore[attr-defined]
        page.mouse.move(box["x"] + point[0], box["y"] + point[1])  # type: ignore[attr-defined]
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])  # type: ignore[attr-defined]
        try:
            popup.wait_for(timeout=2_000)
            break
        except PlaywrightTimeout:
            continue
    popup.wait_for(timeout=10_000)
    return popup
