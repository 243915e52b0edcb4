"""The app's state and its permalink: a :class:`View` to and from a URL query string.

A View is a :class:`~layers.query.Query` plus how the map draws it; it is frozen, so it
keys a cache. The URL keys are design.md's (``?layer=mines&element=Dy&owner=JOGMEC&
country=AUS&status=operating&min_hree=10``) plus ``stage``, ``state_backed``,
``min_capacity``, ``max_capacity``, ``capacity_unit``, ``q`` (name contains), ``color_by``,
``basemap`` and ``focus`` (the feature zoomed to, ``layer/id``); a key may repeat, and a
value may hold several, comma-separated. No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from layers.ownership import OwnershipGraph
from layers.query import Query, parse_values
from layers.schema import CAPACITY_UNITS, ELEMENTS, LAYERS, STAGES, STATUSES
from ui.mapview import BASEMAPS as MAP_BASEMAPS
from ui.style import COLOR_BY

__all__ = [
    "BASEMAPS",
    "COLOR_BY",
    "KINDS",
    "PARAM_KEYS",
    "WIDGET_KEYS",
    "View",
    "filter_summary",
    "from_params",
    "plain",
    "to_params",
    "view_of",
    "widget_state",
]

#: Basemaps: the offline country outlines (always there) or web tiles for users online.
BASEMAPS: Final[tuple[str, ...]] = tuple(MAP_BASEMAPS)

#: The multi-valued filters: Query field -> URL key (design.md's permalink contract).
KINDS: Final[dict[str, str]] = {
    "layers": "layer",
    "elements": "element",
    "owners": "owner",
    "countries": "country",
    "statuses": "status",
    "stages": "stage",
    "capacity_units": "capacity_unit",
}
#: The single-valued keys: Query field (or View field) -> URL key.
_NUMBERS: Final[dict[str, str]] = {
    "min_hree": "min_hree",
    "capacity_min": "min_capacity",
    "capacity_max": "max_capacity",
}
#: Every URL key a View reads and writes (other panels may add keys of their own).
PARAM_KEYS: Final[tuple[str, ...]] = (
    *KINDS.values(), *_NUMBERS.values(), "state_backed", "q", "color_by", "basemap", "focus",
)
_TRUE: Final[frozenset[str]] = frozenset({"1", "true", "yes", "on"})

@dataclass(frozen=True)
class View:
    """Everything a permalink restores: the filter, how the map draws it, and the feature
    it is zoomed to (``layer/id``, empty for the whole selection)."""

    query: Query = field(default_factory=Query)
    color_by: str = "hree"
    basemap: str = "countries"
    focus: str = ""


#: The app's widget keys (session state) of the multi-valued filters, by Query field.
WIDGET_KEYS: Final[dict[str, str]] = {
    "layers": "f_layer", "elements": "f_element", "owners": "f_owner",
    "countries": "f_country", "statuses": "f_status", "stages": "f_stage",
    "capacity_units": "f_cap_unit",
}


def widget_state(view: View) -> dict[str, Any]:
    """The app's widget values showing a view (a permalink opened: the widgets start there)."""
    q = view.query
    state: dict[str, Any] = {key: list(getattr(q, attr)) for attr, key in WIDGET_KEYS.items()}
    state.update(
        f_min_hree=float(q.min_hree or 0.0), f_state_backed=q.state_backed, f_q=q.text,
        f_cap_min=q.capacity_min, f_cap_max=q.capacity_max,
        f_color_by=view.color_by, f_basemap=view.basemap, f_focus=view.focus,
    )
    return state


def view_of(state: Mapping[Any, Any]) -> View:
    """The view the app's widgets hold (the inverse of :func:`widget_state`).

    A minimum heavy-REE share of 0 means no filter; a capacity range being typed (minimum
    above maximum) keeps its minimum.
    """
    query = Query(
        **{attr: tuple(state.get(key) or ()) for attr, key in WIDGET_KEYS.items()},
        min_hree=float(state["f_min_hree"]) if state.get("f_min_hree") else None,
        state_backed=bool(state.get("f_state_backed")),
        text=(state.get("f_q") or "").strip(),
        capacity_min=state.get("f_cap_min"),
        capacity_max=state.get("f_cap_max"),
    )
    low, high = query.capacity_min, query.capacity_max
    if low is not None and high is not None and low > high:
        query = replace(query, capacity_max=None)
    return View(query=query, color_by=state.get("f_color_by", View.color_by),
                basemap=state.get("f_basemap", View.basemap), focus=state.get("f_focus", ""))


def _values(params: Mapping[str, str | Sequence[str]], key: str) -> tuple[str, ...]:
    raw = params.get(key)
    if raw is None:
        return ()
    return parse_values([raw] if isinstance(raw, str) else raw)


def _last(params: Mapping[str, str | Sequence[str]], key: str) -> str | None:
    values = _values(params, key)
    return values[-1] if values else None


def _raw_last(params: Mapping[str, str | Sequence[str]], key: str) -> str:
    # free text (a name search) keeps its commas
    raw = params.get(key) or ""
    return (raw if isinstance(raw, str) else (list(raw) or [""])[-1]).strip()


def _owner_ids(
    params: Mapping[str, str | Sequence[str]], graph: OwnershipGraph | None, problems: list[str]
) -> tuple[str, ...]:
    if graph is None:
        return _values(params, "owner")
    raw = params.get("owner") or ()
    out: list[str] = []
    for value in [raw] if isinstance(raw, str) else raw:
        # A name holding a comma ("Iluka Resources, Ltd") is tried whole before it is split.
        whole = graph.resolve(value)
        for text in [value] if whole else parse_values([value]):
            entity = graph.resolve(text)
            if entity is None:
                problems.append(f"owner: no entity is named {text!r}")
            elif entity not in out:
                out.append(entity)
    return tuple(out)


def from_params(
    params: Mapping[str, str | Sequence[str]], *, graph: OwnershipGraph | None = None
) -> tuple[View, list[str]]:
    """Read a URL query string into a View, dropping what is not understood.

    Parameters
    ----------
    params
        Key -> value or values (repeated keys); a value may hold several, comma-separated.
    graph
        When given, owners resolve to entity ids (by id or name, any case).

    Returns
    -------
    View, list of str
        The view, and one line per value that was dropped (``key: problem``).
    """
    problems: list[str] = []

    def pick(key: str, allowed: Mapping[str, str] | Sequence[str]) -> tuple[str, ...]:
        canon = {a.casefold(): a for a in allowed}
        kept = []
        for value in _values(params, key):
            if value.casefold() not in canon:
                problems.append(f"{key}: unknown value {value!r}")
            elif canon[value.casefold()] not in kept:
                kept.append(canon[value.casefold()])
        return tuple(kept)

    def number(key: str, low: float, high: float) -> float | None:
        text = _last(params, key)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError:
            problems.append(f"{key}: {text!r} is not a number")
            return None
        if not (low <= value <= high) or math.isnan(value):
            problems.append(f"{key}: {text} is outside {low:g}..{high:g}")
            return None
        return value

    countries = []
    for code in _values(params, "country"):
        if len(code) == 3 and code.isalpha():
            if code.upper() not in countries:
                countries.append(code.upper())
        else:
            problems.append(f"country: {code!r} is not an ISO 3166 alpha-3 code")
    low = number("min_capacity", 0.0, math.inf)
    high = number("max_capacity", 0.0, math.inf)
    if low is not None and high is not None and low > high:
        problems.append(f"min_capacity: {low:g} is above max_capacity {high:g}")
        low = high = None
    query = Query(
        layers=pick("layer", LAYERS),
        elements=pick("element", ELEMENTS),
        owners=_owner_ids(params, graph, problems),
        countries=tuple(countries),
        statuses=pick("status", STATUSES),
        stages=pick("stage", STAGES),
        min_hree=number("min_hree", 0.0, 100.0),
        state_backed=(_last(params, "state_backed") or "").casefold() in _TRUE,
        text=_raw_last(params, "q"),
        capacity_min=low,
        capacity_max=high,
        capacity_units=pick("capacity_unit", CAPACITY_UNITS),
    )
    color = pick("color_by", COLOR_BY)
    basemap = pick("basemap", BASEMAPS)
    focus = (_last(params, "focus") or "").strip()
    if focus and (focus.partition("/")[0] not in LAYERS or not focus.partition("/")[2]):
        problems.append(f"focus: {focus!r} is not LAYER/ID (e.g. mines/mount-weld)")
        focus = ""
    view = View(
        query=query,
        color_by=color[-1] if color else View.color_by,
        basemap=basemap[-1] if basemap else View.basemap,
        focus=focus,
    )
    return view, problems


def to_params(view: View) -> dict[str, str | list[str]]:
    """Write a View as URL parameters: only what differs from the default view.

    Several values of one kind become a repeated key, so that a name holding a comma
    survives; :func:`from_params` reads both forms.
    """
    q = view.query
    out: dict[str, str | list[str]] = {}
    for attr, key in KINDS.items():
        values = list(getattr(q, attr))
        if values:
            out[key] = values[0] if len(values) == 1 else values
    for attr, key in _NUMBERS.items():
        value = getattr(q, attr)
        if value is not None:
            out[key] = f"{value:g}"
    if q.state_backed:
        out["state_backed"] = "1"
    if q.text:
        out["q"] = q.text
    if view.color_by != View.color_by:
        out["color_by"] = view.color_by
    if view.basemap != View.basemap:
        out["basemap"] = view.basemap
    if view.focus:
        out["focus"] = view.focus
    return out


def filter_summary(view: View, *, names: Mapping[str, str] | None = None) -> str:
    """One line naming the active filters (``all features`` when none), for captions.

    ``names`` maps entity ids to display names for the owner filter.
    """
    q = view.query
    names = names or {}
    parts = []
    labels = {"layers": "layer", "elements": "element", "owners": "owner",
              "countries": "country", "statuses": "status", "stages": "stage",
              "capacity_units": "capacity unit"}
    for attr, label in labels.items():
        values = getattr(q, attr)
        if attr == "owners":
            values = tuple(names.get(v, v) for v in values)
        if values:
            parts.append(f"{label}: {', '.join(values)}")
    if q.min_hree is not None:
        parts.append(f"heavy REE ≥ {q.min_hree:g}%")
    if q.capacity_min is not None or q.capacity_max is not None:
        low = f"{q.capacity_min:g}" if q.capacity_min is not None else "0"
        high = f"{q.capacity_max:g}" if q.capacity_max is not None else "any"
        parts.append(f"capacity {low}–{high}")
    if q.state_backed:
        parts.append("state-backed only")
    if q.text:
        parts.append(f"name contains {q.text!r}")
    return "; ".join(parts) if parts else "all features"


_MARKDOWN_SPECIAL: Final[str] = "\\`*_{}[]()<>#+-.!|~:$=&"


def plain(text: str) -> str:
    """Escape text for a Markdown caption, so that it shows as typed.

    Names and URL values reach captions and warnings; escaped, ``![x](http://host)`` is
    not an image, ``<b>`` not a tag and ``:red[x]`` not a colour directive.
    """
    return "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in text)
