"""reemap: an open geospatial map of the rare-earth supply chain.

The Python API, for notebooks::

    import reemap
    data = reemap.load()                                   # layers, graph, tables
    kept = reemap.select(data, element=["Dy"], owner=["JOGMEC"])
    held = reemap.attributable("JOGMEC", data)             # the `reemap owner` tables
    lost = reemap.scenario(without=["country:CHN"], dataset=data)

The names in ``__all__`` are the stable surface; every other module is private to
reemap (the command line, the launchers, ``layers`` and ``geo``). The API is imported on
first use, so ``import reemap`` (and the CLI's start-up) stays cheap.

The package ``reemap`` is the top floor: this API, the command line (``reemap.cli``) and
the app's launcher (``reemap.serve``), over ``ui``, ``layers`` and ``geo`` (ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "DataError", "Dataset", "InputError", "ReemapError", "__version__", "attributable", "load",
    "scenario", "select",
]

if TYPE_CHECKING:
    from geo.errors import DataError, InputError, ReemapError
    from reemap._api import Dataset, attributable, load, scenario, select

_LAZY = frozenset({"Dataset", "attributable", "load", "scenario", "select"})
_ERRORS = frozenset({"DataError", "InputError", "ReemapError"})


def __getattr__(name: str) -> Any:
    if name in _LAZY | _ERRORS:
        from geo import errors
        from reemap import _api

        value = getattr(_api if name in _LAZY else errors, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'reemap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY | _ERRORS)
