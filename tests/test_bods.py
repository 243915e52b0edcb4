"""Ownership as BODS 0.4 (`reemap export --format bods`), checked by libcovebods offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import libcovebods.config
import pytest

import reemap
from layers.bods import bods_statements
from reemap.cli import main

# every address a library might fetch from goes to a closed port: a download fails loudly
OFFLINE = dict.fromkeys(("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"),
                        "http://127.0.0.1:9") | {"no_proxy": "", "NO_PROXY": ""}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    path = tmp_path_factory.mktemp("bods") / "owners.json"
    assert main(["export", "--format", "bods", "--output", str(path)]) == 0
    return path, json.loads(path.read_text(encoding="utf-8"))


def _jsv(path: Path) -> list[object]:
    done = subprocess.run(
        [sys.executable, "-m", "libcovebods.cli", "jsv", str(path)],
        capture_output=True, text=True, check=True, env={**os.environ, **OFFLINE}, timeout=120,
    )
    return list(json.loads(done.stdout))


def _by_record(statements: list[dict]) -> dict[str, dict]:
    return {s["recordId"]: s for s in statements}


def test_the_schema_ships_with_libcovebods() -> None:
    config = libcovebods.config.LIB_COVE_BODS_CONFIG_DEFAULT["schema_versions"]["0.4"]
    assert Path(config["schema_url"], "statement.json").is_file()


def test_the_bundled_ownership_has_no_schema_errors(exported) -> None:
    path, statements = exported
    assert len(statements) > 100
    assert _jsv(path) == []


def test_the_additional_checks_find_nothing(exported, monkeypatch: pytest.MonkeyPatch) -> None:
    import libcovebods.data_reader
    import libcovebods.run_tasks
    import libcovebods.schema
    import libcovebods.tasks.checks.legacy_checks as legacy
    import libcovebods.tasks.checks.record_based_checks as record_based

    path, statements = exported
    # `pv` downloads org-id.guide's list of identifier schemes (no offline copy ships); it
    # only checks `identifiers`, and no statement here has any: the list is never read.
    assert not any("identifiers" in s["recordDetails"] for s in statements)
    for module in (legacy, record_based):
        monkeypatch.setattr(module, "get_orgids_prefixes", lambda *a, **k: [])
    reader = libcovebods.data_reader.DataReader(str(path))
    config = libcovebods.config.LibCoveBODSConfig()
    schema = libcovebods.schema.SchemaBODS(reader, config)
    output = libcovebods.run_tasks.process_additional_checks(
        reader, config, schema, libcovebods.run_tasks.TASK_CLASSES)
    assert output["additional_checks"] == []
    assert output["statistics"]["count_ownership_or_control_statement"] > 50


def test_entities_assets_and_every_stake_are_statements(exported) -> None:
    _, statements = exported
    data = reemap.load(imported=False)
    records = _by_record(statements)
    owners = sum(len(o) for layer in ("mines", "refineries")
                 for o in data.layers[layer]["owners"])
    relationships = [s for s in statements if s["recordType"] == "relationship"]
    assert len(relationships) == len(data.stakes) + owners
    assert {f"entity/{e}" for e in data.entities["id"]} <= set(records)
    jogmec = records["entity/jogmec"]["recordDetails"]
    assert jogmec["entityType"] == {"type": "stateBody", "subtype": "stateAgency"}
    assert jogmec["jurisdiction"] == {"name": "Japan", "code": "JP"}
    assert records["entity/lynas"]["recordDetails"]["publicListing"] == {"hasPublicListing": True}
    weld = records["asset/mines/mount-weld"]
    assert weld["recordDetails"]["entityType"]["type"] == "arrangement"
    assert "mount-weld" in weld["annotations"][0]["description"]
    # each owner in a feature's owners is a relationship: exact where its stake is stated
    stated = unstated = 0
    for fid, owners in zip(data.layers["mines"]["id"], data.layers["mines"]["owners"],
                           strict=True):
        for owner in owners:
            node = data.graph.resolve(owner["name"])
            rel = records[f"owner/{node}/mines/{fid}"]["recordDetails"]
            assert rel["subject"] == f"asset/mines/{fid}"
            assert rel["interestedParty"] == f"entity/{node}"
            share = rel["interests"][0]["share"]
            if owner["stake_pct"] is None:
                assert share["exclusiveMinimum"] == 0 and 0 < share["maximum"] <= 100
                unstated += 1
            else:
                assert share == {"exact": owner["stake_pct"]}
                stated += 1
    assert stated > 10 and unstated > 0
    # entities come before the relationships that name them
    order = {s["recordId"]: i for i, s in enumerate(statements)}
    for rel in relationships:
        details = rel["recordDetails"]
        assert order[details["subject"]] < order[rel["recordId"]]
        assert order[details["interestedParty"]] < order[rel["recordId"]]


def test_shares_exact_where_stated_ranges_where_not_with_their_dates(exported) -> None:
    _, statements = exported
    records = _by_record(statements)
    stated = records["stake/jare/lynas/2022-09-20"]
    interest = stated["recordDetails"]["interests"][0]
    assert interest["share"] == {"exact": 0.3}
    assert interest["startDate"] == "2022-09-20"
    assert interest["endDate"] == "2023-03-01"  # "2023-03" in the data, rounded and said so
    assert any(a["statementPointerTarget"] == "/recordDetails/interests/0/endDate"
               for a in stated["annotations"])
    assert stated["source"]["url"].startswith("https://mining.com/")
    unknown = records["stake/jare/lynas/2011-03-01"]["recordDetails"]["interests"][0]
    assert unknown["share"] == {"exclusiveMinimum": 0.0, "maximum": 100.0}
    assert unknown["endDate"] == "2022-09-20"
    assert len({s["statementId"] for s in statements}) == len(statements)


def test_the_same_data_gives_the_same_file(exported) -> None:
    _, statements = exported
    day = statements[0]["publicationDetails"]["publicationDate"]
    data = reemap.load(imported=False)
    from datetime import date

    again = bods_statements(data.entities, data.stakes, data.layers, data.graph,
                            published=date.fromisoformat(day))
    assert [s["statementId"] for s in again] == [s["statementId"] for s in statements]


def test_the_validator_is_not_vacuous(exported, tmp_path: Path) -> None:
    _, statements = exported
    broken = json.loads(json.dumps(statements[:3]))
    broken[0]["statementDate"] = "2011-03"
    broken[0]["recordDetails"]["entityType"]["type"] = "company"
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    assert len(_jsv(tmp_path / "broken.json")) >= 2


def test_a_failed_export_leaves_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    target = tmp_path / "blocker" / "owners.json"
    assert main(["export", "--format", "bods", "--output", str(target)]) == 2
    assert list(tmp_path.iterdir()) == [tmp_path / "blocker"]
    assert "Traceback" not in capsys.readouterr().err
