"""Load test: concurrent browser sessions filtering and exporting against one app.

One Streamlit server on 127.0.0.1 (the bundled data, or ``--data-dir``), one headless
Chromium with N contexts (default 10). Each session, for the duration, opens a permalink
with random filters (a new URL query string: layer, element, country, status, min_hree),
waits until the app has drawn it, then downloads one export (GeoJSON, GeoPackage or CSV)
through the download button. Recorded: requests done, errors (exceptions shown by the
app, failed or empty downloads, timeouts, page errors), latency per kind, and the RSS of the
streamlit process sampled every second. The data are cached once per server
(``st.cache_data``), so memory should level off rather than grow with sessions.

Run: ``.venv/bin/python -m bench.load [--sessions 10] [--seconds 60]``; writes
``bench/load.md``. Not a pytest test: it measures, it does not assert.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app

OUT = Path(__file__).resolve().parent / "load.md"
FILTERS: dict[str, list[str]] = {
    "layer": ["mines", "refineries", "mines,refineries", "seabed", "routes"],
    "element": ["Dy", "Tb", "Nd", "Dy,Tb", "Y"],
    "country": ["AUS", "CHN", "USA", "JPN", "MYS"],
    "status": ["operating", "development", "exploration"],
    "min_hree": ["10", "30"],
}
#: Ready: the app has run its script for this URL (no "running" status, buttons drawn).
_READY = """() => {
    const running = document.querySelector('[data-testid="stStatusWidget"]');
    const buttons = document.querySelectorAll('.st-key-dl-geojson button, .st-key-dl-gpkg button, '
        + '.st-key-dl-csv button');
    return !running && buttons.length === 3;
}"""
#: A response slower than this counts as an error; slower ones are latency, not failures.
_TIMEOUT_MS = 120_000
#: The app's export buttons (app.py's ``DOWNLOADS``, keyed ``dl-FORMAT``).
EXPORTS = ("geojson", "gpkg", "csv")


@dataclass
class Results:
    """What the sessions did."""

    filter_s: list[float] = field(default_factory=list)
    download_s: list[float] = field(default_factory=list)
    download_bytes: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_mb: list[tuple[float, float]] = field(default_factory=list)
    server_cpu_s: float = 0.0
    browser_cpu_s: float = 0.0
    wall_s: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_cpu_s(root: int) -> float:
    """CPU seconds of the live processes under ``root`` (the Playwright driver, Chromium)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0.0
    for pid in tree - {root}:
        try:
            total += _cpu_s(pid)
        except (OSError, ValueError, IndexError):
            continue
    return total


def _sample_memory(pid: int, start: float, results: Results, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            results.rss_mb.append((time.monotonic() - start, _rss_mb(pid)))
        except OSError:
            return
        stop.wait(1.0)


def _random_query(rng: random.Random) -> str:
    kinds = rng.sample(list(FILTERS), k=rng.randint(0, 2))
    return "&".join(f"{k}={rng.choice(FILTERS[k])}" for k in kinds)


async def _session(browser: Any, url: str, *, deadline: float, seed: int, results: Results,
                   folder: Path) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1300, "height": 900},
                                        accept_downloads=True)
    page = await context.new_page()
    page.on("pageerror", lambda exc: results.errors.append(f"pageerror: {exc}"))
    try:
        while time.monotonic() < deadline:
            query = _random_query(rng)
            t0 = time.monotonic()
            try:
                await page.goto(f"{url}/?{query}", wait_until="domcontentloaded")
                await page.wait_for_function(_READY, timeout=_TIMEOUT_MS, polling=100)
            except Exception as exc:  # a load test records every failure
                results.errors.append(f"filter ?{query}: {type(exc).__name__}")
                continue
            results.filter_s.append(time.monotonic() - t0)
            if await page.locator('[data-testid="stException"]').count():
                results.errors.append(f"filter ?{query}: the app shows an exception")
                continue
            fmt = rng.choice(EXPORTS)
            t0 = time.monotonic()
            try:
                async with page.expect_download(timeout=_TIMEOUT_MS) as info:
                    await page.locator(f".st-key-dl-{fmt} button").click()
                download = await info.value
                target = folder / f"{seed}-{len(results.download_s)}-{download.suggested_filename}"
                await download.save_as(target)
                size = target.stat().st_size
                target.unlink()
            except Exception as exc:  # recorded, as above
                results.errors.append(f"download {fmt} ?{query}: {type(exc).__name__}")
                continue
            results.download_s.append(time.monotonic() - t0)
            results.download_bytes.append(size)
            if size == 0:
                results.errors.append(f"download {fmt} ?{query}: empty file")
    finally:
        await context.close()


async def _run(url: str, sessions: int, seconds: float, results: Results) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        deadline = time.monotonic() + seconds
        with tempfile.TemporaryDirectory(prefix="reemap-load-") as tmp:
            cpu0 = _tree_cpu_s(os.getpid())
            await asyncio.gather(*(
                _session(browser, url, deadline=deadline, seed=seed, results=results,
                         folder=Path(tmp))
                for seed in range(sessions)
            ))
            results.browser_cpu_s = _tree_cpu_s(os.getpid()) - cpu0
        await browser.close()


def _warm(url: str) -> None:
    """One session first, so the cache is filled and the baseline RSS is the warm one."""
    results = Results()
    asyncio.run(_run(url, 1, 1.0, results))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _dataset_mb(data_dir: Path | None) -> float:
    """The loaded layers' own size (deep), to compare RSS growth against a copy per session."""
    from layers.catalog import load_dataset

    frames = load_dataset(data_dir).frames
    return sum(float(f.memory_usage(deep=True).sum()) for f in frames.values()) / 2**20


def _report(results: Results, *, sessions: int, seconds: float, baseline: float,
            idle: float, dataset: float) -> str:
    rss = [mb for _, mb in results.rss_mb]
    half = [mb for t, mb in results.rss_mb if t >= seconds / 2]
    rows = [
        ("sessions (one Chromium, one context each)", f"{sessions}"),
        ("duration", f"{seconds:.0f} s"),
        ("filter requests done (permalink loaded and drawn)", f"{len(results.filter_s)}"),
        ("exports downloaded", f"{len(results.download_s)} "
         f"({sum(results.download_bytes) / 1e6:.1f} MB)"),
        ("errors", f"{len(results.errors)}"),
        ("filter latency p50 / p95 / max",
         f"{_pct(results.filter_s, .5):.2f} / {_pct(results.filter_s, .95):.2f} / "
         f"{max(results.filter_s, default=float('nan')):.2f} s"),
        ("download latency p50 / p95 / max",
         f"{_pct(results.download_s, .5):.2f} / {_pct(results.download_s, .95):.2f} / "
         f"{max(results.download_s, default=float('nan')):.2f} s"),
        ("wall time until the last session finished", f"{results.wall_s:.0f} s"),
        ("server CPU time used (of 2 cores x wall time)",
         f"{results.server_cpu_s:.0f} s (of {2 * results.wall_s:.0f} s)"),
        ("Chromium CPU time used (all contexts)", f"{results.browser_cpu_s:.0f} s"),
        ("machine load average (1 min) at start / end",
         f"{results.load[0]:.1f} / {results.load[1]:.1f}"),
        ("the loaded layers' size in memory (pandas deep)", f"{dataset:.1f} MB"),
        ("server RSS idle (started, no session)", f"{idle:.0f} MB"),
        ("server RSS after one warm-up session", f"{baseline:.0f} MB"),
        ("server RSS under load: max / at end", f"{max(rss, default=0):.0f} / "
         f"{rss[-1] if rss else float('nan'):.0f} MB"),
        ("server RSS, 2nd half of the run: min / max",
         f"{min(half, default=0):.0f} / {max(half, default=0):.0f} MB"),
    ]
    lines = ["| measure | value |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    timeline = " ".join(f"{t:.0f}s:{mb:.0f}" for t, mb in results.rss_mb[::10])
    errors = sorted(set(results.errors))[:10]
    return "\n".join([*lines, "", f"RSS over time (s:MB, every 10 s): {timeline}", "",
                      "Errors (distinct, first 10): " + ("; ".join(errors) or "none")])


def main(argv: list[str] | None = None) -> None:
    """Run the load test and write ``bench/load.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    url, proc = start_app(args.data_dir)
    try:
        idle = _rss_mb(proc.pid)
        _warm(url)
        baseline = _rss_mb(proc.pid)
        results = Results()
        stop = threading.Event()
        sampler = threading.Thread(target=_sample_memory,
                                   args=(proc.pid, time.monotonic(), results, stop))
        sampler.start()
        cpu0, t0, load0 = _cpu_s(proc.pid), time.monotonic(), os.getloadavg()[0]
        asyncio.run(_run(url, args.sessions, args.seconds, results))
        results.server_cpu_s = _cpu_s(proc.pid) - cpu0
        results.browser_cpu_s -= results.server_cpu_s  # the server is our child too
        results.wall_s = time.monotonic() - t0
        results.load = (load0, os.getloadavg()[0])
        stop.set()
        sampler.join()
    finally:
        stop_app(proc)
    table = _report(results, sessions=args.sessions, seconds=args.seconds, baseline=baseline,
                    idle=idle, dataset=_dataset_mb(args.data_dir))
    median = statistics.median(results.filter_s) if results.filter_s else float("nan")
    print(table)
    print(f"median filter latency {median:.2f} s")
    _write(args.output, table, args)


def _write(path: Path, table: str, args: argparse.Namespace) -> None:
    header = (
        "# Load test: concurrent sessions filtering and exporting\n\n"
        "`bench/load.py`: one app on 127.0.0.1, one headless Chromium with "
        f"{args.sessions} contexts; each opens random permalinks (URL query filters) and "
        "downloads an export through the app's download button, for "
        f"{args.seconds:.0f} s. RSS is the streamlit server's, from /proc, every second.\n"
        f"Data: {args.data_dir or 'the bundled data/'}. Machine: 2 cores shared with other "
        "work, so latencies are upper bounds. A request slower than "
        f"{_TIMEOUT_MS / 1000:.0f} s counts as an error.\n\n"
        "How to read it: the server's CPU time against Chromium's and the machine's load "
        "says where the latency goes; the RSS in the second half of the run against the "
        "RSS after one warm session says whether sessions copy the data (they should not: "
        "`st.cache_data` holds one dataset per server; each session adds only its own "
        "widget state and rendered page).\n\n"
    )
    path.write_text(header + table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
