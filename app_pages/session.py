"""What the pages share: the dataset, cached derived frames, and the view in the URL.

The dataset is read-only, so one copy per server is held with ``st.cache_resource``,
keyed on the data folder and the users' store version: after an upload or a ``reemap
import`` every session reads the new version, and no other cache is cleared. Derived
frames are ``st.cache_data`` on hashable keys (the folder, the version, a Query), never
on a frame.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import settings
from geo.store import store_version
from layers.catalog import Dataset, load_dataset
from layers.changelog import CHANGELOG_COLUMNS, load_changelog
from layers.choropleth import choropleth_frame
from layers.countries import STATS_FILE, load_country_stats
from layers.query import Query, all_value_counts, apply_query, query_masks
from layers.tables import folder_dependency, folder_flows
from layers.validate import country_outlines
from ui.permalink import PARAM_KEYS, View, from_params, to_params, view_of, widget_state
from ui.snapshot import snapshot_png
from ui.stakes import effective_stakes
from ui.view import TABLE_LIMIT, download, table_rows

#: The filter widgets' keys (session state): kept alive while a page without them shows.
FILTER_KEYS: tuple[str, ...] = (*widget_state(View()), "f_jogmec", "f_stat", "f_stat_year")

Source = tuple[str, tuple[int, int]]
"""A dataset's key: its data folder and the users' store version."""


def source() -> Source:
    """The data folder (read at each run: tests and ``reemap app --data-dir`` set it) and
    the store's version."""
    return (os.environ.get("REEMAP_DATA_DIR") or str(settings.DATA_DIR), store_version())


@st.cache_resource(show_spinner="Loading the layers…", max_entries=4)
def _dataset(data_dir: str, version: tuple[int, int]) -> Dataset:
    return load_dataset(Path(data_dir), include_store=True)


def dataset(key: Source) -> Dataset:
    """The dataset (curated and imported layers, ownership graph) of a source."""
    return _dataset(*key)


@st.cache_data(show_spinner=False, max_entries=4)
def flows(key: Source) -> pd.DataFrame:
    """The data folder's flows (none: an empty table with the flows' columns)."""
    return folder_flows(Path(key[0]))


@st.cache_data(show_spinner=False, max_entries=4)
def dependency(key: Source) -> pd.DataFrame | None:
    """The data folder's dependency series (None when it has none)."""
    return folder_dependency(Path(key[0]))


@st.cache_resource(show_spinner=False, max_entries=8)
def select(key: Source, query: Query) -> dict[str, gpd.GeoDataFrame]:
    """The layers the query keeps.

    Held like the dataset (``st.cache_resource``), read-only like it: ``st.cache_data``
    would pickle a selection of a million rows into the cache and unpickle it at every
    call (seconds), where filtering it again takes tens of milliseconds.
    """
    data = dataset(key)
    return apply_query(data.frames, query, data.graph)


@st.cache_data(show_spinner=False, max_entries=64)
def _all_counts(key: Source, query: Query) -> dict[str, dict[str, int]]:
    data = dataset(key)
    return all_value_counts(data.frames, query, data.graph)


def counts(key: Source, query: Query, kind: str) -> dict[str, int]:
    """How many features each option of a filter kind would keep, given the others (every
    kind's counts are worked out together, each filter's mask once)."""
    return _all_counts(key, query)[kind]


@st.cache_data(show_spinner=False, max_entries=64)
def rows(key: Source, query: Query) -> pd.DataFrame:
    """The table of the kept features: the first ``TABLE_LIMIT`` of them."""
    return table_rows(select(key, query), limit=TABLE_LIMIT)


@st.cache_data(show_spinner=False, max_entries=256)
def total(key: Source, query: Query) -> int:
    """How many features the query keeps (counted on the masks: no frame is copied)."""
    data = dataset(key)
    return sum(int(m.sum()) for m in query_masks(data.frames, query, data.graph).values())


@st.cache_data(show_spinner=False, max_entries=64)
def stakes(key: Source, query: Query) -> dict[str, dict[str, float]]:
    """Look-through stakes of the kept assets, for the map's popups."""
    return effective_stakes(select(key, query), dataset(key).graph)


@st.cache_data(show_spinner=False, max_entries=16)
def download_bytes(key: Source, query: Query, fmt: str) -> bytes:
    """The kept layers as ``reemap export`` writes them."""
    return download(select(key, query), fmt)[2]


@st.cache_data(show_spinner=False, max_entries=4)
def changelog(key: Source) -> pd.DataFrame:
    """The data folder's changelog (empty when the folder keeps none)."""
    path = Path(key[0]) / "changelog.csv"
    return load_changelog(path) if path.exists() else pd.DataFrame(columns=CHANGELOG_COLUMNS)


@st.cache_data(show_spinner=False, max_entries=4)
def country_stats(data_dir: str) -> pd.DataFrame | None:
    """USGS's country statistics of a data folder (None when it has no country_stats.csv)."""
    path = Path(data_dir) / STATS_FILE
    return load_country_stats(path) if path.exists() else None


@st.cache_data(show_spinner=False, max_entries=16)
def choropleth(data_dir: str, measure: str, year: int) -> gpd.GeoDataFrame | None:
    """The country outlines with one measure and year of the statistics (None without them)."""
    stats = country_stats(data_dir)
    if stats is None:
        return None
    return choropleth_frame(stats, measure, year, country_outlines())


@st.cache_data(show_spinner=False, max_entries=8)
def snapshot(html: str, title: str, subtitle: str) -> bytes:
    """A PNG of a map's HTML, with a title and the filters."""
    return snapshot_png(html, title=title, subtitle=subtitle)


def restore(data: Dataset) -> None:
    """On a session's first run, set the filters from the URL (a permalink); on later runs
    keep them alive while a page that does not draw them shows."""
    if st.session_state.get("_restored"):
        for key in FILTER_KEYS:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        return
    params = {key: st.query_params.get_all(key) for key in PARAM_KEYS if key in st.query_params}
    view, problems = from_params(params, graph=data.graph)
    st.session_state.update(widget_state(view), _restored=True, _url_problems=problems)


def current_view() -> View:
    """The view the filters hold now."""
    return view_of(st.session_state)


def sync_url(view: View) -> None:
    """Write the view into the URL, touching only its own keys (other pages add theirs)."""
    wanted = to_params(view)
    for key in PARAM_KEYS:
        value = wanted.get(key)
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get_all(key) != ([value] if isinstance(value, str) else value):
            st.query_params[key] = value
