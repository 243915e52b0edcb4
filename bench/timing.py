"""Timing, the machine's description and the results table."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Stat:
    """Median, min and max of repeated measurements (seconds, or any unit)."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: list[float]) -> Stat:
        return cls(statistics.median(values), min(values), max(values), len(values))


def measure(fn: Callable[[], Any], *, repeat: int = 5, warmup: bool = True) -> tuple[Stat, Any]:
    """Time ``fn`` ``repeat`` times (after an untimed call when ``warmup``); return its result."""
    result = fn() if warmup else None
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
        result = value  # the previous result is freed here, outside the timing
    return Stat.of(times), result


@dataclass
class Row:
    """One line of the results table."""

    group: str
    case: str
    size: str
    value: Stat | None
    unit: str
    target: str = ""
    note: str = ""

    def met(self) -> bool | None:
        """Whether the median meets the target (``None`` without a numeric target)."""
        parts = self.target.split()
        if self.value is None or len(parts) < 2 or parts[0] not in {"<=", ">="}:
            return None
        limit = float(parts[1].rstrip("x"))
        unit = parts[2] if len(parts) > 2 else ""
        value = self.value.median * (1000 if unit == "ms" else 1)
        return value <= limit if parts[0] == "<=" else value >= limit

    def cells(self) -> list[str]:
        if self.value is None:
            figure = "n/a"
        elif self.unit == "s":
            figure = _seconds(self.value)
        else:
            v = self.value
            figure = (f"{v.median:,.1f} {self.unit}" if v.runs == 1 or v.low == v.high else
                      f"{v.median:,.1f} {self.unit} ({v.low:,.1f}-{v.high:,.1f})")
        verdict = {True: " (met)", False: " (missed)", None: ""}[self.met()]
        return [self.group, self.case, self.size, figure, self.target + verdict, self.note]


def _seconds(v: Stat) -> str:
    def fmt(x: float) -> str:
        return f"{x * 1000:,.1f} ms" if x < 1 else f"{x:,.2f} s"

    if v.runs == 1:
        return f"{fmt(v.median)} (1 run)"
    return f"{fmt(v.median)} ({fmt(v.low)}-{fmt(v.high)}, {v.runs} runs)"


@dataclass
class Results:
    """Every row measured in one run, and how to print and save them."""

    machine: str = ""
    rows: list[Row] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(" | ".join(row.cells()), flush=True)

    def targets(self) -> str:
        """The issue's targets, each with its figure and whether it was met."""
        lines = []
        for r in self.rows:
            met = r.met()
            if met is not None:
                cells = r.cells()
                lines.append(f"- {'met' if met else '**missed**'}: {r.group}, {r.case}, "
                             f"{r.size}: {cells[3]}, target {r.target}")
        return "\n".join(lines)

    def markdown(self) -> str:
        head = ["group", "case", "size", "median (min-max, runs)", "target", "note"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "/") for c in r.cells()) + " |"
                  for r in self.rows]
        return "\n".join(lines)


def machine() -> str:
    """CPU model, cores, memory, OS and Python, as one line."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{cpu}; {os.cpu_count()} cores; {memory} RAM; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}; load average at start "
            f"{load}")


def versions() -> str:
    """Versions of the libraries the figures depend on."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("geopandas", "shapely", "pandas", "pyogrio", "orjson", "folium", "streamlit",
                 "streamlit-folium", "playwright"):
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    return ", ".join(out)
