"""Peak memory of the map path at one size, measured in a fresh process.

``python -m bench.memory N`` makes N synthetic points, filters them, builds the map and its
HTML, and prints one JSON line: the peak resident memory (ru_maxrss) and the build time.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.timing import Stat


def _child(n: int) -> None:
    from bench.synth import make_points
    from layers.query import Query, apply_query
    from ui.mapview import build_map, map_html

    frame = make_points(n)
    start = time.perf_counter()
    html = map_html(build_map(apply_query({"mines": frame}, Query())))
    took = time.perf_counter() - start
    print(json.dumps({"peak_mb": _peak_mb(), "seconds": took, "html_mb": len(html) / 1e6}))


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM (ru_maxrss survives fork and exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak(n: int) -> tuple[Stat, float]:
    """Peak MB (VmHWM of a fresh process, data included) and the build seconds."""
    out = subprocess.run([sys.executable, "-m", "bench.memory", str(n)], check=True,
                         capture_output=True, text=True, timeout=600)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    mb = float(found["peak_mb"])
    return Stat(mb, mb, mb, 1), float(found["seconds"])


if __name__ == "__main__":
    _child(int(sys.argv[1]))
