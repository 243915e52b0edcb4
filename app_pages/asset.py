"""An asset's own page (``?asset=mines/mount-weld``): every figure with the source that
states it, its owners up the chain, offtakes, flows, a small map with the location's
precision and the known deposits nearby, the changes recorded, notes and sources.

Built by ``ui.asset`` (no Streamlit there); this page lays it out.
"""

from __future__ import annotations

import pycountry
import streamlit as st
from streamlit_folium import st_folium

from app_pages import session, show
from ui.asset import ASSET_LAYERS, NEARBY_KM, asset_changes, asset_map, asset_view
from ui.diagram import diagram_svg


def _country(code: str) -> str:
    country = pycountry.countries.get(alpha_3=code)
    return country.name if country else code


@st.cache_data(show_spinner=False, max_entries=64)
def _svg(key: session.Source, asset: str) -> bytes:
    view = asset_view(session.dataset(key).frames, session.dataset(key).graph, asset)
    return b"" if view is None else diagram_svg(view.diagram)


def _choose(key: session.Source, asset: str) -> str:
    """A picker of every asset, set to the one in the URL; a new pick changes the URL."""
    frames = session.dataset(key).frames
    options = [f"{layer}/{fid}" for layer in ASSET_LAYERS if layer in frames
               for fid in frames[layer]["id"]]
    names = {f"{layer}/{fid}": f"{name} ({ASSET_LAYERS[layer]})" for layer in ASSET_LAYERS
             if layer in frames
             for fid, name in zip(frames[layer]["id"], frames[layer]["name"], strict=True)}
    left, right = st.columns([3, 1])
    picked = left.selectbox("Asset", options, index=options.index(asset) if asset in options
                            else None, format_func=lambda k: names.get(k, k), key="asset_pick",
                            placeholder="Choose a mine, plant or seabed area")
    if right.button("Back to the map", key="asset_back"):
        st.query_params.pop("asset", None)
        st.rerun()
    return picked or asset


def page() -> None:
    """The page of the asset the URL names (or a picker when it names none we know)."""
    key = session.source()
    asset = _choose(key, st.query_params.get("asset", ""))
    if asset != st.query_params.get("asset"):
        st.query_params["asset"] = asset
    data = session.dataset(key)
    view = asset_view(data.frames, data.graph, asset)
    if view is None:
        st.warning("No mine, plant or seabed area has that id. Choose one above.")
        return
    st.header(view.name)
    st.caption(f"{view.kind.capitalize()} · {_country(view.country)} · {view.status}. Every "
               "figure below names the source that states it (its kind: primary, press or "
               "secondary) and the date it describes; a figure no source gives reads "
               "'not stated'. Link to this page: ?asset=" + view.key)
    st.markdown("\n".join(f"- **{label}:** {text}" for label, text in view.facts.items()),
                unsafe_allow_html=False)
    st.subheader("Figures and their sources")
    show.table(view.figures, links=["Link"], key="asset_figures")
    left, right = st.columns([1, 1])
    with left:
        st.subheader("Owners")
        show.table(view.owners, key="asset_owners")
        st.graphviz_chart(view.diagram.dot)
        st.download_button("Ownership diagram (SVG)", _svg(key, asset),
                           file_name=f"{asset.replace('/', '-')}-owners.svg",
                           mime="image/svg+xml", key="asset_svg")
    with right:
        st.subheader("Where it is")
        st.caption(f"The ring: where the site lies (its stated precision); other sites and "
                   f"known deposits (USGS) within {NEARBY_KM:.0f} km.")
        st_folium(asset_map(data.frames, view), returned_objects=[],
                  use_container_width=True, height=380, key="asset_map")
    if len(view.offtakes):
        st.subheader("Offtakes on its output (agreements to buy, not equity)")
        show.table(view.offtakes, key="asset_offtakes")
    if len(view.flows):
        st.subheader("Trade flows from or to it")
        show.table(view.flows, key="asset_flows")
    changes = asset_changes(session.changelog(key), view.key)
    if len(changes):
        st.subheader("Changes recorded in the data")
        show.table(changes, links=["Source"], key="asset_changes")
    if view.notes:
        st.subheader("Notes")
        st.text(view.notes)
    st.subheader("Sources")
    show.table(view.sources, links=["Link"], key="asset_sources")


page()
