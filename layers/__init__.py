"""The domain: the layers' vocabularies, models and validation, loading (curated and
imported), the tables, the ownership graph, the filters, and the analyses (routes,
chokepoints, attributable capacity, dependency, scenarios, coverage, sources).

Built on ``geo``; ``ui``, ``app_pages`` and the CLI build on it (ARCHITECTURE.md).
"""
