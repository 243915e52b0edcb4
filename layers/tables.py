"""The non-spatial tables of data/: trade flows, the dependency series, offtake agreements.

Each row is checked against a pydantic model (the vocabularies come from
``layers.schema``); every problem in a file is collected and raised at once, one line per
row and field, like the layer validator.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from geo import settings
from geo.errors import DataError, InputError, Problem
from layers.models import FlowFields
from layers.schema import Element, Percent, Period, Slug, SourceKind
from layers.validate import pydantic_messages

__all__ = [
    "DEPENDENCY_FILE",
    "FLOWS_FILE",
    "OFFTAKES_FILE",
    "check_flows",
    "check_rows",
    "folder_dependency",
    "folder_flows",
    "load_dependency",
    "load_flows",
    "load_offtakes",
    "read_flows",
    "read_table",
]

_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"


def _blank_is_none(value: str | None) -> str | None:
    return value if value else None


Optional = Annotated[str | None, AfterValidator(_blank_is_none)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    source_title: Annotated[str, Field(min_length=1)]
    source_url: Optional = None
    source_date: Annotated[str, Field(pattern=_DATE)]
    source_publisher: Optional = None
    source_kind: SourceKind | None = None
    as_of: Annotated[str, Field(pattern=_DATE)]
    notes: Optional = None

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, data: Any) -> Any:
        # CSV has no null: an empty cell is a missing value
        if isinstance(data, dict):
            return {k: (None if v == "" else v) for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _web_link(self) -> _Row:
        if self.source_url and not self.source_url.startswith(("http://", "https://")):
            raise ValueError(f"source_url: {self.source_url!r} is not an http(s) URL")
        return self


class Flow(FlowFields, _Row):
    """One trade flow: origin -> destination, product, tonnage, period."""

    id: Slug
    origin_site: Optional = None


class DependencyPoint(_Row):
    """One point of a series of an importer's dependence on rare-earth imports.

    ``measure`` says what the share is: China's share of the importer's rare-earth imports
    (the default), or net import reliance (net imports as a share of apparent consumption,
    the USGS measure). ``importer`` is an ISO3 code or ``EU``; files without the column are
    Japan's series (the table's first content).
    """

    series_id: Annotated[str, Field(min_length=1)]
    importer: Annotated[str, Field(pattern=r"^([A-Z]{3}|EU)$")] = "JPN"
    measure: Literal["china_share_of_imports", "net_import_reliance"] = "china_share_of_imports"
    basis: Literal["metal equivalent", "tonnage", "value", "unstated", "apparent consumption"]
    period: Period
    share_pct: Percent

    @model_validator(mode="after")
    def _basis_fits_measure(self) -> DependencyPoint:
        reliance = self.measure == "net_import_reliance"
        if reliance != (self.basis == "apparent consumption"):
            raise ValueError(
                "basis: 'apparent consumption' goes with measure 'net_import_reliance' (and "
                f"only with it), not {self.basis!r} with {self.measure!r}"
            )
        return self


class Offtake(_Row):
    """An offtake agreement: a buyer's right to volumes, not equity."""

    id: Slug
    buyer_id: Annotated[str, Field(min_length=1)]
    seller_id: Optional = None
    asset_id: Optional = None
    product: Optional = None
    elements: list[Element] = Field(default_factory=list)
    volume: Annotated[float, Field(ge=0)] | None = None
    volume_unit: Optional = None
    period_from: Annotated[str, Field(pattern=_DATE)] | None = None
    period_to: Annotated[str, Field(pattern=_DATE)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _elements_json(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("elements"), str):
            text = data["elements"].strip()
            with contextlib.suppress(ValueError):  # else the model reports "not a list"
                data = {**data, "elements": json.loads(text) if text else []}
        return data


def read_table(path: Path, required: Iterable[str]) -> pd.DataFrame:
    """Read a CSV table as text, checking its required columns.

    Raises
    ------
    InputError
        The file is missing, unreadable or lacks a required column.
    """
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            columns = list(reader.fieldnames or [])
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: not a readable UTF-8 CSV ({exc})") from None
    frame = pd.DataFrame(rows, columns=columns, dtype=object)  # a header-only table is valid
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame.fillna("")


def _required(model: type[_Row]) -> list[str]:
    return [f for f, i in model.model_fields.items() if i.is_required()]


def check_rows(
    frame: pd.DataFrame, model: type[_Row], key: str, label: str
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Check a table's rows (text, as :func:`read_table` gives them) against ``model``.

    Returns
    -------
    rows, problems
        The rows that pass, typed by the model (extra columns kept), and one problem per
        row and field of those that fail (``LABEL: KEY: field: problem``), plus a duplicate
        ``id``; the caller raises or adds problems of its own.
    """
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for line, record in enumerate(frame.to_dict("records"), start=2):
        name = record.get(key) or f"line {line}"
        try:
            row = model.model_validate(record).model_dump()
        except ValidationError as exc:
            problems.extend(Problem(label, name, m) for m in pydantic_messages(exc))
            row = None
        if key == "id" and name in seen:
            problems.append(Problem(label, name, "id: duplicate"))
        elif row is not None:
            rows.append(row)
        seen.add(name)
    return rows, problems


def _load(path: Path, model: type[_Row], key: str) -> pd.DataFrame:
    rows, problems = check_rows(read_table(path, _required(model)), model, key, str(path))
    if problems:
        raise DataError(problems)
    return pd.DataFrame.from_records(rows, columns=list(model.model_fields) if not rows else None)


def read_flows(path: Path) -> pd.DataFrame:
    """Read a flow table as text (unchecked: :func:`check_flows` checks its rows)."""
    return read_table(path, _required(Flow))


def check_flows(frame: pd.DataFrame, label: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Check flow rows against :class:`Flow`: the one flow check, also used to build routes."""
    return check_rows(frame, Flow, "id", label)


#: The tables' files under a data folder.
FLOWS_FILE = "flows.csv"
DEPENDENCY_FILE = "dependency.csv"
OFFTAKES_FILE = "ownership/offtakes.csv"


def load_flows(path: Path | None = None) -> pd.DataFrame:
    """Read and check ``data/flows.csv`` (or another flow table)."""
    return _load(path or settings.DATA_DIR / FLOWS_FILE, Flow, "id")


def load_dependency(path: Path | None = None) -> pd.DataFrame:
    """Read and check ``data/dependency.csv``: one row per series and period."""
    return _load(path or settings.DATA_DIR / DEPENDENCY_FILE, DependencyPoint, "series_id")


def load_offtakes(path: Path | None = None) -> pd.DataFrame:
    """Read and check ``data/ownership/offtakes.csv``."""
    return _load(path or settings.DATA_DIR / OFFTAKES_FILE, Offtake, "id")


def folder_flows(data_dir: Path) -> pd.DataFrame:
    """A data folder's flows, or a table with no rows (and the flows' columns) when it has none."""
    path = data_dir / FLOWS_FILE
    return load_flows(path) if path.exists() else pd.DataFrame(columns=list(Flow.model_fields))


def folder_dependency(data_dir: Path) -> pd.DataFrame | None:
    """A data folder's dependency series, or None when it has none."""
    path = data_dir / DEPENDENCY_FILE
    return load_dependency(path) if path.exists() else None
