"""Tables as people read them (ui.readable): labels, ranges, names, no raw ids."""

from __future__ import annotations

import pandas as pd

from layers.attributable import owner_tables
from layers.catalog import load_dataset
from ui.readable import is_raw_label, node_names, readable


def test_ranges_become_one_text_column_with_the_unit() -> None:
    frame = pd.DataFrame({"capacity_unit": ["t/yr NdPr oxide", "t/yr TREO", "t/yr REO"],
                          "low": [0.0, 800.0, None], "high": [607.5, 800.0, None]})
    out = readable(frame)
    assert list(out.columns) == ["Capacity unit", "Attributable capacity"]
    assert out["Attributable capacity"].tolist()[:2] == ["up to 607.5 t/yr NdPr oxide",
                                                         "800 t/yr TREO"]
    assert out["Attributable capacity"].isna().iloc[2]  # missing stays missing ("—" on screen)
    assert list(frame.columns) == ["capacity_unit", "low", "high"]  # the argument is unchanged


def test_percent_ranges_read_as_percent() -> None:
    out = readable(pd.DataFrame({"lost_pct_low": [0.0, 50.0], "lost_pct_high": [2.7, 50.0]}))
    assert out["Lost (% of total)"].tolist() == ["up to 2.7%", "50%"]


def test_the_owner_tables_read_without_ids_or_raw_labels() -> None:
    data = load_dataset()
    names = node_names(data.frames, data.graph)
    tables = {title: readable(t, names=names)
              for title, t in owner_tables(data.frames, data.graph, "jogmec").items()}
    for table in tables.values():
        assert not any(is_raw_label(c) for c in table.columns), table.columns
        assert not table.astype(str).apply(lambda c: c.str.fullmatch(r"(mines|refineries)/.+"))\
            .any().any()
    held = tables["direct stakes"]
    assert "Lofdal" in set(held["Holds"]) and "Stake (%)" in held.columns
    assets = tables["assets (look-through)"]
    assert "Attributable capacity" in assets.columns
    assert "Mount Weld" in set(assets["Name"])


def test_raw_labels_are_recognised() -> None:
    assert is_raw_label("stake_pct") and is_raw_label("as_of") and is_raw_label("status")
    assert not is_raw_label("Stake (%)") and not is_raw_label("Period")
