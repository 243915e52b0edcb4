"""Issue 18, classes 3 (the store), 4, 7, 8 and 10: outputs, the store, exit codes.

Through ``python -m reemap`` in a subprocess, as a user runs it: a broken imported table
leaves the rest usable and deletable; outputs that are devices, pipes or folders are never
replaced; CSV cells a spreadsheet would run are neutralised; a user's input or environment
ends with exit 1 or 2, never 3; every command's ``--help`` works.
"""

from __future__ import annotations

import csv
import io
import os
import resource
import signal
import stat
from pathlib import Path

import pytest
from hostile_corpus import CORPUS, assert_clean, run_reemap

from geo import store as geo_store
from reemap.cli import build_parser

MINI = Path(__file__).resolve().parent / "data" / "mini"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store" / "imported.gpkg"
    path.parent.mkdir()
    run = run_reemap("import", "accented_names.geojson", "--as", "good", store=path)
    assert run.returncode == 0, run.stderr
    return path


def _export(store: Path, *args: str) -> object:
    return run_reemap("--data-dir", str(MINI), "export", *args, store=store)


# --- class 3: one broken table does not take the others down -------------------------------


def _poison(store: Path) -> None:
    """A table as an import wrote it before control characters were refused (a NUL name)."""
    from layers.imports import check_file

    typed, _ = check_file(CORPUS / "japanese_names.geojson")
    typed["name"] = "\x00"
    geo_store.write_layer("poisoned", typed, record={"layer": "seabed", "file": "x"}, store=store)


def test_a_broken_imported_table_is_left_out_named_and_deletable(
    store: Path, tmp_path: Path
) -> None:
    _poison(store)
    out = tmp_path / "out"
    run = _export(store, "--output", str(out), "--layer", "mines,seabed")
    lines = assert_clean(run, code=0)
    assert lines[0].startswith("reemap: imported layer 'poisoned' left out: ")
    assert "name:" in lines[0]
    assert "reemap imported --delete poisoned" in lines[1]
    mines = (out / "mines.geojson").read_text(encoding="utf-8")
    assert "good--norra-karr" in mines  # the good table is still exported
    deleted = run_reemap("imported", "--delete", "poisoned", store=store)
    assert_clean(deleted, code=0)
    again = _export(store, "--output", str(tmp_path / "again"), "--layer", "mines")
    assert assert_clean(again, code=0) == [f"wrote {tmp_path / 'again'}: mines 7 features"]


# --- class 4: outputs that are not regular files ------------------------------------------


def _device(tmp_path: Path, name: str) -> Path:
    """A character device like /dev/null or /dev/full: a private node when root may make one.

    As root, code without the check renames its output over the device; a node of the
    test's own keeps the machine's /dev/null safe from a run of such code.
    """
    real = Path("/dev") / name
    if os.geteuid() != 0:
        return real
    node = tmp_path / name
    os.mknod(node, 0o666 | stat.S_IFCHR, real.stat().st_rdev)
    return node


@pytest.mark.parametrize("device", ["null", "full"])
def test_export_never_replaces_a_device(store: Path, tmp_path: Path, device: str) -> None:
    path = _device(tmp_path, device)
    before = path.stat()
    run = _export(store, "--output", str(path), "--layer", "mines")
    line = assert_clean(run, code=2, lines=1)[0]
    assert line == f"reemap: {path}: exists and is not a regular file (a device or a pipe); " \
        "pick another output"  # fmt: skip
    after = path.stat()
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert not list(path.parent.glob(f".{path.name}.*"))


def test_export_refuses_a_pipe_and_a_link_to_a_device(store: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.geojson"
    os.mkfifo(fifo)
    link = tmp_path / "link.geojson"
    link.symlink_to(_device(tmp_path, "null"))
    for target in (fifo, link):
        run = _export(store, "--output", str(target), "--layer", "mines")
        assert "not a regular file" in assert_clean(run, code=2, lines=1)[0]
    assert stat.S_ISFIFO(fifo.stat().st_mode) and link.is_symlink()
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != "null")
    assert names == ["link.geojson", "pipe.geojson", "store"]


def test_export_into_a_folder_writes_inside_it(store: Path, tmp_path: Path) -> None:
    # class 8 and 10: --output onto an existing folder, and the README's `--output out/`
    folder = tmp_path / "existing"
    folder.mkdir()
    run = _export(store, "--output", str(folder), "--layer", "mines")
    assert_clean(run, code=0)
    assert (folder / "mines.geojson").is_file()
    run = _export(store, "--output", f"{tmp_path / 'out'}/", "--format", "gpkg")
    assert_clean(run, code=0)
    assert (tmp_path / "out").is_dir()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["reemap.gpkg"]
    run = _export(store, "--output", f"{tmp_path / 'one'}/", "--format", "gpkg", "--layer", "mines")
    assert_clean(run, code=0)
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["mines.gpkg"]


# --- class 7: CSV formula injection --------------------------------------------------------


def test_csv_export_neutralises_formulas(store: Path, tmp_path: Path) -> None:
    run = run_reemap("import", "formula_cells.geojson", "--as", "formula", store=store)
    assert_clean(run, code=0)
    out = tmp_path / "mines.csv"
    assert_clean(_export(store, "--output", str(out), "--layer", "mines"), code=0)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["id"] == "formula--formula-mine")
    assert row["name"] == "'=HYPERLINK(\"http://127.0.0.1:9/x\",\"click\")"
    assert row["notes"] == "'@SUM(1+1)"
    assert row["operator"].startswith("'+cmd")
    assert row["name_local"] == "'-2+3"
    assert row["owners"].startswith('[{"name":"=1+1"')  # JSON text starts with '[': inert
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    sources = run_reemap("--data-dir", str(MINI), "sources", "--format", "csv", store=store)
    assert_clean(sources, code=0)


# --- class 8: exit codes for a user's input or environment, never 3 -----------------------


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["import", "unknown_crs.geojson"], 2, "unknown CRS 'EPSG:999999'; use an EPSG code"),
        (["import", "local_crs.gpkg"], 1, "(file): cannot reproject from 'site grid' to WGS84"),
        (["import", "fid_property.geojson"], 1, "property 'fid': the name is reserved"),
        (["import", "case_twins.geojson"], 1, "property 'notes': differs from 'Notes' only"),
        (["import", "many_properties.geojson"], 2, "1,009 properties (columns), over the 300"),
        (["import", "deep_owners.csv"], 1, "test-mine: owners: Input should be a valid list"),
        (["import", "accented_names.geojson", "--as", "gpkg-mine"], 2, "are reserved by"),
        (
            ["import", "plain_table.gpkg", "--source-layer", "notes"], 2,
            "layer 'notes' is a plain table (no geometry)",
        ),
        (["import", "two_shapefiles.zip"], 2, "the file holds 2 layers (north, south)"),
    ],
)  # fmt: skip
def test_a_users_input_is_exit_1_or_2(
    store: Path, args: list[str], code: int, text: str
) -> None:
    full = [*args, "--layer", "mines"] + ([] if "--as" in args else ["--as", "attempt"])
    before = store.read_bytes()
    run = run_reemap(*full, store=store)
    assert text in assert_clean(run, code=code, lines=1)[0]
    assert store.read_bytes() == before


def _file_size_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, 10_000))


def test_a_full_disk_and_an_unwritable_store_are_exit_2(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "big.geojson"
    run = run_reemap("export", "--output", str(out), "--layer", "mines", store=store,
                     preexec=_file_size_limit)
    assert "File too large" in assert_clean(run, code=2, lines=1)[0]
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["store"]
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    run = run_reemap(
        "import", "accented_names.geojson", "--as", "x", store=blocked / "imported.gpkg"
    )
    assert "a-file: not a folder, so the store cannot go there" in assert_clean(run, code=2)[0]


def test_help_works_for_every_command() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert {"export", "validate", "import", "imported", "app"} <= set(commands)
    for command in [None, *commands]:
        run = run_reemap(*([command] if command else []), "--help", store=Path("/nonexistent"))
        assert run.returncode == 0, (command, run.stderr)
        assert run.stdout.startswith("usage: reemap") and run.stderr == ""


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["nope"],
        ["export"],
        ["export", "--output"],
        ["export", "--output", "x.geojson", "--min-hree", "lots"],
        ["export", "--output", "x.geojson", "--format", "xls"],
        ["validate"],
        ["import", "x.geojson"],
        ["app", "--port", "eighty"],
        ["--data-dir"],
    ],
)
def test_malformed_arguments_are_a_usage_error(args: list[str]) -> None:
    run = run_reemap(*args, store=Path("/nonexistent"))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and run.stderr.startswith("usage: reemap")
