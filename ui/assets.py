"""The web assets the map loads, copied from their Python packages into ``static/vendor``.

Leaflet comes from the ``xstatic-leaflet`` package (a declared dependency), never from a
CDN and never committed: Streamlit serves ``static/`` at ``/app/static/`` and the map's
HTML points there. The copy is made at start-up and skipped when already current.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final

from geo import settings
from geo.atomic import staged
from geo.errors import InputError

__all__ = ["VENDOR_FILES", "ensure_static"]

#: Files copied, relative to the package's data folder and to the target.
VENDOR_FILES: Final[tuple[str, ...]] = (
    "leaflet.js",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)


def _leaflet_dir() -> Path:
    try:
        from xstatic.pkg import leaflet
    except ImportError:
        raise InputError("xstatic-leaflet is not installed: pip install xstatic-leaflet") from None
    return Path(leaflet.BASE_DIR)


def ensure_static(target: Path = settings.ROOT / "static" / "vendor") -> Path:
    """Copy Leaflet's JS, CSS and images into ``target`` unless already there.

    Parameters
    ----------
    target
        The folder to fill (``static/vendor`` of the project by default, served by
        Streamlit as ``/app/static/vendor``).

    Returns
    -------
    Path
        ``target``.
    """
    source = _leaflet_dir()
    for name in VENDOR_FILES:
        src, dst = source / name, target / name
        if dst.exists() and dst.stat().st_size == src.stat().st_size:
            continue
        with staged(dst, create=True) as tmp:  # a reader never sees half of it
            shutil.copyfile(src, tmp)
    return target
