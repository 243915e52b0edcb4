"""A PNG of a map view for reports, rendered by headless Chromium from the map's own HTML.

The page is served to the browser from memory through Playwright's request routing (the
HTML at a made-up origin, Leaflet from ``static/vendor``); any other request is refused,
so a snapshot never touches the network. A title, the filter summary, the legend and the
sources are drawn on the page before the screenshot. The PNG carries the SHA-256 of the
HTML it was rendered from (a ``tEXt`` chunk), so a report can be traced to its map.
"""

from __future__ import annotations

import hashlib
import importlib.util
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

from geo.errors import InputError
from ui.assets import ensure_static

__all__ = ["CHROMIUM", "HTML_HASH_KEY", "png_text", "snapshot_png"]

#: The browser used (Debian's package; Playwright's own download is never needed).
CHROMIUM: Final[Path] = Path("/usr/bin/chromium")
_ARGS: Final[tuple[str, ...]] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)
#: The PNG text key holding the SHA-256 (hex) of the rendered HTML.
HTML_HASH_KEY: Final[str] = "reemap:html-sha256"
_ORIGIN: Final[str] = "http://reemap.snapshot"
_STATIC_PREFIX: Final[str] = "/app/static/"
_TYPES: Final[dict[str, str]] = {".js": "text/javascript", ".css": "text/css",
                                 ".png": "image/png"}

# drawn on the page before the screenshot; every text goes in through textContent
_DECORATE: Final[str] = """
(args) => {
  const box = (css) => { const d = document.createElement('div'); d.style.cssText = css;
    return d; };
  const head = box('position:absolute;top:10px;left:60px;z-index:1000;'
    + 'background:rgba(255,255,255,.94);padding:8px 12px;border-radius:4px;'
    + 'font:14px system-ui,sans-serif;max-width:60%;'
    + 'box-shadow:0 1px 4px rgba(0,0,0,.3)');
  const t = document.createElement('div'); t.style.cssText = 'font-weight:700;font-size:18px';
  t.textContent = args.title; head.appendChild(t);
  if (args.subtitle) { const s = document.createElement('div'); s.textContent = args.subtitle;
    head.appendChild(s); }
  const foot = box('position:absolute;bottom:0;left:0;right:0;z-index:1000;'
    + 'background:rgba(255,255,255,.9);padding:4px 10px;font:11px system-ui,sans-serif');
  const names = Object.keys((window.reemap && window.reemap.sources) || {});
  foot.textContent = 'Sources: ' + (names.length ? names.join('; ') : 'see feature popups')
    + '. Country outlines: Natural Earth. Map: reemap.';
  document.body.appendChild(head); document.body.appendChild(foot);
  document.querySelectorAll('.leaflet-control-zoom').forEach((e) => e.remove());
  document.querySelectorAll('.leaflet-bottom').forEach((e) => { e.style.bottom = '22px'; });
}
"""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _with_text(png: bytes, key: str, value: str) -> bytes:
    """Insert a tEXt chunk right after IHDR (the signature is 8 bytes, IHDR 25)."""
    cut = 8 + 25
    return png[:cut] + _chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode()) + png[cut:]


def png_text(png: bytes) -> dict[str, str]:
    """Return the tEXt entries of a PNG."""
    out: dict[str, str] = {}
    pos = 8
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"tEXt":
            key, _, value = png[pos + 8:pos + 8 + length].partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        pos += 12 + length
    return out


def _route(html: str, static_dir: Path) -> Any:
    def handle(route: Any) -> None:
        url = route.request.url
        if url == f"{_ORIGIN}/map.html":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            return
        if url.startswith(_ORIGIN + _STATIC_PREFIX):
            path = (static_dir / url[len(_ORIGIN + _STATIC_PREFIX):].split("?")[0]).resolve()
            if path.is_file() and static_dir.resolve() in path.parents:
                route.fulfill(status=200, body=path.read_bytes(),
                              content_type=_TYPES.get(path.suffix, "application/octet-stream"))
                return
        route.abort()

    return handle


def _render(html: str, *, title: str, subtitle: str, width: int, height: int,
            timeout_s: float) -> bytes:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    static_dir = ensure_static().parent
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(_ARGS))
            try:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.route("**/*", _route(html, static_dir))
                page.goto(f"{_ORIGIN}/map.html", timeout=timeout_s * 1000)
                page.wait_for_load_state("load", timeout=timeout_s * 1000)
                page.wait_for_function("() => window.reemap && reemap.pending === 0",
                                       timeout=timeout_s * 1000)
                page.evaluate(_DECORATE, {"title": title, "subtitle": subtitle})
                page.wait_for_timeout(300)  # one more frame for the canvas
                return page.screenshot(type="png", full_page=False)
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"snapshot failed: {first}") from None


def snapshot_png(html: str, *, title: str, subtitle: str = "", width: int = 1400,
                 height: int = 900, timeout_s: float = 30.0) -> bytes:
    """Render a map's HTML to a PNG with a title, the legend, the filter summary and sources.

    Parameters
    ----------
    html
        The page from ``ui.mapview.map_html`` (Leaflet under ``/app/static/vendor``).
    title, subtitle
        Shown at the top left (as text; the subtitle is the filter summary).
    width, height
        The image size in pixels.
    timeout_s
        How long to wait for the map's layers.

    Returns
    -------
    bytes
        A PNG whose ``tEXt`` chunk ``reemap:html-sha256`` is the SHA-256 of ``html``.

    Raises
    ------
    InputError
        Chromium is missing or the page did not become ready.
    """
    if not CHROMIUM.exists():
        raise InputError(f"snapshots need Chromium at {CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        raise InputError("snapshots need Playwright: pip install playwright")
    # Playwright's sync API refuses a thread that runs an event loop (Streamlit's, or a
    # test session's browser): render in a thread of our own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        png = pool.submit(_render, html, title=title, subtitle=subtitle, width=width,
                          height=height, timeout_s=timeout_s).result()
    return _with_text(png, HTML_HASH_KEY, hashlib.sha256(html.encode()).hexdigest())

