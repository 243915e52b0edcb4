"""reemap: an open geospatial map of the rare-earth supply chain.

The package ``reemap`` is the command line (``reemap.cli``) and the app's launcher
(``reemap.serve``); it sits on the top floor beside the app's pages. What it runs lives
below: ``ui`` (what is shown), ``layers`` (the domain) and ``geo`` (spatial mechanics);
see ARCHITECTURE.md.
"""

__version__ = "0.1.0"
