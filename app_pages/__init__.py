"""The web app's pages (Streamlit, wiring only), one per section, run by ``app.py``.

``session`` holds what the pages share: the dataset (one per data folder and store
version), the cached derived frames, and the view the filters and the URL hold.
``filters`` draws the map's filters in the sidebar. ``map``, ``routes`` and ``analysis``
are the pages.
"""
