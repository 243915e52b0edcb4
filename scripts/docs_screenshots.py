"""Render the screenshots of the country choropleth and the USGS occurrences into docs/.

Headless Chromium (/usr/bin/chromium, through Playwright) renders the map's own HTML, as
``geo.snapshot`` does for reports; nothing is fetched. Run from the repository root::

    .venv/bin/python scripts/docs_screenshots.py
"""

from __future__ import annotations

from pathlib import Path

from layers.catalog import load_layers
from layers.choropleth import choropleth_frame, class_labels
from layers.countries import load_country_stats
from layers.validate import country_outlines
from ui.mapview import build_map, map_html
from ui.snapshot import snapshot_png
from ui.style import choropleth_legend

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main() -> int:
    stats = load_country_stats()
    outlines = country_outlines()
    frames = load_layers()
    choropleth = choropleth_frame(stats, "production", 2024, outlines)
    legend = choropleth_legend("Mine production 2024 (USGS MCS 2026)", class_labels("production"))
    html = map_html(
        build_map({"mines": frames["mines"]}, choropleth=choropleth, choropleth_legend=legend)
    )
    (DOCS / "countries-choropleth.png").write_bytes(
        snapshot_png(html, title="Rare-earth mine production by country, 2024 (t REO)",
                     subtitle="USGS Mineral Commodity Summaries 2026 v1.3; white = no data")
    )  # fmt: skip
    shown = {k: frames[k] for k in ("occurrences", "mines", "refineries")}
    html = map_html(build_map(shown))
    (DOCS / "occurrences.png").write_bytes(
        snapshot_png(html, title="USGS rare-earth occurrences under the curated mines and plants",
                     subtitle="mrdata.usgs.gov/ree (Orris and Grauch 2002), records with a point")
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
