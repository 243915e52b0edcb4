"""Import dependence (Japan, the United States, the EU): sourced series, imports, concentration.

Every series in ``data/dependency.csv`` stays its own line, labelled by its importer, its
measure, its basis and its source: sources count differently (tonnage, metal equivalent,
value, unstated; China's share of imports or net import reliance) and are never merged
into one line. Import tonnages come from ``data/flows.csv`` (rows whose
destination is the importer). A market is one period, one tonnage unit and one product
text: tonnages of different units or products are never added. The concentration index
(Herfindahl-Hirschman, HHI) is computed per market only over the origins the data holds,
and only where it holds two or more.
"""

from __future__ import annotations

import pandas as pd

from layers.defaults import IMPORTER

__all__ = [
    "HHI_UNIT",
    "MEASURES",
    "concentration",
    "dependency_series",
    "imports_by_origin",
    "period_start",
]

#: How the HHI is expressed.
HHI_UNIT = "HHI, 0-10,000 (sum of squared origin shares in %)"

MARKET = ["period", "tonnage_unit", "product"]

#: What each ``measure`` of data/dependency.csv is, as shown to users.
MEASURES: dict[str, str] = {
    "china_share_of_imports": "China's share of rare-earth imports",
    "net_import_reliance": "net import reliance (net imports as % of apparent consumption)",
}


def period_start(period: str) -> pd.Timestamp:
    """The first day of a ``YYYY`` or ``YYYY-MM`` period."""
    return pd.Timestamp(period if len(period) > 4 else f"{period}-01")


def dependency_series(points: pd.DataFrame) -> pd.DataFrame:
    """Label each sourced dependence series, one line each.

    Parameters
    ----------
    points
        Rows of ``data/dependency.csv`` (``layers.tables.load_dependency``); without an
        ``importer`` or ``measure`` column they are Japan's series of China's share.

    Returns
    -------
    DataFrame
        The rows sorted by importer, series and period, with ``label`` ("IMPORTER:
        publisher (basis: ...)", "net import reliance; " before the basis for that measure,
        the series id added where two series would share a label), ``measure_text`` and
        ``date`` (the period's first day).
    """
    out = points.copy()
    if "importer" not in out.columns:
        out["importer"] = "JPN"
    if "measure" not in out.columns:
        out["measure"] = "china_share_of_imports"
    publisher = out["source_publisher"].fillna(out["source_title"])
    reliance = out["measure"].eq("net_import_reliance")
    measure = reliance.map({True: "net import reliance; ", False: ""})
    out["label"] = (
        out["importer"] + ": " + publisher + " (" + measure + "basis: " + out["basis"] + ")"
    )
    out["measure_text"] = out["measure"].map(MEASURES)
    per_label = out.groupby("label")["series_id"].nunique()
    shared = set(per_label[per_label > 1].index)
    clash = out["label"].isin(shared)
    out.loc[clash, "label"] = out.loc[clash, "label"] + " [" + out.loc[clash, "series_id"] + "]"
    out["date"] = [period_start(p) for p in out["period"]]
    return out.sort_values(["importer", "series_id", "period"]).reset_index(drop=True)


def imports_by_origin(flows: pd.DataFrame, *, destination: str = IMPORTER) -> pd.DataFrame:
    """Import tonnage by origin per market (period, unit, product) into ``destination``.

    Rows whose tonnage is not given are left out of the sums and counted in
    ``flows_without_tonnage``.

    Returns
    -------
    DataFrame
        ``period``, ``tonnage_unit``, ``product``, ``origin``, ``tonnage``, ``flows``
        (the flow ids summed), ``share_pct`` (of the market's tonnage the data holds).
    """
    into = flows[flows["destination"] == destination]
    known = into[into["tonnage"].notna() & into["tonnage_unit"].notna()]
    columns = [*MARKET, "origin", "tonnage", "flows", "share_pct"]
    if known.empty:
        return pd.DataFrame(columns=columns)
    grouped = known.groupby([*MARKET, "origin"], sort=True).agg(
        tonnage=("tonnage", "sum"), flows=("id", lambda ids: ", ".join(sorted(ids)))
    ).reset_index()
    totals = grouped.groupby(MARKET)["tonnage"].transform("sum")
    grouped["share_pct"] = (100.0 * grouped["tonnage"] / totals).where(totals > 0)
    return grouped[columns]


def concentration(imports: pd.DataFrame, *, supplier: str = "CHN") -> pd.DataFrame:
    """The HHI of import origins per market, and the supplier's share.

    Parameters
    ----------
    imports
        The output of :func:`imports_by_origin`.
    supplier
        The origin whose share is reported beside the index.

    Returns
    -------
    DataFrame
        ``period``, ``tonnage_unit``, ``product``, ``origins`` (how many the data holds),
        ``total`` (their tonnage), ``hhi`` (:data:`HHI_UNIT`; NaN with fewer than two
        origins: one origin alone would read as a monopoly the data cannot show),
        ``supplier_share_pct`` (of the tonnage held; NaN with one origin) and ``note``.
    """
    rows = []
    for key, market in imports.groupby(MARKET, sort=True):
        shares = market["share_pct"].dropna()
        held = len(market)
        mine = market.loc[market["origin"] == supplier, "share_pct"]
        rows.append({
            **dict(zip(MARKET, key, strict=True)),
            "origins": held,
            "total": float(market["tonnage"].sum()),
            "hhi": float((shares**2).sum()) if held >= 2 and len(shares) == held else float("nan"),
            "supplier_share_pct": (float(mine.iloc[0]) if len(mine) else 0.0)
            if held >= 2 else float("nan"),
            "note": (
                f"over the {held} origins the data holds ({', '.join(market['origin'])})"
                if held >= 2
                else f"not computed: the data holds one origin only ({market['origin'].iloc[0]})"
            ),
        })
    columns = [*MARKET, "origins", "total", "hhi", "supplier_share_pct", "note"]
    return pd.DataFrame(rows, columns=columns)
