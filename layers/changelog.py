"""The data changelog: one row per changed field of a feature or table row (issue 13).

``data/changelog.csv`` has the columns ``date,layer,feature_id,field,old,new,source_url,note``:
the day of the change, the layer or table (``mines`` ... ``chokepoints``, ``flows``,
``dependency``, ``entities``, ``stakes``, ``offtakes``; the ownership tables may also be
written ``ownership/stakes``), the feature's id (or the row's key), the field changed (a
property name, or ``stake:OWNER`` for an owner's stake), the old and the new value as text
(empty for none), the URL of the source that states the new value, and a note. It lets a
user see what moved between releases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from geo import settings
from geo.errors import DataError, Problem
from layers.schema import LAYERS, IsoDate, WebUrl
from layers.tables import read_table
from layers.validate import pydantic_messages

__all__ = ["CHANGELOG_COLUMNS", "CHANGELOG_LAYERS", "Change", "load_changelog"]

CHANGELOG_COLUMNS: Final[tuple[str, ...]] = (
    "date", "layer", "feature_id", "field", "old", "new", "source_url", "note",
)
_TABLES: Final[tuple[str, ...]] = ("flows", "dependency", "entities", "stakes", "offtakes")
#: What the ``layer`` column may name: a layer, or a table of data/.
CHANGELOG_LAYERS: Final[frozenset[str]] = frozenset(
    {*LAYERS, *_TABLES, *(f"ownership/{t}" for t in ("entities", "stakes", "offtakes"))}
)

_NonEmpty = Annotated[str, Field(min_length=1)]


class Change(BaseModel):
    """One changed field: where, what it was, what it is, and the source of the new value."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    date: IsoDate
    layer: _NonEmpty
    feature_id: _NonEmpty
    field: _NonEmpty
    old: str = ""
    new: str = ""
    source_url: WebUrl = None
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _strip(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return data

    @field_validator("layer")
    @classmethod
    def _known_layer(cls, value: str) -> str:
        if value not in CHANGELOG_LAYERS:
            known = ", ".join(sorted(CHANGELOG_LAYERS))
            raise ValueError(f"{value!r} is not a layer or table of data/ ({known})")
        return value

    @model_validator(mode="after")
    def _something_changed(self) -> Change:
        if self.old == self.new:
            raise ValueError(f"old and new are the same ({self.old!r})")
        return self


def load_changelog(path: Path | None = None) -> pd.DataFrame:
    """Read and check ``data/changelog.csv`` (or another changelog).

    Returns
    -------
    DataFrame
        One row per change, the columns of :data:`CHANGELOG_COLUMNS` (``source_url`` None
        when empty), in file order.

    Raises
    ------
    InputError
        The file is missing, unreadable or lacks a column.
    DataError
        Rows that break the format, one problem per row and field (``line N``).
    """
    path = path or settings.DATA_DIR / "changelog.csv"
    frame = read_table(path, CHANGELOG_COLUMNS)
    extra = [c for c in frame.columns if c not in CHANGELOG_COLUMNS]
    problems: list[Problem] = []
    if extra:
        problems.append(Problem(str(path), "(header)", f"unknown column(s) {', '.join(extra)}"))
    rows: list[dict[str, Any]] = []
    for line, record in enumerate(frame.to_dict("records"), start=2):
        label = f"line {line}" + (f" ({record['feature_id']})" if record["feature_id"] else "")
        try:
            rows.append(Change.model_validate(
                {c: record[c] for c in CHANGELOG_COLUMNS}).model_dump())
        except ValidationError as exc:
            problems.extend(Problem(str(path), label, m) for m in pydantic_messages(exc))
    if problems:
        raise DataError(problems)
    return pd.DataFrame.from_records(rows, columns=list(CHANGELOG_COLUMNS))
