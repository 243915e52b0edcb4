"""Server time of a filter change in the web app with a large imported layer (issue 16).

The dataset is held once (``st.cache_resource`` in the app), with a synthetic imported
layer of N mines inside their stated countries; a filter change then runs what a page run
computes for the new filter: the option counts of every filter kind, the two toggles'
totals, the selection, its summary, the table's first rows, the look-through stakes, the
map and its HTML (aggregated into grid cells past ``settings.MAX_POINTS_DRAWN``). Each step
is timed; the sum is the server's share (Streamlit's own script overhead is not in it).
Beside it, the baseline: the same changes as a bare boolean mask copying the kept rows out
of the cached frame (the least a filter change can cost). What the browser adds is timed
apart: one changed map's HTML opened in headless Chromium until it is interactive.

``python -m bench.appserver N`` prints one JSON line: step -> [wall, CPU] seconds (median
of the filter changes timed) and the browser's [median, min, max, MB], for the parent.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.timing import Results, Row, Stat

__all__ = ["filter_change"]

#: The baseline row: the kept rows copied by a bare boolean mask.
_BASELINE = "the kept rows copied by one boolean mask (frame[mask])"

#: The country of the first map drawn point by point, before the timed changes.
_FIRST_DRAWN = "NAM"

#: The filter changes timed, one after the other, as a user clicks through the sidebar.
_CHANGES: list[dict[str, Any]] = [
    {"elements": ("Dy",)},
    {"elements": ("Dy", "Tb"), "countries": ("AUS",)},
    {"owners": ("jogmec",)},
    {"statuses": ("operating",), "min_hree": 10.0},
    {},
]


def _dataset(n: int, folder: Path) -> Any:
    from bench.synth import make_points_on_land
    from geo import store as geo_store
    from layers.catalog import load_dataset
    from layers.models import schema_version
    from layers.validate import typed_frame

    store = folder / "store.gpkg"
    typed = typed_frame(make_points_on_land(n), "mines")
    geo_store.write_layer("survey", typed, store=store, record={
        "layer": "mines", "file": "survey.geojson", "imported_at": "2026-12-05T00:00:00",
        "schema": schema_version("mines")})
    del typed
    return load_dataset(include_store=True, store=store)


def _steps(dataset: Any, query: Any) -> dict[str, Callable[[], object]]:
    from layers.query import all_value_counts, apply_query, query_masks
    from ui.mapview import build_map, map_html
    from ui.stakes import effective_stakes
    from ui.view import summarise, table_rows

    frames, graph = dataset.frames, dataset.graph
    state: dict[str, Any] = {}

    def counts() -> object:  # as the page asks (app_pages/session.py): every kind at once
        return all_value_counts(frames, query, graph)

    def totals() -> object:
        return [sum(int(m.sum()) for m in query_masks(frames, q, graph).values())
                for q in (replace(query, owners=("jogmec",)), replace(query, state_backed=True))]

    def select() -> object:
        state["selected"] = apply_query(frames, query, graph)
        return state["selected"]

    def table() -> object:
        from ui.view import TABLE_LIMIT

        return table_rows(state["selected"], limit=TABLE_LIMIT)

    def html() -> object:
        stakes = effective_stakes(state["selected"], graph)
        return map_html(build_map(state["selected"], effective_stakes=stakes))

    return {"option counts (every kind)": counts, "toggle totals": totals,
            "selection": select, "summary": lambda: summarise(state["selected"]),
            "table rows (first shown)": table, "stakes + map + HTML": html}


def _baseline(dataset: Any, query: Any) -> Callable[[], object]:
    """The least any filter change costs: the rows it keeps copied out of the cached frames
    by one boolean mask each (``frame[mask]``; the masks are computed untimed)."""
    from layers.query import query_masks

    masks = query_masks(dataset.frames, query, dataset.graph)
    return lambda: {name: dataset.frames[name][mask] for name, mask in masks.items()}


def _browser(dataset: Any, query: Any, folder: Path) -> list[float] | None:
    """Seconds from navigation until the map a filter change built is interactive in
    headless Chromium (bench/browser.py; 3 fresh pages), or None without Chromium."""
    from bench import browser
    from layers.query import apply_query
    from ui.mapview import build_map, map_html
    from ui.stakes import effective_stakes

    if not browser.CHROMIUM.exists():
        return None
    selected = apply_query(dataset.frames, query, dataset.graph)
    html = map_html(build_map(selected, effective_stakes=effective_stakes(selected,
                                                                          dataset.graph),
                              asset_base="/static/vendor"))
    (folder / "changed.html").write_text(html, encoding="utf-8")
    with browser.serve(folder) as base, browser.chromium() as chrome:
        found = browser.time_to_ready(chrome, f"{base}/changed.html", browser.OURS_READY,
                                      repeat=3)
    return None if found is None else [found.median, found.low, found.high,
                                       (folder / "changed.html").stat().st_size / 1e6]


def _child(n: int) -> None:
    from layers.query import Query

    with tempfile.TemporaryDirectory(prefix="reemap-bench-app-") as tmp:
        dataset = _dataset(n, Path(tmp))
        times: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        first: list[float] = []
        for i, change in enumerate([{}, *_CHANGES]):
            steps = _steps(dataset, Query(**change))
            steps[_BASELINE] = _baseline(dataset, Query(**change))
            for name, step in steps.items():
                start, used = time.perf_counter(), time.process_time()
                step()
                if i:  # the first pass builds the per-frame indexes (once per dataset load)
                    times.setdefault(name, []).append(time.perf_counter() - start)
                    cpu.setdefault(name, []).append(time.process_time() - used)
            if not i:  # and the first map of points drawn one by one after the load
                first = _first_drawn(dataset)
        drawn = _browser(dataset, Query(**_CHANGES[1]), Path(tmp))
    found: dict[str, Any] = {k: [statistics.median(v), statistics.median(cpu[k])]
                             for k, v in times.items()}
    print(json.dumps({"steps": found, "browser": drawn, "first": first}))


def _first_drawn(dataset: Any) -> list[float]:
    """Wall and CPU seconds of the first map after the load that draws the large layer's
    points one by one (its popup columns are factorised then, once per load), on a filter
    none of the timed changes uses (so it warms none of their masks)."""
    from layers.query import Query

    steps = _steps(dataset, Query(countries=(_FIRST_DRAWN,)))
    start, used = time.perf_counter(), time.process_time()
    steps["selection"]()
    steps["stakes + map + HTML"]()
    return [time.perf_counter() - start, time.process_time() - used]


def filter_change(results: Results, n: int) -> None:
    """Add the per-step and total server times of a filter change at ``n`` features, the
    bare-mask baseline, and the browser's time to draw the new map."""
    from bench.cases import label

    found = subprocess.run([sys.executable, "-m", "bench.appserver", str(n)], check=True,
                           capture_output=True, text=True, timeout=3600, env=dict(os.environ))
    out = json.loads(found.stdout.strip().splitlines()[-1])
    steps: dict[str, list[float]] = out["steps"]
    base_wall, base_cpu = steps.pop(_BASELINE)
    for name, (wall, cpu) in steps.items():
        results.add(Row("app at scale", f"filter change: {name}", label(n),
                        Stat(cpu, cpu, cpu, len(_CHANGES)), "s", "",
                        f"CPU time; wall {wall * 1000:,.0f} ms"))
    cpu_total = sum(c for _, c in steps.values())
    wall_total = sum(w for w, _ in steps.values())
    results.add(Row("app at scale", "filter change: server total (CPU)", label(n),
                    Stat(cpu_total, cpu_total, cpu_total, len(_CHANGES)), "s",
                    "<= 300 ms" if n >= 1_000_000 else "",
                    f"sum of the step medians over {len(_CHANGES)} filter changes; wall "
                    f"{wall_total * 1000:,.0f} ms on this shared machine"))
    results.add(Row("app at scale", f"baseline: {_BASELINE}", label(n),
                    Stat(base_cpu, base_cpu, base_cpu, len(_CHANGES)), "s", "",
                    f"CPU time; wall {base_wall * 1000:,.0f} ms; ours is "
                    f"{cpu_total / max(base_cpu, 1e-9):,.1f}x this"))
    first_wall, first_cpu = out["first"]
    results.add(Row("app at scale", "first map drawn point by point after the load", label(n),
                    Stat(first_cpu, first_cpu, first_cpu, 1), "s", "",
                    f"CPU time, once per load: selection + stakes + map + HTML of the "
                    f"{_FIRST_DRAWN} mines, each popup column factorised for the held layer; "
                    f"wall {first_wall * 1000:,.0f} ms"))
    drawn = out["browser"]
    if drawn is None:
        results.add(Row("app at scale", "filter change: browser draws the new map", label(n),
                        None, "s", "", "not measured: no /usr/bin/chromium"))
    else:
        median, low, high, mb = drawn
        results.add(Row("app at scale", "filter change: browser draws the new map", label(n),
                        Stat(median, low, high, 3), "s", "",
                        f"headless Chromium, navigation until interactive, {mb:.1f} MB page "
                        "(Streamlit's websocket and iframe not included)"))


if __name__ == "__main__":
    _child(int(sys.argv[1]))
