"""Rewrite the source list of data/README.md (between its ``<!-- sources -->`` markers).

The list is what ``reemap sources`` prints; ``tests/test_sources.py`` fails when it and the
data disagree. Run after changing any source (and to settle a merge conflict in the list)::

    python scripts/readme_sources.py [--data data]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from layers.catalog import load_layers
from layers.sources import collect_sources, sources_markdown

_BLOCK = re.compile(r"(<!-- sources -->\n)(.*)(<!-- /sources -->)", re.S)


def main(argv: list[str] | None = None) -> int:
    """Rewrite the list; print what was done."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent.parent / "data"
    parser.add_argument("--data", type=Path, default=default)
    args = parser.parse_args(argv)
    readme = args.data / "README.md"
    text = readme.read_text(encoding="utf-8")
    # everything between the markers is written anew (a merge conflict inside it included)
    sources = collect_sources(load_layers(data_dir=args.data), args.data)
    new, count = _BLOCK.subn(lambda m: m.group(1) + sources_markdown(sources) + m.group(3), text)
    if count != 1:
        raise SystemExit(f"{readme}: the <!-- sources --> markers are missing")
    readme.write_text(new, encoding="utf-8")
    print(f"wrote {readme}: {len(sources)} sources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
