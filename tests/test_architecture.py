"""The house rules a reader relies on (ARCHITECTURE.md): Streamlit only in app.py and
app_pages/ (and the launcher that starts it), imports that point down the floors
(geo <- layers <- ui <- app_pages/reemap <- app.py) with no cycle between modules, and the
app never reaching past the library into data files. ``lint-imports`` checks the floors
too; these tests also see app.py, which is a script, not a package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("layers", "geo", "ui", "reemap")
#: The one module outside app.py and app_pages/ that may import Streamlit: it starts the server.
LAUNCHER = ROOT / "reemap" / "serve.py"
#: Each floor, bottom first; a module imports only from its own floor or below.
FLOORS = {"geo": 0, "layers": 1, "ui": 2, "app_pages": 3, "reemap": 3, "app": 4}


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


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_modules() -> dict[str, Path]:
    found = {_name(p): p for floor in FLOORS if floor != "app"
             for p in (ROOT / floor).rglob("*.py")}
    return found | {"app": ROOT / "app.py"}


def _edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports, at any depth (deferred imports too)."""
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        edges[name] = {t for t in targets if t in modules and t != name}
    return edges


def test_the_scan_sees_the_packages() -> None:
    modules = _modules()
    assert len(modules) > 30  # the scan below is not vacuous
    assert {"streamlit", "streamlit_folium"} <= _imports(ROOT / "app_pages" / "map.py")
    assert "streamlit" in _imports(ROOT / "app.py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_streamlit_outside_app_py(path: Path) -> None:
    found = _imports(path) & {"streamlit", "streamlit_folium"}
    if path == LAUNCHER:
        assert found == {"streamlit"}  # the server's entry point, no UI
    else:
        assert not found, f"{path.relative_to(ROOT)} imports {found}: UI belongs in app.py"


def test_app_reads_data_only_through_the_library() -> None:
    # app.py and its pages are wiring: no file reading of their own (layers does that)
    for path in [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")]:
        assert not _imports(path) & {"pyogrio", "fiona", "json", "csv", "orjson"}, path


def test_imports_point_down_the_floors() -> None:
    edges = _edges(_project_modules())
    assert sum(len(t) for t in edges.values()) > 100  # not vacuous
    floor = {name: FLOORS[name.split(".")[0]] for name in edges}
    upward = sorted(  # up a floor, or across the top one (app_pages and the CLI are apart)
        f"{source} -> {target}" for source, targets in edges.items() for target in targets
        if floor[target] > floor[source]
        or (floor[target] == floor[source] and target.split(".")[0] != source.split(".")[0])
    )
    assert upward == []


def test_no_import_cycle_between_modules() -> None:
    edges = _edges(_project_modules())
    for package in ("geo", "layers", "ui", "app_pages", "reemap"):  # a package's __init__
        edges[package] = set()  # runs before its modules: it is no one's dependant here
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*path[path.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert cycles == []
