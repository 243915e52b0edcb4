"""reemap's web app: the shared frame and the navigation. Wiring only.

Each section is a page under ``app_pages/`` (``st.navigation``): map and table, trade routes
and chokepoints, owners and analysis. What they show is built below them, without
Streamlit: ``ui`` (map, view models, permalinks, charts) over ``layers`` (the domain) over
``geo`` (spatial mechanics). This file draws what every page shares: the title, the section
control (``?section=routes`` and ``?section=analysis`` open those pages), and the sidebar's
"Add your own layer".
"""

from __future__ import annotations

import logging

import streamlit as st

from app_pages import session
from geo import settings
from geo.errors import DataError, InputError, report
from geo.io import FORMATS
from geo.store import delete_layer, list_layers
from layers.imports import UserClaim, import_bytes
from layers.schema import READING_ORDER
from ui.assets import ensure_static
from ui.permalink import plain

TITLE = "reemap: the rare-earth supply chain"
#: The sections (``?section=``), each a page; the first opens when none is named.
SECTIONS = {"map": "Map and table", "routes": "Trade routes and chokepoints",
            "analysis": "Owners, dependency and scenarios"}


@st.cache_resource(show_spinner=False)
def _static() -> str:
    """Copy Leaflet into static/vendor once per server (served at /app/static/vendor)."""
    return str(ensure_static())


def _load() -> None:
    """Read the data (once per folder and store version); name every problem, never a traceback."""
    try:
        data = session.dataset(session.source())
    except (DataError, InputError) as exc:
        lines = (
            report(exc.problems, settings.MAX_PROBLEMS_SHOWN)
            if isinstance(exc, DataError)
            else [str(exc)]
        )
        st.error("The data cannot be loaded (one line per problem):")
        st.code("\n".join(lines), language=None)
        st.stop()
    session.restore(data)
    for label, why in data.broken_imports.items():  # the rest is shown; offer to delete it
        st.sidebar.warning(f"Imported layer {plain(label)} is left out: {plain(why)}")
        if label != "(store)" and st.sidebar.button(f"Delete {label}", key=f"del_{label}"):
            delete_layer(label)  # the store's version changes: every session reads it anew
            st.rerun()


def _section() -> str:
    """Which page to show (one map per run); kept in the URL as ``section``, or an asset's
    own page when the URL names one (``?asset=mines/mount-weld``)."""
    if st.query_params.get("asset") is not None:
        return "asset"
    if "section" not in st.session_state:
        asked = st.query_params.get("section", "map")
        st.session_state["section"] = asked if asked in SECTIONS else "map"
    section: str = st.segmented_control(
        "Show", list(SECTIONS), format_func=SECTIONS.__getitem__, key="section",
        label_visibility="collapsed",
    ) or "map"
    if section == "map":
        st.query_params.pop("section", None)
    elif st.query_params.get("section") != section:
        st.query_params["section"] = section
    return section


@st.fragment
def _upload() -> None:
    """Import a user's file (layers.imports) into the store; every session then sees it."""
    # Built only while the panel is open (not on every first page).
    with st.sidebar.expander("Add your own layer", key="up_open", on_change="rerun") as panel:
        if not panel.open:
            return
        if done := st.session_state.pop("_imported", None):
            st.success(plain(done))
        upload = st.file_uploader("File", type=[e.lstrip(".") for e in FORMATS], key="up_file",
                                  help="GeoJSON, GeoPackage, zipped Shapefile, CSV (lon/lat "
                                  "or WKT), GeoParquet or KML; reprojected to WGS84.")
        layer = st.selectbox("Layer", [None, *READING_ORDER], key="up_layer",
                             format_func=lambda v: v or "(from the file's layer property)")
        label = st.text_input("Label (a slug, e.g. my-sites)", key="up_label")
        title = st.text_input("Source, for features with none (your own claim)", key="up_src")
        as_of = st.text_input("As of (YYYY-MM-DD), for features with none", key="up_as_of")
        try:
            kept = ", ".join(s.label for s in list_layers())
        except InputError:  # named in the sidebar's warning
            kept = "(the store cannot be read)"
        st.caption("Kept: " + (plain(kept) or "none"))
        if upload is None or not st.button("Import", key="up_go"):
            return
        claim = UserClaim(title=title.strip(), as_of=as_of.strip()) if title and as_of else None
        try:
            stored = import_bytes(upload.getvalue(), filename=upload.name, label=label.strip(),
                                  layer=layer, claim=claim)
        except DataError as exc:
            st.error("Not imported (one line per problem):")
            st.code("\n".join(report(exc.problems, settings.MAX_PROBLEMS_SHOWN)), language=None)
            return
        except InputError as exc:
            st.error(f"Not imported: {plain(str(exc))}")
            return
        except Exception as exc:  # anything else: no traceback, no server path on the page
            logging.getLogger("reemap.app").exception("upload %r failed", upload.name)
            st.error(f"Not imported: reemap cannot read this file ({type(exc).__name__}).")
            return
        # The store's version keys the dataset: the next run of every session reads it anew.
        st.session_state["_imported"] = f"{stored.features} features imported as {stored.label}"
        st.rerun(scope="app")


def main() -> None:
    """The frame every page shares, then the page the section names."""
    st.set_page_config(page_title="reemap", page_icon="🗺️", layout="wide")
    _static()
    _load()
    st.header(TITLE)
    section = _section()
    # The section control is the navigation (``?section=`` links, as they always were): the
    # page it names is the one st.navigation holds, so whatever path the browser asks for,
    # that page runs.
    page = st.Page(f"app_pages/{section}.py", title=SECTIONS.get(section, "Asset"),
                   default=True)
    st.navigation([page], position="hidden").run()
    _upload()


main()
