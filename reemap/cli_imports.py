"""The `reemap import` and `reemap imported` commands: users' own layers."""

from __future__ import annotations

import argparse

from geo import settings
from geo.errors import DataError, InputError, Problem
from geo.store import delete_layer, list_layers
from layers.imports import UserClaim, import_file
from reemap.registry import EXTENSIONS as _EXTENSIONS
from reemap.registry import command
from reemap.registry import out as _out

# --- users' imported layers (layers.imports, geo.store) ---------------------------------


@command("import")
def _import(args: argparse.Namespace) -> int:
    claim = None
    if args.source_title or args.source_url or args.as_of:
        if not (args.source_title and args.as_of):
            raise InputError("--source-title and --as-of go together (the source and its date)")
        claim = UserClaim(title=args.source_title, as_of=args.as_of, url=args.source_url)
    try:
        stored = import_file(
            args.path,
            label=args.label,
            layer=args.layer,
            source_layer=args.source_layer,
            claim=claim,
            replace=args.replace,
        )
    except DataError as exc:
        missing = ("sources: Field required", "as_of: Field required")
        if claim is None and any(p.message in missing for p in exc.problems):
            exc.problems.append(Problem(args.path, "(file)", _NO_SOURCES_HINT))
        raise
    _out(
        f"{args.path}: {stored.features} feature(s) imported as {stored.label!r} "
        f"(layer {stored.layer}) into {settings.STORE_PATH}"
    )
    return 0


_NO_SOURCES_HINT = (
    "features without sources/as_of are not imported; if the figures are your own, say so "
    "with --source-title TEXT --as-of YYYY-MM-DD [--source-url URL] (kept as your claim)"
)


@command("imported")
def _imported(args: argparse.Namespace) -> int:
    if args.delete:
        delete_layer(args.delete)
        _out(f"deleted {args.delete!r} from {settings.STORE_PATH}")
        return 0
    for entry in list_layers():
        _out(
            f"{entry.label}  {entry.layer}  {entry.features} features  "
            f"from {entry.file}  at {entry.imported_at}"
        )
    return 0


def _import_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser("import", help="validate a file and keep it as an imported layer")
    imp.add_argument("path", metavar="PATH")
    imp.add_argument("--layer", metavar="NAME", help="the layer schema (default: from the file)")
    imp.add_argument(
        "--as",
        dest="label",
        required=True,
        metavar="LABEL",
        help="the name to keep it under (a slug, e.g. my-sites)",
    )
    imp.add_argument(
        "--source-layer",
        metavar="NAME",
        help="the layer inside a GeoPackage (or shapefile inside a zip) that holds several",
    )
    imp.add_argument("--replace", action="store_true", help="replace a layer of that label")
    claim = imp.add_argument_group(
        "your own claim, for features with no sources/as_of (recorded as given by you)"
    )
    claim.add_argument("--source-title", metavar="TEXT", help="where the figures come from")
    claim.add_argument("--source-url", metavar="URL", help="an http(s) link to that source")
    claim.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date the figures describe")
    listing = sub.add_parser("imported", help="list imported layers (or delete one)")
    listing.add_argument("--delete", metavar="LABEL", help="remove this imported layer")


_EXTENSIONS.append(_import_commands)
