"""Japan's dependency series, imports by origin and the HHI over the origins held."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from layers.dependency import concentration, dependency_series, imports_by_origin
from layers.tables import load_dependency, load_flows


def test_every_sourced_series_stays_its_own_line() -> None:
    points = load_dependency()
    series = dependency_series(points)
    labels = series.groupby("series_id")["label"].unique()
    # one label per series, and no two series share a label (never merged into one line)
    assert all(len(v) == 1 for v in labels)
    assert series["label"].nunique() == points["series_id"].nunique()
    assert len(series) == len(points)
    customs = series[series["series_id"] == "discovery-alert-customs"]
    assert customs["label"].iloc[0] == "JPN: Discovery Alert (basis: metal equivalent)"
    # another importer and another measure read as such in the label
    nir = series[series["measure"] == "net_import_reliance"]
    assert set(nir["importer"]) == {"USA"}
    assert all("net import reliance; basis: apparent consumption" in x for x in nir["label"])


def test_a_table_without_importer_or_measure_is_japans_share_series() -> None:
    points = load_dependency().drop(columns=["importer", "measure"])
    series = dependency_series(points)
    assert set(series["importer"]) == {"JPN"}
    assert set(series["measure"]) == {"china_share_of_imports"}
    assert series["label"].str.startswith("JPN: ").all()


def test_net_import_reliance_needs_its_own_basis(tmp_path: Path) -> None:
    from geo.errors import DataError

    header = ("series_id,importer,measure,basis,period,share_pct,source_title,source_url,"
              "source_date,source_publisher,as_of,notes\n")
    bad = tmp_path / "dependency.csv"
    bad.write_text(header + "x,USA,net_import_reliance,tonnage,2024,80,T,,2025,P,2024-12-31,\n"
                   "y,EU,china_share_of_imports,tonnage,2024,46.3,T,,2025,P,2024-12-31,\n"
                   "z,Europe,china_share_of_imports,tonnage,2024,46.3,T,,2025,P,2024-12-31,\n",
                   encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_dependency(bad)
    text = str(caught.value)
    assert "x" in text and "apparent consumption" in text
    assert "z" in text and "importer" in text
    assert "y:" not in text  # EU is a valid importer


def test_hhi_2026_01_from_the_bundled_flows() -> None:
    # data/flows.csv, January 2026, t metal equivalent, into JPN:
    # CHN 1127, VNM 221, FRA 79, MYS 1 -> total 1428
    # HHI = (1127^2 + 221^2 + 79^2 + 1^2) / 1428^2 * 10,000
    #     = (1,270,129 + 48,841 + 6,241 + 1) / 2,039,184 * 10,000 = 6498.74
    imports = imports_by_origin(load_flows())
    jan = concentration(imports).query("period == '2026-01'").iloc[0]
    assert jan["origins"] == 4
    assert jan["total"] == pytest.approx(1428.0)
    assert jan["hhi"] == pytest.approx(1_325_212 / 2_039_184 * 10_000)
    assert jan["supplier_share_pct"] == pytest.approx(100 * 1127 / 1428)
    assert "4 origins the data holds" in jan["note"]


def test_one_origin_gives_no_index_and_units_never_mix() -> None:
    flows = pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "origin": ["CHN", "VNM", "CHN", "CHN", "FRA"],
        "destination": ["JPN", "JPN", "JPN", "JPN", "USA"],
        "product": ["rare earths"] * 5,
        "tonnage": [60.0, 40.0, 5.0, None, 9.0],
        "tonnage_unit": ["t", "t", "t REO", "t", "t"],
        "period": ["2024"] * 5,
    })
    imports = imports_by_origin(flows)
    # e goes to the USA, d has no tonnage: neither counts
    assert set(imports["origin"]) == {"CHN", "VNM"}
    hhi = concentration(imports).set_index("tonnage_unit")
    assert hhi.loc["t", "hhi"] == pytest.approx(60**2 + 40**2)  # 3600 + 1600 = 5200
    assert math.isnan(hhi.loc["t REO", "hhi"])  # one origin: not computed
    assert "one origin only" in hhi.loc["t REO", "note"]


def test_cli_dependency_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from reemap.cli import main

    assert main(["dependency", "--format", "json"]) == 0
    tables = json.loads(capsys.readouterr().out)
    (hhi,) = [v for k, v in tables.items() if k.startswith("concentration")]
    (jan,) = [r for r in hhi if r["period"] == "2026-01"]
    assert jan["hhi"] == pytest.approx(6498.74, abs=0.01)


def test_cli_output_piped_into_a_closed_reader_is_not_an_error() -> None:
    import subprocess
    import sys

    # `reemap dependency | true`: the reader exits before reemap writes a byte
    proc = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m reemap.cli dependency | true; "
                       "echo ${PIPESTATUS[0]}"],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert proc.stdout.strip() == "0"
    assert proc.stderr == ""
