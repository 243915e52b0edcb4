"""How every page draws a table: human labels, formatted numbers, links, never "None".

The frames come from ``ui`` already labelled for people (``ui.readable``); this module only
turns their column kinds into Streamlit's ``column_config`` and draws missing cells as
"—".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from ui.charts import Figure, figure_data

#: What a cell with no value shows.
EMPTY = "—"


def table(frame: pd.DataFrame, *, links: Iterable[str] = (), link_text: str = "open",
          numbers: Mapping[str, str] | None = None, progress: Iterable[str] = (),
          **kwargs: Any) -> Any:
    """Draw ``frame`` with ``st.dataframe``.

    Parameters
    ----------
    frame
        Columns already named for people (with their units).
    links
        Columns holding URLs, drawn as links reading ``link_text``.
    numbers
        Column -> printf-style format (``"%,.0f"``, ``"%.1f"``).
    progress
        Percent columns (0-100) drawn as bars.
    **kwargs
        Passed to ``st.dataframe`` (``key``, ``on_select``, ``height``...).
    """
    config: dict[str, Any] = {}
    for column in links:
        config[column] = st.column_config.LinkColumn(column, display_text=link_text)
    for column, fmt in (numbers or {}).items():
        config[column] = st.column_config.NumberColumn(column, format=fmt)
    for column in progress:
        config[column] = st.column_config.ProgressColumn(
            column, format="%.0f%%", min_value=0, max_value=100)
    return st.dataframe(frame, hide_index=True, placeholder=EMPTY,
                        column_config={**config, **kwargs.pop("column_config", {})}, **kwargs)


def figure(fig: Figure, *, key: str) -> None:
    """Draw a chart with its caption (its sources) and its data as a CSV download."""
    st.altair_chart(fig.chart, width="stretch")
    st.caption(fig.caption)
    data = figure_data(fig)
    if len(data):
        st.download_button("Chart data (CSV)", data.to_csv(index=False).encode(),
                           file_name=f"{key}.csv", mime="text/csv", key=f"csv-{key}")
