"""What is shown, without Streamlit: the folium map and its point layer (with their
JavaScript), styles and legends, permalinks, view models, charts and snapshots.

Built over ``layers`` (the domain) and ``geo`` (spatial mechanics); ``app.py`` and
``app_pages/`` wire it to Streamlit.
"""
