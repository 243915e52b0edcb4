"""reemap: an open geospatial map of the rare-earth supply chain.

The package ``reemap`` holds the command line, settings and the error hierarchy; the domain
lives in ``layers`` (schemas, loading, ownership, analysis) and the spatial mechanics in
``geo`` (CRS checks, antimeridian, readers and writers, the folium map).
"""

__version__ = "0.1.0"
