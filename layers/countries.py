"""Country statistics: mine production and reserves by country and year (USGS MCS).

``data/country_stats.csv`` holds one row per country (ISO3; ``WLD`` is USGS's rounded
world total, ``OTH`` its "Other countries"), year, measure and edition, as the U.S.
Geological Survey's Mineral Commodity Summaries (MCS) state them. USGS's own marks are kept:
``estimated`` ("e"), ``flag`` (``zero`` for "—", ``NA`` not available, ``W`` withheld,
``E`` net exporter; the value is then empty) and ``qualifier`` (``>`` for "more than").
A later edition's figure for the same country, year and measure wins; the older row stays
with ``superseded_by`` naming the edition that replaced it.

Nothing here adds figures up: the world total is the one USGS states, and China's share is
China's figure over that total (a bound when the total is one, e.g. ">90,000,000").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import pandas as pd
import pycountry

from geo import settings
from geo.errors import DataError, InputError, Problem
from layers.tables import read_table

__all__ = [
    "AGGREGATES",
    "FLAGS",
    "MEASURES",
    "STATS_FILE",
    "Share",
    "china_share",
    "countries_with_statistics",
    "current",
    "load_country_stats",
    "measure_name",
    "share_series",
    "world_total",
    "year_table",
    "year_text",
    "years",
]

#: The table, under the data folder.
STATS_FILE: Final[str] = "country_stats.csv"

#: Measure -> its unit. ``mine_production`` and ``reserves`` cover every country; the
#: others are the United States' salient statistics.
MEASURES: Final[dict[str, str]] = {
    "mine_production": "t REO",
    "reserves": "t REO",
    "production_mineral_concentrates": "t REO",
    "production_compounds_metals": "t REO",
    "net_import_reliance_compounds_metals": "% of apparent consumption",
    "net_import_reliance_mineral_concentrates": "% of apparent consumption",
}
#: Short names the command line and the app use for the two mapped measures.
MEASURE_ALIASES: Final[dict[str, str]] = {"production": "mine_production", "reserves": "reserves"}

#: USGS's marks for a cell without a number (``zero`` has the value 0).
FLAGS: Final[dict[str, str]] = {
    "zero": "zero (USGS: —)",
    "NA": "not available",
    "W": "withheld to avoid disclosing company proprietary data",
    "E": "net exporter",
}
#: Rows that are not countries: USGS's rounded world total and its "Other countries".
AGGREGATES: Final[dict[str, str]] = {"WLD": "World total (rounded)", "OTH": "Other countries"}

_COLUMNS: Final[tuple[str, ...]] = (
    "country", "country_name", "year", "measure", "value", "unit", "qualifier", "flag",
    "estimated", "edition", "superseded_by", "notes", "source_title", "source_url",
    "source_date", "source_publisher", "source_kind",
)  # fmt: skip
_KINDS: Final[frozenset[str]] = frozenset({"primary", "press", "secondary"})
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_ISO3: Final[frozenset[str]] = frozenset(c.alpha_3 for c in pycountry.countries)
_KEY: Final[list[str]] = ["country", "year", "measure"]


def load_country_stats(path: Path | None = None) -> pd.DataFrame:
    """Read and check the country statistics.

    Parameters
    ----------
    path
        The CSV (``data/country_stats.csv`` when omitted).

    Returns
    -------
    DataFrame
        One row per country, year, measure and edition; ``year`` int, ``value`` float
        (NaN when USGS gives no number), ``estimated`` bool, ``superseded_by`` None for
        the current figure.

    Raises
    ------
    InputError
        The file is missing or lacks a column.
    DataError
        Every problem, one line each (``PATH: COUNTRY YEAR MEASURE (EDITION): problem``).
    """
    p = path or settings.DATA_DIR / STATS_FILE
    raw = read_table(p, _COLUMNS)  # text, every required column there (else InputError)
    problems: list[Problem] = []
    for rec in raw.to_dict("records"):
        record = {str(k): str(v) for k, v in rec.items()}
        label = f"{record['country']} {record['year']} {record['measure']} ({record['edition']})"
        problems.extend(Problem(str(p), label, m) for m in _row_problems(record))
    problems.extend(_supersession_problems(raw, str(p)))
    if problems:
        raise DataError(problems)
    frame = raw.copy()
    frame["year"] = frame["year"].astype(int)
    frame["value"] = pd.to_numeric(frame["value"].replace("", None)).astype(float)
    frame["estimated"] = frame["estimated"] == "true"
    for column in ("qualifier", "flag", "superseded_by", "notes"):
        text = frame[column].astype(object)
        frame[column] = text.where(text != "", None)
    return frame


def _row_problems(r: dict[str, str]) -> list[str]:
    out: list[str] = []
    if r["country"] not in _ISO3 and r["country"] not in AGGREGATES:
        out.append(f"country: {r['country']!r} is not ISO 3166-1 alpha-3 (or WLD, OTH)")
    if not re.fullmatch(r"(19|20)\d\d", r["year"]):
        out.append(f"year: {r['year']!r} is not a year")
    if r["measure"] not in MEASURES:
        out.append(f"measure: {r['measure']!r} is not one of {', '.join(MEASURES)}")
    elif r["unit"] != MEASURES[r["measure"]]:
        out.append(f"unit: {r['unit']!r}; {r['measure']} is in {MEASURES[r['measure']]!r}")
    return out + _value_problems(r) + _source_problems(r)


def _value_problems(r: dict[str, str]) -> list[str]:
    out: list[str] = []
    flag, value = r["flag"], r["value"]
    if flag and flag not in FLAGS:
        out.append(f"flag: {flag!r} is not one of {', '.join(FLAGS)}")
    if flag in ("NA", "W", "E") and value:
        out.append(f"value: {value!r} given where USGS says {flag}; leave it empty")
    if flag == "zero" and value != "0":
        out.append("value: a 'zero' flag needs the value 0")
    if not flag and not re.fullmatch(r"\d+(\.\d+)?", value):
        out.append(f"value: {value!r} is not a number (or set a flag: {', '.join(FLAGS)})")
    if r["qualifier"] not in ("", ">", "<"):
        out.append(f"qualifier: {r['qualifier']!r} is not '>' or '<'")
    if r["estimated"] not in ("true", "false"):
        out.append(f"estimated: {r['estimated']!r} is not true or false")
    return out


def _source_problems(r: dict[str, str]) -> list[str]:
    out: list[str] = []
    if not r["edition"] or not r["source_title"]:
        out.append("edition and source_title are required")
    if not r["source_url"].startswith(("http://", "https://")):
        out.append(f"source_url: {r['source_url']!r} is not an http(s) URL")
    if not _DATE.match(r["source_date"]):
        out.append(f"source_date: {r['source_date']!r} is not YYYY[-MM[-DD]]")
    if r["source_kind"] not in _KINDS:
        out.append(f"source_kind: {r['source_kind']!r} is not one of {', '.join(sorted(_KINDS))}")
    return out


def _supersession_problems(frame: pd.DataFrame, path: str) -> list[Problem]:
    out: list[Problem] = []
    for key, group in frame.groupby(_KEY, sort=False):
        label = " ".join(str(k) for k in key)
        live = group[group["superseded_by"] == ""]
        if len(live) != 1:
            out.append(Problem(path, label, f"{len(live)} current rows (need exactly one)"))
            continue
        winner = live["edition"].iat[0]
        editions = set(group["edition"])
        if len(editions) != len(group):
            out.append(Problem(path, label, "an edition states it twice"))
        for name in group["superseded_by"][group["superseded_by"] != ""]:
            if name != winner:
                message = f"superseded_by {name!r}, but {winner!r} is current"
                out.append(Problem(path, label, message))
    return out


def current(stats: pd.DataFrame) -> pd.DataFrame:
    """The figures that stand: one row per country, year and measure (no superseded row)."""
    return stats[stats["superseded_by"].isna()].reset_index(drop=True)


def countries_with_statistics(stats: pd.DataFrame) -> list[str]:
    """The ISO3 codes of the countries with at least one row, sorted.

    USGS's world total (``WLD``) and "Other countries" (``OTH``) are not countries and are
    left out; a country whose only figure is a mark (``NA``, ``W``) still has statistics.
    """
    codes = set(stats["country"]) - set(AGGREGATES)
    return sorted(str(c) for c in codes)


def measure_name(measure: str) -> str:
    """The table's name of a measure (``production`` -> ``mine_production``).

    Raises
    ------
    InputError
        When the measure is neither production nor reserves.
    """
    name = MEASURE_ALIASES.get(measure, measure)
    if name not in MEASURES:
        raise InputError(f"unknown measure {measure!r}; use production or reserves")
    return name


def years(stats: pd.DataFrame, measure: str) -> list[int]:
    """The years that have figures for a measure, ascending."""
    name = measure_name(measure)
    return sorted(set(stats.loc[stats["measure"] == name, "year"]))


def world_total(stats: pd.DataFrame, measure: str, year: int) -> pd.Series | None:
    """USGS's stated world total (the current row), or None when no edition gives one."""
    rows = current(stats)
    sel = (rows["measure"] == measure_name(measure)) & (rows["year"] == year)
    hit = rows[sel & (rows["country"] == "WLD")]
    return None if hit.empty else hit.iloc[0]


@dataclass(frozen=True)
class Share:
    """China's share of USGS's world total, in percent.

    ``bound`` is ``"<"`` when the world total is a lower bound (">90,000,000"): the share
    is then at most ``pct``.
    """

    pct: float
    bound: str | None
    china: float
    world: float
    world_qualifier: str | None

    def text(self) -> str:
        """The share as shown: "69.2%" or "under 48.9%"."""
        return f"{'under ' if self.bound else ''}{self.pct:.1f}%"


def china_share(stats: pd.DataFrame, measure: str, year: int) -> Share | None:
    """China's figure over USGS's world total for a year (None when either is missing)."""
    rows = current(stats)
    sel = rows[(rows["measure"] == measure_name(measure)) & (rows["year"] == year)]
    china = sel[sel["country"] == "CHN"]
    world = world_total(stats, measure, year)
    if china.empty or world is None:
        return None
    c, w = float(cast(float, china["value"].iat[0])), float(cast(float, world["value"]))
    if pd.isna(c) or pd.isna(w):
        return None
    if w <= 0:
        return None
    bound = "<" if world["qualifier"] == ">" else None
    return Share(round(100.0 * c / w, 1), bound, c, w, world["qualifier"])


def share_series(stats: pd.DataFrame, measure: str) -> pd.DataFrame:
    """China's share of the world total for every year that has both, ascending."""
    out = []
    for year in years(stats, measure):
        share = china_share(stats, measure, year)
        if share is not None:
            out.append(
                {"year": year, "share_pct": share.pct, "bound": share.bound,
                 "china": share.china, "world": share.world, "text": share.text()}
            )  # fmt: skip
    return pd.DataFrame(out, columns=["year", "share_pct", "bound", "china", "world", "text"])


def year_table(stats: pd.DataFrame, measure: str, year: int) -> pd.DataFrame:
    """One measure for one year: China first, then countries by value, Other, World.

    Returns
    -------
    DataFrame
        ``country, country_name, value, qualifier, flag, estimated, share_of_world_pct,
        share_bound, edition, source_url, notes``; empty when no edition covers that year.
        The share is each figure over USGS's stated world total (never a sum), empty for
        the world row; ``share_bound`` is "<" when that total is a lower bound.
    """
    name = measure_name(measure)
    rows = current(stats)
    sel = rows[(rows["measure"] == name) & (rows["year"] == year)].copy()
    world = world_total(stats, name, year)
    wv = None if world is None else float(cast(float, world["value"]))
    wv = None if wv is None or pd.isna(wv) else wv
    sel["share_of_world_pct"] = [
        round(100.0 * v / wv, 1) if wv and pd.notna(v) and c != "WLD" else None
        for v, c in zip(sel["value"], sel["country"], strict=True)
    ]
    bound = "<" if world is not None and world["qualifier"] == ">" else None
    sel["share_bound"] = [bound if s is not None else None for s in sel["share_of_world_pct"]]
    rank = sel["country"].map({"CHN": 0, "OTH": 2, "WLD": 3}).fillna(1)
    sel = sel.assign(_rank=rank, _v=-sel["value"].fillna(-1.0))
    sel = sel.sort_values(["_rank", "_v", "country_name"], kind="stable")
    columns = ["country", "country_name", "value", "qualifier", "flag", "estimated",
               "share_of_world_pct", "share_bound", "edition", "source_url", "notes"]  # fmt: skip
    return sel[columns].reset_index(drop=True)


def _cell(value: float, qualifier: str | None, flag: str | None) -> str:
    if flag in ("NA", "W", "E"):
        return {"NA": "not available", "W": "withheld", "E": "net exporter"}[flag]
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return f"{qualifier or ''}{text}"


def _text_row(r: dict[str, Any]) -> tuple[str, str, str, str, str]:
    mark = " e" if r["estimated"] else ""
    pct = r["share_of_world_pct"]
    share = "" if pct is None or pd.isna(pct) else f"{float(pct):.1f}%"
    share = f"under {share}" if share and r["share_bound"] else share
    value = _cell(float(r["value"]), r["qualifier"], r["flag"]) + mark
    return (str(r["country"]), str(r["country_name"]), value, share, str(r["edition"]))


def year_text(stats: pd.DataFrame, measure: str, year: int) -> str:
    """The year table as aligned text with a title and the world total and China's share.

    Raises
    ------
    InputError
        No edition gives that measure for that year (the message lists the years).
    """
    name = measure_name(measure)
    table = year_table(stats, name, year)
    if table.empty:
        have = ", ".join(str(y) for y in years(stats, name))
        raise InputError(f"no {name} figures for {year}; years with figures: {have}")
    unit = MEASURES[name]
    head = ("country", "", f"{name.replace('_', ' ')} ({unit})", "share of world", "edition")
    rows = [head]
    for rec in table.to_dict("records"):
        rows.append(_text_row({str(k): v for k, v in rec.items()}))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(c.rjust(w) if i in (2, 3) else c.ljust(w)
                  for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]  # fmt: skip
    world = world_total(stats, name, year)
    china_part = china_share(stats, name, year)
    if world is None:
        total = "World total: not stated"
    else:
        w = {str(k): v for k, v in world.items()}
        stated = _cell(float(w["value"]), w["qualifier"], w["flag"])
        total = f"World total (USGS, rounded): {stated} {unit}"
    china = (
        "China's share: not computable"
        if china_part is None
        else f"China's share: {china_part.text()}"
    )
    note = (
        "e = estimated by USGS; 0 where USGS prints a dash; shares are over USGS's stated "
        "total."
    )
    return "\n".join([f"{name.replace('_', ' ').capitalize()}, {year} ({unit})", *lines, "",
                      f"{total}. {china}.", note])  # fmt: skip
