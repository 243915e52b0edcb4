"""The ownership graph as Beneficial Ownership Data Standard (BODS) 0.4 statements.

Statements come entities first, then relationships (BODS asks that a record be declared
before a relationship names it):

- one entity statement per entity of ``data/ownership/entities.csv`` (a listed company
  has ``publicListing``; a state agency is a ``stateBody``), and one per owner that only a
  user's file names (its form is not known);
- one entity statement per mine and plant that has owners: an asset, not a company, so an
  ``arrangement`` of subtype ``other`` whose annotation says which layer, id, status and
  place it is (BODS subjects must be entities);
- one relationship statement per stake: every row of ``stakes.csv`` (with its dates:
  ``from_date`` is the interest's ``startDate``, ``to_date`` its ``endDate``) and every
  owner in a feature's ``owners``. The share is ``exact`` where a source states it;
  where the size is not sourced it is a range: more than 0 and at most what the stated
  stakes in the same subject (at the same time) leave.

Dates in the data may be partial (``2011-03``); BODS wants full dates, so they are
rounded to the first day of the month or year and an annotation on the field says so.
Statement ids are SHA-256 digests of the statement's record and content, so the same data
gives the same ids. Offtake agreements are not ownership or control and are left out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import pycountry

from layers.ownership import OwnershipGraph

__all__ = ["BODS_VERSION", "LICENSE", "bods_statements"]

BODS_VERSION = "0.4"
#: The curated data's licence (data/README.md).
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
#: The layers whose features have owners.
ASSET_LAYERS: tuple[str, ...] = ("mines", "refineries")

_ASSET_KIND = {"mines": "mine or deposit", "refineries": "processing plant"}
_Statement = dict[str, Any]


def _full_date(text: object) -> tuple[str | None, bool]:
    """``YYYY-MM-DD`` from a full or partial date, and whether it was rounded."""
    value = str(text or "").strip()[:10]
    if len(value) == 10:
        return value, False
    if len(value) == 7:
        return f"{value}-01", True
    if len(value) == 4 and value.isdigit():
        return f"{value}-01-01", True
    return None, False


def _rounded_note(pointer: str, original: object) -> dict[str, str]:
    return {
        "statementPointerTarget": pointer,
        "motivation": "transformation",
        "description": f"The source gives the date as {original}; rounded to its first day.",
    }


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _source(title: object, url: object, publisher: object, *, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {"type": ["thirdParty"]}
    described = " ".join(p for p in (_text(title), f"({_text(publisher)})" if _text(publisher)
                                     else "") if p)
    out["description"] = f"{described} - {what}" if described else what
    if _text(url).startswith(("http://", "https://")):
        out["url"] = _text(url)
    if _text(publisher):
        out["assertedBy"] = [{"name": _text(publisher)}]
    return out


def _jurisdiction(iso3: object) -> dict[str, str] | None:
    country = pycountry.countries.get(alpha_3=_text(iso3).upper()) if _text(iso3) else None
    return {"name": country.name, "code": country.alpha_2} if country else None


def _entity_type(kind: str, name: str) -> dict[str, str]:
    if kind == "state_agency":
        return {"type": "stateBody", "subtype": "stateAgency"}
    if kind == "government":
        if name.startswith("Government of "):
            return {"type": "state"}
        return {"type": "stateBody", "subtype": "governmentDepartment"}
    details = {
        "state_owned": "state-owned enterprise",
        "listed": "company listed on a stock exchange",
        "private": "privately held company",
        "fund": "investment fund",
        "joint_venture": "joint-venture vehicle",
    }.get(kind, "form not stated in the data")
    return {"type": "registeredEntity", "details": details}


class _Builder:
    """Collects statements; gives each its id and the publication details."""

    def __init__(self, published: date, publisher: str) -> None:
        self.statements: list[_Statement] = []
        self.publication = {
            "publicationDate": published.isoformat(),
            "bodsVersion": BODS_VERSION,
            "publisher": {"name": publisher},
            "license": LICENSE,
        }

    def add(self, record_id: str, record_type: str, subject: str, details: dict[str, Any],
            *, statement_date: str, source: dict[str, Any],
            annotations: Sequence[dict[str, str]] = ()) -> None:
        body: _Statement = {
            "declarationSubject": subject,
            "statementDate": statement_date,
            "recordId": record_id,
            "recordType": record_type,
            "recordDetails": details,
            "source": source,
        }
        if annotations:
            body["annotations"] = list(annotations)
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        self.statements.append(
            {"statementId": digest, **body, "publicationDetails": self.publication}
        )


def _entity_record(node: str) -> str:
    return f"entity/{node}"


def _entities(builder: _Builder, entities: pd.DataFrame, published: date) -> None:
    for row in entities.to_dict("records"):
        eid, name, kind = _text(row["id"]), _text(row["name"]), _text(row.get("type"))
        record = _entity_record(eid)
        details: dict[str, Any] = {
            "isComponent": False, "entityType": _entity_type(kind, name), "name": name,
        }
        if (where := _jurisdiction(row.get("country"))) is not None:
            details["jurisdiction"] = where
        if kind == "listed":
            details["publicListing"] = {"hasPublicListing": True}
        day, rounded = _full_date(row.get("source_date"))
        notes = []
        if rounded:
            notes.append(_rounded_note("/statementDate", row.get("source_date")))
        if _text(row.get("notes")):
            notes.append({"statementPointerTarget": "", "motivation": "commenting",
                          "description": _text(row["notes"])})
        builder.add(
            record, "entity", record, details,
            statement_date=day or published.isoformat(),
            source=_source(row.get("source_title"), row.get("source_url"),
                           row.get("source_publisher"), what=f"entity {eid}"),
            annotations=notes,
        )


def _headroom(stated: Sequence[float | None]) -> float:
    return max(0.0, 100.0 - sum(p for p in stated if p is not None))


def _interest(pct: float | None, headroom: float, *, start: str | None = None,
              end: str | None = None) -> dict[str, Any]:
    share: dict[str, float] = (
        {"exact": float(pct)} if pct is not None
        else {"exclusiveMinimum": 0.0, "maximum": round(headroom, 6)}
    )
    interest: dict[str, Any] = {
        "type": "shareholding",
        "directOrIndirect": "direct",
        "beneficialOwnershipOrControl": False,
        "share": share,
    }
    if pct is None:
        interest["details"] = ("equity stake whose size no source states: more than 0% and at "
                               "most what the stated stakes leave")
    if start:
        interest["startDate"] = start
    if end:
        interest["endDate"] = end
    return interest


def _overlaps(a: Mapping[Any, Any], b: Mapping[Any, Any]) -> bool:
    def span(r: Mapping[Any, Any]) -> tuple[str, str]:
        return (_full_date(r["from_date"])[0] or "0000-00-00",
                _full_date(r["to_date"])[0] or "9999-99-99")
    (a0, a1), (b0, b1) = span(a), span(b)
    return a0 < b1 and b0 < a1


def _number(value: object) -> float | None:
    text = _text(value).strip()
    return float(text) if text else None


def _stakes(builder: _Builder, stakes: pd.DataFrame, published: date) -> None:
    rows = stakes.to_dict("records")
    for i, row in enumerate(rows):
        owner, owned = _text(row["owner_id"]), _text(row["owned_id"])
        pct = _number(row["stake_pct"])
        others = [_number(r["stake_pct"]) for j, r in enumerate(rows)
                  if j != i and _text(r["owned_id"]) == owned and _overlaps(row, r)]
        start, start_rounded = _full_date(row.get("from_date"))
        end, end_rounded = _full_date(row.get("to_date"))
        day, day_rounded = _full_date(row.get("source_date"))
        notes = [_rounded_note(pointer, original) for pointer, original, rounded in (
            ("/statementDate", row.get("source_date"), day_rounded),
            ("/recordDetails/interests/0/startDate", row.get("from_date"), start_rounded),
            ("/recordDetails/interests/0/endDate", row.get("to_date"), end_rounded),
        ) if rounded]
        if _text(row.get("notes")):
            notes.append({"statementPointerTarget": "", "motivation": "commenting",
                          "description": _text(row["notes"])})
        details = {
            "isComponent": False,
            "subject": _entity_record(owned),
            "interestedParty": _entity_record(owner),
            "interests": [_interest(pct, _headroom(others), start=start, end=end)],
        }
        builder.add(
            f"stake/{owner}/{owned}/{start or 'undated'}", "relationship",
            _entity_record(owned), details,
            statement_date=day or published.isoformat(),
            source=_source(row.get("source_title"), row.get("source_url"),
                           row.get("source_publisher"), what=f"stake of {owner} in {owned}"),
            annotations=notes,
        )


def _asset_source(feature: Mapping[str, Any], owner: str) -> dict[str, Any]:
    sources = list(feature.get("sources") or [])
    index = (feature.get("figure_sources") or {}).get(f"stake:{owner}", 0)
    chosen = sources[index] if isinstance(index, int) and 0 <= index < len(sources) else (
        sources[0] if sources else {})
    return _source(chosen.get("title"), chosen.get("url"), chosen.get("publisher"),
                   what=f"owner {owner} of {feature['layer']}/{feature['id']}")


def _assets(builder: _Builder, frames: Mapping[str, gpd.GeoDataFrame], graph: OwnershipGraph,
            published: date) -> None:
    known = {_text(s["recordId"]) for s in builder.statements}
    relationships: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = []
    for layer in ASSET_LAYERS:
        frame = frames.get(layer)
        if frame is None or not len(frame):
            continue
        for row, geom in zip(frame.drop(columns=frame.geometry.name).to_dict("records"),
                             frame.geometry, strict=True):
            owners = list(row.get("owners") or [])
            if not owners:
                continue
            feature = {**row, "layer": layer}
            record = f"asset/{layer}/{feature['id']}"
            as_of = _full_date(feature.get("as_of"))[0] or published.isoformat()
            details: dict[str, Any] = {
                "isComponent": False,
                "entityType": {"type": "arrangement", "subtype": "other",
                               "details": f"asset: {_ASSET_KIND[layer]}, not a company"},
                "name": _text(feature["name"]),
            }
            if (where := _jurisdiction(feature.get("country"))) is not None:
                details["jurisdiction"] = where
            place = (f" at lon {geom.x:.5f}, lat {geom.y:.5f}"
                     if geom is not None and geom.geom_type == "Point" else "")
            about = (f"A {_ASSET_KIND[layer]} in reemap's layer '{layer}' (id {feature['id']}), "
                     f"status {_text(feature.get('status')) or 'not stated'}{place}; shown as an "
                     "entity so that its owners' stakes can be stated.")
            builder.add(
                record, "entity", record, details, statement_date=as_of,
                source=_asset_source(feature, _text(owners[0].get("name"))),
                annotations=[{"statementPointerTarget": "", "motivation": "commenting",
                              "description": about}],
            )
            stated = [o.get("stake_pct") for o in owners]
            for k, owner in enumerate(owners):
                name = _text(owner.get("name"))
                node = graph.resolve(name) or f"name:{name}"
                party = _entity_record(node)
                if party not in known:  # an owner only a user's file names
                    known.add(party)
                    builder.add(
                        party, "entity", party,
                        {"isComponent": False, "entityType": _entity_type("", name),
                         "name": name},
                        statement_date=as_of, source=_asset_source(feature, name),
                    )
                pct = owner.get("stake_pct")
                pct = None if pct is None or pd.isna(pct) else float(pct)
                rel = {
                    "isComponent": False,
                    "subject": record,
                    "interestedParty": party,
                    "interests": [_interest(pct, _headroom(stated[:k] + stated[k + 1:]))],
                }
                relationships.append((f"owner/{node}/{layer}/{feature['id']}", rel, as_of,
                                      _asset_source(feature, name)))
    for record_id, rel, as_of, source in relationships:
        subject = str(rel["subject"])
        builder.add(record_id, "relationship", subject, rel, statement_date=as_of, source=source)


def bods_statements(
    entities: pd.DataFrame,
    stakes: pd.DataFrame,
    frames: Mapping[str, gpd.GeoDataFrame],
    graph: OwnershipGraph,
    *,
    published: date | None = None,
    publisher: str = "reemap",
) -> list[dict[str, Any]]:
    """Every entity, asset and stake as BODS 0.4 statements.

    Parameters
    ----------
    entities
        ``data/ownership/entities.csv`` (``id``, ``name``, ``country``, ``type``, the
        ``source_*`` columns, ``notes``).
    stakes
        ``data/ownership/stakes.csv`` (``owner_id``, ``owned_id``, ``stake_pct``,
        ``from_date``, ``to_date``, the ``source_*`` columns, ``notes``): every row, past
        and current, each with its dates.
    frames
        The layers; the owners of ``mines`` and ``refineries`` become relationships.
    graph
        Resolves owner names in the layers to entity ids.
    published
        The publication date (today when omitted).
    publisher
        The publisher's name in ``publicationDetails``.

    Returns
    -------
    list of dict
        Entity statements (entities, then assets), then relationship statements.
    """
    day = published or date.today()
    builder = _Builder(day, publisher)
    _entities(builder, entities, day)
    stake_statements = _Builder(day, publisher)
    _stakes(stake_statements, stakes, day)
    _assets(builder, frames, graph, day)
    first_relationship = next((i for i, s in enumerate(builder.statements)
                               if s["recordType"] == "relationship"), len(builder.statements))
    statements = builder.statements
    return [*statements[:first_relationship], *stake_statements.statements,
            *statements[first_relationship:]]
