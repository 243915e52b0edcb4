"""Spatial mechanics that know nothing of rare earths: settings, errors, readers and
writers (GeoJSON, GeoPackage, CSV, GeoParquet), CRS and coordinate checks, the antimeridian,
sea lanes, the users' store and atomic writes.

The bottom floor: it imports no other package of the project (ARCHITECTURE.md).
"""
