"""Settings in one place: where the data lives, the CRSs, and the limits.

Every value can be read by any module; none is mutated at run time. Environment variables
override the few a user may want to change (``REEMAP_DATA_DIR``, ``REEMAP_STORE``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

#: The repository (or installed project) root: ``data/`` and ``static/`` hang off it.
ROOT: Final[Path] = Path(__file__).resolve().parent.parent

#: The curated layers, one file per layer (see ``data/README.md``).
DATA_DIR: Final[Path] = Path(os.environ.get("REEMAP_DATA_DIR", ROOT / "data"))

#: Where users' imported layers are kept (an embedded GeoPackage).
STORE_PATH: Final[Path] = Path(
    os.environ.get(
        "REEMAP_STORE",
        Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
        / "reemap"
        / "imported.gpkg",
    )
)

#: The CRS every layer is held in, and the one the map and GeoJSON use.
WGS84: Final[str] = "EPSG:4326"

#: An equal-area CRS for areas (World Mollweide) and the ellipsoid for geodesic lengths.
EQUAL_AREA: Final[str] = "ESRI:54009"
ELLPS: Final[str] = "WGS84"

#: Decimal places kept in GeoJSON output: 7 decimals is about 1 cm at the equator.
GEOJSON_PRECISION: Final[int] = 7

#: The largest file ``validate``/``import`` will read; larger files are refused unread
#: (env ``REEMAP_MAX_INPUT_BYTES``). The app's upload limit follows it.
MAX_INPUT_BYTES: Final[int] = int(os.environ.get("REEMAP_MAX_INPUT_BYTES", str(200 * 1024 * 1024)))

#: How far (km) a point may lie outside its country's 1:110m outline before it is flagged;
#: the outlines are coarse: coastal sites sit on generalised shores, and islands such as
#: Bangka (11,700 km2, 38 km off Sumatra's outline) are left out of them altogether.
COUNTRY_TOLERANCE_KM: Final[float] = 60.0

#: Points per layer the map draws one by one; past this, a layer is aggregated into grid
#: cells server-side (100k points draw in about a second in Chromium; 1M would not).
MAX_POINTS_DRAWN: Final[int] = 200_000

#: The most a zipped Shapefile may unpack to, and the most a GeoParquet file may declare
#: uncompressed, before anything is parsed (env ``REEMAP_MAX_UNPACKED_BYTES``): a small
#: compressed file must not expand to gigabytes.
MAX_UNPACKED_BYTES: Final[int] = int(
    os.environ.get("REEMAP_MAX_UNPACKED_BYTES", str(200 * 1024 * 1024))
)

#: The most features and properties (columns) one file may hold; counted before the
#: features are read where the format says (GeoPackage, Shapefile, KML, GeoParquet, CSV).
MAX_FEATURES: Final[int] = int(os.environ.get("REEMAP_MAX_FEATURES", "500000"))
MAX_PROPERTIES: Final[int] = int(os.environ.get("REEMAP_MAX_PROPERTIES", "300"))

#: How deep brackets may nest in a geometry (WKT parentheses, WKB or GeoJSON collections)
#: or a property value (JSON lists and objects); checked before any parser recurses.
MAX_NESTING: Final[int] = 16

#: Problems printed for one file; the rest are counted in one last line.
MAX_PROBLEMS_SHOWN: Final[int] = 200
