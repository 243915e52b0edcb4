"""Time until a map is interactive in headless Chromium, and the bundled app's first render.

Maps are served from a local HTTP server on a free port, next to ``static/vendor`` (Leaflet)
and the MarkerCluster files of the ``xstatic-leaflet-markercluster`` package (for the
baseline); nothing is fetched from outside.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.timing import Stat
from geo import settings

CHROMIUM = Path("/usr/bin/chromium")

#: Our runtime has drawn something in every layer (rAF polling: the page is responsive).
OURS_READY = """() => {
  const r = window.reemap; if (!r || !r.maps.length) return false;
  const c = r.counts(); const v = Object.values(c);
  return v.length && v.every(x => x > 0) ? performance.now() : false; }"""
#: A plain folium page: loaded and two animation frames later (its scripts run at load).
LOADED = """() => document.readyState === 'complete' && window.L ? performance.now() : false"""
#: FastMarkerCluster: cluster icons on screen.
CLUSTERS = """() => document.querySelector('.marker-cluster') ? performance.now() : false"""


def conftest() -> ModuleType:
    """tests/conftest.py, for its Chromium flags and start_app/stop_app."""
    path = settings.ROOT / "tests" / "conftest.py"
    spec = importlib.util.spec_from_file_location("reemap_tests_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` (with ``static/`` and ``mc/`` linked in) on a free loopback port."""
    from ui.assets import ensure_static

    ensure_static()
    static = folder / "static"
    if not static.exists():
        static.symlink_to(settings.ROOT / "static")
    mc = folder / "mc"
    if not mc.exists():
        import xstatic.pkg.leaflet_markercluster as xmc

        shutil.copytree(Path(xmc.BASE_DIR), mc)
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=conftest().CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def time_to_ready(browser: Any, url: str, ready: str, *, repeat: int,
                  timeout_s: float = 120.0) -> Stat | None:
    """Seconds from navigation start until ``ready`` (a JS predicate) holds, in fresh pages."""
    times = []
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
            handle = page.wait_for_function(ready, timeout=timeout_s * 1000, polling="raf")
            times.append(float(handle.json_value()) / 1000)
        except Exception as exc:  # a timeout is a result, not a crash
            print(f"  ({url}: not ready: {str(exc).splitlines()[0]})", flush=True)
            return None
        finally:
            page.close()
    return Stat.of(times)


def _drawn_in_a_frame(page: Any) -> bool:
    for frame in page.frames:
        with contextlib.suppress(Exception):
            counts = frame.evaluate(
                "() => window.reemap && window.reemap.maps.length ? window.reemap.counts() : null")
            if counts and any(v > 0 for v in counts.values()):
                return True
    return False


def app_first_render(browser: Any, *, repeat: int) -> tuple[Stat, Stat] | None:
    """The bundled app: start -> healthy, and page open -> Leaflet shows features.

    Each run starts a fresh server (tests/conftest.py's ``start_app``, on a free port).
    """
    tests = conftest()
    starts, renders = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        url, proc = tests.start_app()
        started = time.perf_counter() - t0
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            t1 = time.perf_counter()
            page.goto(url, wait_until="commit")
            if not _poll(lambda p=page: _drawn_in_a_frame(p), timeout_s=90):
                print("  (the app's map drew nothing within 90 s)", flush=True)
                return None
            renders.append(time.perf_counter() - t1)
            starts.append(started)
        finally:
            page.close()
            tests.stop_app(proc)
    return Stat.of(starts), Stat.of(renders)


def _poll(check: Callable[[], bool], *, timeout_s: float, every_s: float = 0.05) -> bool:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        if check():
            return True
        time.sleep(every_s)
    return False
