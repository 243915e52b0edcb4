"""Snapshots of a map view (ui.snapshot): a real PNG rendered from the map's own HTML."""

from __future__ import annotations

import hashlib
import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from layers.catalog import load_layers
from ui.mapview import build_map, map_html
from ui.snapshot import HTML_HASH_KEY, png_text, snapshot_png

pytestmark = pytest.mark.browser


@pytest.fixture
def html(mini_dir: Path) -> str:
    return map_html(build_map(load_layers(data_dir=mini_dir)))


def test_snapshot_is_a_png_of_the_same_html(browser, html, artifacts):
    png = snapshot_png(html, title="Rare earths <b>test</b>", subtitle="status: operating",
                       width=1000, height=700)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1000, 700)
    assert png_text(png)[HTML_HASH_KEY] == hashlib.sha256(html.encode()).hexdigest()
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every chunk, checksums included
    assert image.size == (1000, 700)
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert len(colours) > 50  # a drawn map, not a blank page
    (artifacts / "snapshot.png").write_bytes(png)


def test_snapshot_of_another_map_differs(browser, html, mini_dir):
    other = map_html(build_map(load_layers(data_dir=mini_dir), color_by="status"))
    png = snapshot_png(other, title="t", width=400, height=300)
    assert png_text(png)[HTML_HASH_KEY] != hashlib.sha256(html.encode()).hexdigest()


def test_snapshot_of_a_page_rendered_twice(browser, mini_dir):
    # st_folium renames elements and renders again: each layer's script is then there twice
    m = build_map(load_layers(data_dir=mini_dir))
    first = map_html(m)
    for child in m._children.values():
        child._id = f"again{child._id}"
    twice = map_html(m)
    assert twice.count("reemap.fill(") == 2 * first.count("reemap.fill(")
    png = snapshot_png(twice, title="t", width=400, height=300)
    assert struct.unpack(">II", png[16:24]) == (400, 300)
