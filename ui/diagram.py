"""Ownership diagrams: the chains of stakes from an owner down to its assets, or from an
asset up to its ultimate owners, as Graphviz DOT text.

The DOT text is what Streamlit's ``st.graphviz_chart`` draws in the browser and what
:func:`diagram_svg` lays out into an SVG file (``pygraphviz``, whose wheel carries Graphviz
itself, so no system package is needed). Stakes label the edges; a stake whose size no
source states is a dashed edge labelled "stake not stated"; state-backed entities are
drawn in a doubled, tinted box; assets are rounded boxes naming their layer.

Every label is built from data (names of companies and sites), so it is always written as
a quoted DOT string with quotes, backslashes and line breaks escaped: a name can never add
an attribute or a node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pygraphviz

from layers.ownership import OwnershipGraph

__all__ = ["Diagram", "asset_diagram", "diagram_svg", "owner_diagram"]

#: Layer names as shown inside an asset's box.
_LAYER_NOUNS = {"mines": "mine", "refineries": "plant", "seabed": "seabed area"}
_STATE_FILL = "#fde2b8"
_ENTITY_FILL = "#ffffff"
_ASSET_FILL = "#e3eef9"
_ROOT_PEN = "2.2"


@dataclass(frozen=True)
class Diagram:
    """A diagram's DOT text with what it holds, for captions and tests.

    Attributes
    ----------
    dot
        Graphviz DOT source (``digraph``).
    nodes
        Graph node ids drawn (entity ids and asset keys ``layer/id``), in drawing order.
    edges
        ``(owner, owned, stake_pct or None)`` for each edge drawn.
    """

    dot: str
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, float | None], ...]

    @property
    def unknown_stakes(self) -> int:
        """How many edges carry a stake whose size no source states."""
        return sum(1 for *_, pct in self.edges if pct is None)


def _quote(*lines: str) -> str:
    """``lines`` as one DOT quoted string, a line each: nothing in them can end the string."""
    escaped = (
        line.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")
        for line in lines
    )
    return '"' + "\\n".join(escaped) + '"'


def _stake_text(pct: float | None) -> str:
    return "stake not stated" if pct is None else f"{pct:.4g}%"


def _node_line(graph: OwnershipGraph, node: str, names: Mapping[str, str], *,
               root: bool) -> str:
    pen = f", penwidth={_ROOT_PEN}" if root else ""
    if "/" in node:  # an asset: layer/id
        layer, _, fid = node.partition("/")
        label = _quote(names.get(node, fid), f"({_LAYER_NOUNS.get(layer, layer)})")
        return (f"  {_quote(node)} [label={label}, shape=box, style=\"rounded,filled\", "
                f"fillcolor=\"{_ASSET_FILL}\"{pen}];")
    entity = graph.entities.get(node)
    state = bool(entity and entity.state_backed)
    label = _quote(graph.name(node), *(["(state-backed)"] if state else []))
    fill = _STATE_FILL if state else _ENTITY_FILL
    peripheries = 2 if state else 1
    return (f"  {_quote(node)} [label={label}, shape=box, style=filled, "
            f"fillcolor=\"{fill}\", peripheries={peripheries}{pen}];")


def _edge_line(owner: str, owned: str, pct: float | None) -> str:
    style = ", style=dashed, color=\"#777777\", fontcolor=\"#555555\"" if pct is None else ""
    return f"  {_quote(owner)} -> {_quote(owned)} [label={_quote(_stake_text(pct))}{style}];"


_Edge = tuple[str, str, float | None]


def _walk(start: str, step: Callable[[str], Iterable[_Edge]]) -> tuple[list[str], list[_Edge]]:
    """Breadth-first from ``start``: the nodes in order and every edge ``step`` gives."""
    nodes: list[str] = []
    edges: list[_Edge] = []
    queue, seen = [start], set()
    while queue:
        node = queue.pop(0)
        if node in seen:
            continue
        seen.add(node)
        nodes.append(node)
        for edge in step(node):
            edges.append(edge)
            queue.append(edge[1] if edge[0] == node else edge[0])
    return nodes, edges


def _render(graph: OwnershipGraph, root: str, *, walked: tuple[list[str], list[_Edge]],
            names: Mapping[str, str], title: str) -> Diagram:
    nodes, edges = tuple(walked[0]), tuple(walked[1])
    lines = [
        "digraph ownership {",
        "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=12, labelloc=t, "
        f"label={_quote(title)}];",
        "  node [fontname=\"Helvetica\", fontsize=11];",
        "  edge [fontname=\"Helvetica\", fontsize=10];",
        *(_node_line(graph, n, names, root=n == root) for n in nodes),
        *(_edge_line(*e) for e in edges),
        "}",
    ]
    return Diagram("\n".join(lines), nodes, edges)


def owner_diagram(graph: OwnershipGraph, entity: str, *,
                  names: Mapping[str, str] | None = None) -> Diagram:
    """The chains of stakes from ``entity`` down to every asset it holds.

    Parameters
    ----------
    graph
        The ownership graph.
    entity
        An entity id (``"jogmec"``).
    names
        Asset key (``layer/id``) -> the feature's name; an asset not in it shows its id.

    Returns
    -------
    Diagram
        Every entity and asset reachable downwards from ``entity``, each edge a direct
        stake (owner -> owned).
    """
    holdings: dict[str, list[_Edge]] = {}
    for owned, stakes in graph.owners_of.items():
        for owner, pct in stakes:
            holdings.setdefault(owner, []).append((owner, owned, pct))
    walked = _walk(entity, lambda node: sorted(holdings.get(node, []), key=lambda e: e[1]))
    title = f"What {graph.name(entity)} holds, directly and through other companies"
    return _render(graph, entity, walked=walked, names=names or {}, title=title)


def asset_diagram(graph: OwnershipGraph, asset: str, *,
                  names: Mapping[str, str] | None = None) -> Diagram:
    """The owners of ``asset`` (``layer/id``) up to their ultimate owners.

    Parameters
    ----------
    graph
        The ownership graph.
    asset
        The asset's graph node, ``layer/id``.
    names
        Asset key -> the feature's name (for the asset's own box).

    Returns
    -------
    Diagram
        Every entity up the chain of ``asset``; each edge a direct stake (owner -> owned).
    """
    names = names or {}
    walked = _walk(asset, lambda node: sorted(
        ((owner, node, pct) for owner, pct in graph.owners_of.get(node, [])),
        key=lambda e: e[0]))
    label = names.get(asset, asset.partition("/")[2])
    return _render(graph, asset, walked=walked, names=names, title=f"Who owns {label}")


def diagram_svg(diagram: Diagram) -> bytes:
    """Lay the diagram out with Graphviz's ``dot`` and return it as SVG.

    """
    graph = pygraphviz.AGraph(string=diagram.dot)
    svg: bytes = graph.draw(format="svg", prog="dot")
    return svg
