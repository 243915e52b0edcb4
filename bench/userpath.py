"""The user's path with their own large layer: validate, import, load, export (issue 16).

Each step runs as a user runs it (a whole ``reemap`` process: interpreter, imports, work)
beside its baseline, a process doing the same with pyogrio alone, on the same file, in the
same run and interleaved so both meet the same load. Peak memory is each process's own peak
resident size (``ru_maxrss`` from ``wait4``). The dataset load and the exports of the loaded
layer are also timed inside one process (no interpreter start), against pyogrio's read and
write of the same table.

``python -m bench.userpath SIZE...`` (or ``python -m bench --user-path``) runs the cases
only; the files are synthetic mines (:func:`bench.synth.make_points_on_land`) inside their
stated countries, so every feature is valid.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.timing import Results, Row, Stat

__all__ = ["run_process", "user_path"]

_READ = "import sys, pyogrio; pyogrio.read_dataframe(sys.argv[1])"
_READ_WRITE = ("import sys, pyogrio; df = pyogrio.read_dataframe(sys.argv[1]); "
               "pyogrio.write_dataframe(df, sys.argv[2], driver='GeoJSON')")
_REEMAP = [sys.executable, "-m", "reemap"]
_LABEL = "bench"


#: Reports the peak RSS of the command it runs. A process's own ``ru_maxrss`` (and so
#: ``wait4``'s) starts from its parent's: Linux keeps the high-water mark of the memory the
#: child had between fork and exec, which is the parent's (this bench, holding a
#: 1M-point layer: every child then "peaked" at 3.2 GB). ``/usr/bin/time`` is a small
#: parent, so what it reports is the command's own.
_TIME = Path("/usr/bin/time")


def run_process(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``cmd`` to its end; return (wall seconds, peak resident MB of that process).

    The peak comes from ``/usr/bin/time`` run between this process and ``cmd``
    (:data:`_TIME`); without it, from ``wait4`` (an upper bound: this process's own peak
    is in it).

    Raises
    ------
    RuntimeError
        When the command fails (its last lines of stderr attached).
    """
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as peak:
        wrapped = ([str(_TIME), "-f", "%M", "-o", peak.name, *cmd] if _TIME.exists()
                   else list(cmd))
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {' / '.join(tail)}")
        reported = peak.read().split()
    kb = float(reported[-1]) if _TIME.exists() and reported else float(usage.ru_maxrss)
    return wall, kb / 1024


def _stats(runs: list[tuple[float, float]]) -> tuple[Stat, float]:
    return Stat.of([w for w, _ in runs]), max(m for _, m in runs)


def _pair(results: Results, *, case: str, size: str, ours: Callable[[], tuple[float, float]],
          base: Callable[[], tuple[float, float]], base_name: str, repeat: int,
          target: str) -> tuple[Stat, float]:
    """Time ours and the baseline interleaved; add both rows and their ratio."""
    mine: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for _ in range(repeat):
        mine.append(ours())
        theirs.append(base())
    stat, peak = _stats(mine)
    bstat, bpeak = _stats(theirs)
    results.add(Row("user path", case, size, stat, "s", "", f"peak RSS {peak:,.0f} MB"))
    results.add(Row("user path", f"baseline: {base_name}", size, bstat, "s", "",
                    f"peak RSS {bpeak:,.0f} MB"))
    ratio = stat.median / bstat.median
    if target.startswith(">="):  # "at least N times as fast": baseline over ours
        ratio = bstat.median / stat.median
        results.add(Row("user path", f"{case}: speed-up over {base_name}", size,
                        Stat(ratio, ratio, ratio, 1), "x", target, "baseline / ours, medians"))
    else:
        results.add(Row("user path", f"{case} / {base_name}", size,
                        Stat(ratio, ratio, ratio, 1), "x", target, "ours / baseline, medians"))
    return stat, peak


def _in_process(store: Path, out: Path, repeat: int) -> dict[str, list[float]]:
    """Dataset load and exports timed in one fresh process (see :func:`_child`)."""
    env = dict(os.environ, REEMAP_STORE=str(store))
    found = subprocess.run(
        [sys.executable, "-m", "bench.userpath", "--child", str(store), str(out), str(repeat)],
        env=env, check=True, capture_output=True, text=True, timeout=3600)
    return dict(json.loads(found.stdout.strip().splitlines()[-1]))


def _child(store: Path, out: Path, repeat: int) -> None:
    """Interleave: the imported layer read back typed vs pyogrio's read of its table; the
    GeoPackage and GeoParquet exports vs pyogrio's write of the same frame."""
    import pyogrio

    from layers.catalog import load_dataset, load_imported

    times: dict[str, list[float]] = {k: [] for k in (
        "load_imported", "load_dataset", "read_table", "gpkg", "pyogrio_gpkg", "parquet",
        "pyogrio_parquet")}

    def timed(key: str, fn: Callable[[], object]) -> object:
        gc.collect()
        start = time.perf_counter()
        value = fn()
        times[key].append(time.perf_counter() - start)
        return value

    drivers = pyogrio.list_drivers(write=True)
    for rep in range(repeat):
        # ours and the baseline take turns going first (the second may reuse the memory the
        # first freed)
        pair = [("load_imported", lambda: load_imported(store)),
                ("read_table", lambda: pyogrio.read_dataframe(store, layer=_LABEL))]
        for key, fn in pair[:: -1 if rep % 2 else 1]:
            timed(key, fn)
        dataset = timed("load_dataset", lambda: load_dataset(include_store=True, store=store))
        _exports(dataset.frames["mines"], out, drivers, timed,  # type: ignore[attr-defined]
                 baseline_first=bool(rep % 2))
        del dataset
    print(json.dumps(times))


def _exports(frame: Any, out: Path, drivers: dict[str, str],
             timed: Callable[[str, Callable[[], object]], object], *,
             baseline_first: bool = False) -> None:
    """Our GeoPackage and GeoParquet exports vs pyogrio's write of the same frame (given
    lists as JSON text already, untimed: it cannot write lists), the baseline first when
    asked."""
    import pyogrio

    from geo.export import flatten, write_layers

    flat = flatten(frame)
    for fmt, driver, ext in (("gpkg", "GPKG", "gpkg"), ("parquet", "Parquet", "parquet")):
        target, base = out / f"ours.{ext}", out / f"pyogrio.{ext}"

        def ours(f: str = fmt, t: Path = target) -> object:
            return write_layers({"mines": frame}, t, fmt=f)

        def baseline(d: str = driver, b: Path = base) -> object:
            if d in drivers:
                return pyogrio.write_dataframe(flat, b, driver=d)
            return flat.to_parquet(b, index=False)  # a wheel without GDAL's Parquet driver

        for previous in (target, base):  # each writes a new file (replacing one costs more)
            previous.unlink(missing_ok=True)
        pair = [(fmt, ours), (f"pyogrio_{fmt}", baseline)]
        for key, fn in pair[:: -1 if baseline_first else 1]:
            timed(key, fn)


def _write_file(n: int, folder: Path) -> Path:
    from bench.synth import make_points_on_land
    from geo.geojson import to_geojson_bytes

    path = folder / f"mines-{n}.geojson"
    path.write_bytes(to_geojson_bytes(make_points_on_land(n)))
    return path


def user_path(results: Results, sizes: Sequence[int], *, repeat: int = 3,
              repeat_1m: int = 1) -> None:
    """Every step of the user's path at each size, beside its baseline (issue 16):
    ``repeat`` runs each, ``repeat_1m`` from 1M features on (some 6 minutes a run)."""
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="reemap-bench-user-") as tmp:
            _one_size(results, n, Path(tmp), repeat_1m if n >= 1_000_000 else repeat)


def _one_size(results: Results, n: int, folder: Path, reps: int) -> None:
    from bench.cases import label

    path = _write_file(n, folder)
    store = folder / "store.gpkg"
    size = label(n)
    # the users' limits (200 MB, 500,000 features) raised to the benchmark's file
    env = dict(os.environ, REEMAP_STORE=str(store),
               REEMAP_MAX_INPUT_BYTES=str(max(path.stat().st_size * 2, 200 * 2**20)),
               REEMAP_MAX_UNPACKED_BYTES=str(max(path.stat().st_size * 2, 200 * 2**20)),
               REEMAP_MAX_FEATURES=str(max(n, 500_000)))
    mb = path.stat().st_size / 1e6
    results.add(Row("user path", "input file (GeoJSON)", size, Stat(mb, mb, mb, 1), "MB", "",
                    f"{n:,} mines inside their stated countries"))

    def read() -> tuple[float, float]:
        return run_process([sys.executable, "-c", _READ, str(path)], env)

    def ours(*args: str) -> Callable[[], tuple[float, float]]:
        return lambda: run_process([*_REEMAP, *args], env)

    _pair(results, case="reemap validate --layer mines", size=size,
          ours=ours("validate", str(path), "--layer", "mines"), base=read,
          base_name="pyogrio read", repeat=reps, target="<= 2x")
    _, peak = _pair(results, case="reemap import --layer mines", size=size,
                    ours=ours("import", str(path), "--layer", "mines", "--as", _LABEL,
                              "--replace"),
                    base=read, base_name="pyogrio read", repeat=reps, target="<= 2.5x")
    if n >= 1_000_000:
        results.add(Row("user path", "peak RSS of reemap import", size,
                        Stat(peak, peak, peak, 1), "MB", "<= 2560 MB", "whole process"))
    out = folder / "out.geojson"
    _pair(results, case="reemap export --layer mines (GeoJSON, imported)", size=size,
          ours=ours("export", "--layer", "mines", "--output", str(out)),
          base=lambda: run_process([sys.executable, "-c", _READ_WRITE, str(path), str(out)],
                                   env),
          base_name="pyogrio read + write", repeat=reps, target=">= 1.5x")
    out.unlink(missing_ok=True)
    # in one process the runs are cheap below 1M: 5 of them, taking turns going first
    _loaded(results, _in_process(store, folder, reps if n >= 1_000_000 else max(reps, 5)), size)


def _loaded(results: Results, times: dict[str, list[float]], size: str) -> None:
    pairs = [
        ("read the imported layer back (load_imported)", "load_imported",
         "pyogrio read of the store's table", "read_table", "<= 1.3x"),
        ("export GeoPackage (write_layers)", "gpkg", "pyogrio write GPKG", "pyogrio_gpkg",
         "<= 1x"),
        ("export GeoParquet (write_layers)", "parquet",
         "geopandas to_parquet (the pyogrio wheel has no Parquet writer)", "pyogrio_parquet",
         "<= 1x"),
    ]
    for case, key, base, base_key, target in pairs:
        ours, theirs = Stat.of(times[key]), Stat.of(times[base_key])
        results.add(Row("user path", case, size, ours, "s", ""))
        results.add(Row("user path", f"baseline: {base}", size, theirs, "s", ""))
        ratio = ours.median / theirs.median
        results.add(Row("user path", f"{case} / {base}", size, Stat(ratio, ratio, ratio, 1), "x",
                        target, "ours / baseline, medians, in one process"))
        if key == "load_imported":
            load = Stat.of(times["load_dataset"])
            share = load.median / theirs.median
            results.add(Row("user path", "dataset load (curated + imported, graph)", size, load,
                            "s", "", f"{share:.2f}x the table read"))


def main(argv: list[str]) -> int:
    """``python -m bench.userpath SIZE...``: run the cases, print the table (not saved)."""
    if argv and argv[0] == "--child":
        _child(Path(argv[1]), Path(argv[2]), int(argv[3]))
        return 0
    from bench.timing import machine

    results = Results(machine=machine())
    print(f"machine: {results.machine}", flush=True)
    sizes = [int(a.replace("k", "000").replace("M", "000000")) for a in argv] or [10_000]
    user_path(results, sizes)
    print(f"\n{results.targets()}\n\n{results.markdown()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
