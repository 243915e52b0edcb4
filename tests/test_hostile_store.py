"""Issue 18, class 10: the small items, each through ``python -m reemap`` as a user runs it.

Non-finite numbers, one path for validate and import, the store kept as the user set it up
(a symlink stays a link, its file mode stays, no temporary copy outlives a killed import),
no library warning on stderr, a zip of several shapefiles, a capped problem report.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from hostile_corpus import CORPUS, assert_clean, mine, run_reemap

from geo import settings
from geo.export import flatten


def test_non_finite_numbers_are_refused(tmp_path: Path) -> None:
    from layers.imports import check_file

    run = run_reemap("import", "non_finite.csv", "--as", "x", store=tmp_path / "s.gpkg")
    lines = assert_clean(run, code=1, lines=2)
    assert lines[0] == (
        "non_finite.csv: inf-mine: capacity: Input should be a finite number, got inf"
    )
    assert lines[1].startswith("non_finite.csv: inf-mine: location_precision_km: ")
    # the same figure as a float in a GeoPackage (not text): refused alike
    typed, _ = check_file(CORPUS / "accented_names.geojson")
    typed["capacity"] = float("inf")
    typed["capacity_unit"] = "t/yr REO"
    path = tmp_path / "mines.gpkg"
    pyogrio.write_dataframe(flatten(typed), path, layer="mines")
    run = run_reemap("import", str(path), "--as", "x", store=tmp_path / "s.gpkg")
    assert "capacity: Input should be a finite number" in assert_clean(run, code=1)[0]
    assert not (tmp_path / "s.gpkg").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["fid_property.geojson"],  # validate said valid; import then died storing it
        ["case_twins.geojson"],
        ["two_shapefiles.zip"],  # validate read the first shapefile; import refused
        ["plain_table.gpkg"],  # validate read the first layer; import refused
        ["plain_table.gpkg", "--source-layer", "notes"],
        ["nul_name.geojson"],
    ],
)
def test_validate_and_import_agree(tmp_path: Path, args: list[str]) -> None:
    store = tmp_path / "s.gpkg"
    validated = run_reemap("validate", *args, "--layer", "mines", store=store)
    imported = run_reemap("import", *args, "--layer", "mines", "--as", "x", store=store)
    assert validated.returncode == imported.returncode != 0
    assert validated.stderr == imported.stderr
    assert_clean(imported, code=imported.returncode)


def test_a_zip_of_several_shapefiles_needs_the_one_named(tmp_path: Path) -> None:
    store = tmp_path / "s.gpkg"
    run = run_reemap("import", "two_shapefiles.zip", "--layer", "mines", "--as", "x", store=store)
    assert assert_clean(run, code=2, lines=1) == [
        "reemap: two_shapefiles.zip: the file holds 2 layers (north, south); name the one to "
        "read (--source-layer)"
    ]
    run = run_reemap("validate", "two_shapefiles.zip", "--layer", "mines",
                     "--source-layer", "south", store=store)  # fmt: skip
    lines = assert_clean(run, code=1)
    assert {line.split(": ")[1] for line in lines} == {"site-0", "site-1"}  # south's two


def _good(tmp_path: Path, n: int) -> Path:
    path = tmp_path / f"good{n}.geojson"
    text = (CORPUS / "accented_names.geojson").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    return path


def test_a_symlinked_store_stays_a_link_and_keeps_its_mode(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere" / "imported.gpkg"
    real.parent.mkdir()
    link = tmp_path / "imported.gpkg"
    link.symlink_to(real)
    for n in range(3):
        run = run_reemap("import", str(_good(tmp_path, n)), "--as", f"l{n}", store=link)
        assert_clean(run, code=0)
        if n == 0:
            real.chmod(0o640)
    assert link.is_symlink() and link.resolve() == real
    assert real.stat().st_mode & 0o777 == 0o640
    assert_clean(run_reemap("imported", "--delete", "l1", store=link), code=0)
    assert link.is_symlink() and real.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in real.parent.iterdir()) == ["imported.gpkg"]


def test_a_killed_import_leaves_no_temporary_copy_behind(tmp_path: Path) -> None:
    store = tmp_path / "imported.gpkg"
    big = tmp_path / "big.geojson"
    props = [mine(id=f"site-{i}") for i in range(3000)]
    big.write_text(
        gpd.GeoDataFrame.from_features(
            [{"type": "Feature", "properties": p,
              "geometry": {"type": "Point", "coordinates": [14.66, 58.1]}} for p in props]
        ).to_json(), encoding="utf-8",
    )  # fmt: skip
    assert_clean(run_reemap("import", str(big), "--as", "base", store=store), code=0)
    seen_temp = False
    env = {**os.environ, "REEMAP_STORE": str(store)}
    for attempt in range(5):
        proc = subprocess.Popen(  # an import of the same file, killed mid-write
            [sys.executable, "-m", "reemap", "import", str(big), "--as", f"k{attempt}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if list(tmp_path.glob(".imported.gpkg.*.gpkg")):
                proc.send_signal(signal.SIGKILL)
                seen_temp = True
                break
            time.sleep(0.005)
        proc.wait()
        if seen_temp:
            break
    assert seen_temp, "the import never showed its temporary copy (too fast to catch)"
    assert list(tmp_path.glob(".imported.gpkg.*.gpkg"))  # what the kill left
    assert_clean(run_reemap("import", str(_good(tmp_path, 0)), "--as", "next", store=store),
                 code=0)  # fmt: skip
    assert not list(tmp_path.glob(".imported.gpkg.*.gpkg"))


def test_no_library_warning_reaches_stderr(tmp_path: Path) -> None:
    from layers.imports import check_file

    # a KML and a shapefile: GDAL's drivers warn about fields and geometry types
    typed, _ = check_file(CORPUS / "accented_names.geojson")
    kml = tmp_path / "mines.kml"
    shp = tmp_path / "mines.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # field names cut to 10 characters: as users' files are
        pyogrio.write_dataframe(flatten(typed), kml, driver="KML")
        pyogrio.write_dataframe(flatten(typed), shp)
    for path in (kml, shp):
        run = run_reemap("validate", str(path), "--layer", "mines", store=tmp_path / "s.gpkg")
        assert run.stderr == "" or "warning" not in run.stderr.lower(), run.stderr
        assert "Warning" not in run.stderr


def test_the_problem_report_is_capped_with_a_count(tmp_path: Path) -> None:
    # 100 empty features make 700 problems: 200 lines, then one line counting the rest
    run = run_reemap("validate", "empty_features.geojson", "--layer", "mines",
                     store=tmp_path / "s.gpkg")  # fmt: skip
    lines = assert_clean(run, code=1, lines=settings.MAX_PROBLEMS_SHOWN + 1)
    assert lines[-1] == "empty_features.geojson: (file): 500 more problem(s) not shown"
