"""Map layers drawn from a table of data/ rather than from a GeoJSON file of their own.

The curated GeoJSON layers are listed in :data:`layers.schema.LAYERS` and read by
:mod:`layers.catalog`. A table layer has no geometry of its own: ``countries`` colours the
basemap's country outlines by the USGS figures of ``country_stats.csv``, and its features
are the countries that have statistics (USGS's world total and "Other countries" are not
countries, so they do not count).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from geo import settings
from layers.countries import STATS_FILE, countries_with_statistics, load_country_stats

__all__ = ["TABLE_LAYERS", "TableLayer", "table_layer_count", "table_layer_path"]


@dataclass(frozen=True)
class TableLayer:
    """A layer whose features come from a table.

    Attributes
    ----------
    name
        The layer's name, as the map and ``reemap layers`` show it.
    file
        The table, under the data folder.
    features
        Reads the table and returns its features' ids (it raises the table's own
        ``InputError`` or ``DataError`` when the table is bad).
    """

    name: str
    file: str
    features: Callable[[Path], list[str]]


def _countries(path: Path) -> list[str]:
    return countries_with_statistics(load_country_stats(path))


#: The table layers, by name.
TABLE_LAYERS: Final[dict[str, TableLayer]] = {
    "countries": TableLayer("countries", STATS_FILE, _countries),
}


def table_layer_path(name: str, data_dir: Path | None = None) -> Path:
    """Return the table a table layer is drawn from."""
    return (data_dir or settings.DATA_DIR) / TABLE_LAYERS[name].file


def table_layer_count(name: str, data_dir: Path | None = None) -> int:
    """Return the number of features of a table layer (0 when its table is missing).

    Raises
    ------
    InputError, DataError
        When the table exists but cannot be read or is invalid.
    """
    path = table_layer_path(name, data_dir)
    return len(TABLE_LAYERS[name].features(path)) if path.exists() else 0
