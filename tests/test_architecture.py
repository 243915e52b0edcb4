"""The house rules a reader relies on: Streamlit only in app.py (and the launcher that
starts it), and the app never reaching past the library into data files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("layers", "geo", "reemap")
#: The one module outside app.py that may import Streamlit: it starts the server.
LAUNCHER = ROOT / "reemap" / "serve.py"


def _imports(path: Path) -> set[str]:
    """Top-level names of every module a file imports (at any depth in the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_scan_sees_the_packages() -> None:
    modules = _modules()
    assert len(modules) > 30  # the scan below is not vacuous
    assert {"streamlit", "streamlit_folium"} <= _imports(ROOT / "app.py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_streamlit_outside_app_py(path: Path) -> None:
    found = _imports(path) & {"streamlit", "streamlit_folium"}
    if path == LAUNCHER:
        assert found == {"streamlit"}  # the server's entry point, no UI
    else:
        assert not found, f"{path.relative_to(ROOT)} imports {found}: UI belongs in app.py"


def test_app_reads_data_only_through_the_library() -> None:
    # app.py is wiring: no file reading of its own (layers.catalog and friends do that)
    assert not _imports(ROOT / "app.py") & {"pyogrio", "fiona", "json", "csv", "orjson"}
