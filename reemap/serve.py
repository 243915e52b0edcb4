"""Start Streamlit with the heavy libraries already imported.

``python -m reemap.serve run app.py ...`` takes the same arguments as ``streamlit run``.
Streamlit runs the app script in this process, so importing geopandas, shapely, pyogrio,
folium and the app's own modules here, before the server starts, moves their import time
(most of a first page view) out of the first user's wait. streamlit_folium is not among
them: its component registers with the running Streamlit runtime when first imported.
"""

from __future__ import annotations

import sys


def _warm() -> None:
    import folium  # noqa: F401
    import geopandas  # noqa: F401
    import pyogrio  # noqa: F401
    import shapely  # noqa: F401

    import geo.mapview  # noqa: F401
    import layers.catalog
    import layers.view  # noqa: F401


def main() -> None:
    """Import the heavy libraries, then hand the command line to Streamlit."""
    _warm()
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
