"""Start Streamlit with the heavy libraries already imported and the data read once.

``python -m reemap.serve run app.py ...`` takes the same arguments as ``streamlit run``.
Streamlit runs the app script in this process, so importing geopandas, shapely, pyogrio,
folium and the app's own modules here, and reading the bundled layers once, before the
server starts, moves that work (most of a first page view) out of the first user's wait.
streamlit_folium is not among them: its component registers with the running Streamlit
runtime when first imported.
"""

from __future__ import annotations

import contextlib
import inspect
import sys

import folium.plugins  # noqa: F401  (streamlit_folium imports it: 0.1-0.2 s of templates)
import geopandas  # noqa: F401
import pyogrio  # noqa: F401
import shapely  # noqa: F401
import streamlit.emojis  # noqa: F401  (set_page_config's icon check: 0.1 s of regex)
from streamlit.web import cli

import ui.mapview
import ui.view  # noqa: F401
from geo import settings
from layers.catalog import load_dataset


def _warm() -> None:
    # One load, result dropped: the app caches its own. This one compiles the validators
    # and reads the files into the page cache, so the first page's load takes ~50 ms, not 200.
    with contextlib.suppress(Exception):  # a broken data folder is the app's to report
        load_dataset(settings.DATA_DIR)
    # Streamlit names a component after its module (inspect.getmodule, which resolves the
    # path of every loaded module once and caches it): done here, not in the first page's
    # import of streamlit_folium (about 50 ms).
    inspect.getmodule(inspect.currentframe())


def main() -> None:
    """Read the data once, then hand the command line to Streamlit."""
    _warm()
    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
