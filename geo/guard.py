"""What reemap lets GDAL open, and how much: one driver per format, pinned, within limits.

GDAL chooses a driver from a file's content, not its name: an OGR VRT (XML) saved as
``mines.gpkg`` opens as a VRT and reads whatever it points at (a local file, a URL). So
every file a user gives is, before GDAL sees it:

- a real local file (never a ``/vsi*`` path, never a GDAL connection string);
- of the kind its extension says, by its first bytes (SQLite header, Shapefile magic, a
  KML root element, Parquet's ``PAR1``);
- opened with that format's driver only (``GPKG:`` prefix) and refused when any other
  driver opened it;
- within the limits in ``geo.settings`` (features, properties, unpacked bytes), counted
  from the file's own header before the features are read.

A zipped Shapefile is unpacked by Python into a private folder with a byte budget (never
through ``/vsizip/``), one shapefile at a time. While reemap reads, GDAL runs with its
network and directory probing turned off (:func:`gdal_reading`), as a second line of defence.
"""

from __future__ import annotations

import contextlib
import re
import threading
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pyogrio

from geo import settings
from geo.errors import InputError

__all__ = [
    "DRIVERS",
    "check_local_path",
    "check_magic",
    "excerpt",
    "gdal_info",
    "gdal_reading",
    "gdal_source",
    "shapefile_members",
    "unpack_shapefile",
]

#: The GDAL drivers each format may be opened with; any other is refused.
DRIVERS: dict[str, frozenset[str]] = {
    "gpkg": frozenset({"GPKG"}),
    "shapefile": frozenset({"ESRI Shapefile"}),
    "kml": frozenset({"KML", "LIBKML"}),
}

#: GDAL settings while reemap reads a user's file: no network (no URL has an allowed
#: extension), no probing of sibling files, no external KML styles.
_GDAL_READING: dict[str, str] = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".reemap-no-network",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY",
    "LIBKML_RESOLVE_STYLE": "NO",
    "LIBKML_EXTERNAL_STYLE": "NO",
}
_gdal_lock = threading.Lock()
_gdal_saved: dict[str, Any] = {}  # the caller's own values, while reads run
_gdal_users = [0]  # reads running now

_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def excerpt(text: str, limit: int = 80) -> str:
    """A short, one-line, escaped excerpt of a text that came from a file or a library.

    Control characters are shown as escapes (``\\x00``, ``\\n``) and the text is cut at
    ``limit`` characters, so no message carries more than a glimpse of any value.
    """
    shown = _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def check_local_path(path: Path) -> Path:
    """Return ``path`` made absolute when it is a plain local file; raise ``InputError``.

    GDAL's virtual file systems (``/vsicurl/``, ``/vsizip/``, ...) and anything that is not
    a regular file are refused, whatever the path resolves to.
    """
    shown = excerpt(str(path), 200)
    if str(path).startswith("/vsi") or str(path.absolute()).startswith("/vsi"):
        raise InputError(f"{shown}: GDAL virtual file paths (/vsi...) are not read")
    if not path.exists():
        raise InputError(f"{shown}: no such file")
    real = path.resolve()
    if str(real).startswith("/vsi"):
        raise InputError(f"{shown}: GDAL virtual file paths (/vsi...) are not read")
    if not real.is_file():
        raise InputError(f"{shown}: not a file")
    return real


def _head(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _xml_root(head: bytes) -> str | None:
    """The root element's local name of an XML document, from its first bytes."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    while True:
        if text.startswith("<?"):
            end = text.find("?>")
        elif text.startswith("<!--"):
            end = text.find("-->")
        else:
            break
        if end < 0:
            return None
        text = text[end + 2 :].lstrip(">").lstrip(" \t\r\n")
    match = re.match(r"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)", text)
    return match.group(2) if match else None


def check_magic(path: Path, fmt: str, *, shown: str | None = None) -> None:
    """Refuse a file whose first bytes are not those of ``fmt`` (whatever its name says).

    Raises
    ------
    InputError
        Naming the format the extension promised.
    """
    head = _head(path, 4096)
    ok = True
    if fmt == "gpkg":
        ok = head.startswith(b"SQLite format 3\x00")
    elif fmt == "shapefile" and path.suffix.lower() == ".shp":
        ok = head.startswith(b"\x00\x00\x27\x0a")
    elif fmt == "shapefile":
        ok = head.startswith((b"PK\x03\x04", b"PK\x05\x06"))
    elif fmt == "kml":
        ok = _xml_root(head) == "kml" and b"<!DOCTYPE" not in path.read_bytes()
    elif fmt == "parquet":
        with path.open("rb") as handle:
            handle.seek(-4, 2)
            ok = head.startswith(b"PAR1") and handle.read(4) == b"PAR1"
    if not ok:
        raise InputError(
            f"{shown or excerpt(str(path), 200)}: not {_NAMES.get(fmt, fmt)} (its content is "
            "something else; each format is read only by its own reader)"
        )


_NAMES = {
    "gpkg": "a GeoPackage",
    "shapefile": "a Shapefile",
    "kml": "a KML document",
    "parquet": "a GeoParquet file",
}


def gdal_source(path: Path, fmt: str) -> str:
    """The name to give GDAL: pinned to the format's driver where GDAL has a prefix for it."""
    if fmt == "gpkg":
        if ":" in str(path):
            raise InputError(f"{excerpt(str(path), 200)}: a GeoPackage path may not hold ':'")
        return f"GPKG:{path}"
    return str(path)


@contextlib.contextmanager
def gdal_reading() -> Iterator[None]:
    """GDAL with no network access and no directory probing, for reemap's own reads.

    The options are set while at least one read runs and restored after the last one, so
    a program that imports reemap keeps its own GDAL settings otherwise.
    """
    with _gdal_lock:
        if _gdal_users[0] == 0:
            _gdal_saved.clear()
            _gdal_saved.update(
                {key: pyogrio.get_gdal_config_option(key) for key in _GDAL_READING}
            )
            pyogrio.set_gdal_config_options(_GDAL_READING)
        _gdal_users[0] += 1
    try:
        yield
    finally:
        with _gdal_lock:
            _gdal_users[0] -= 1
            if _gdal_users[0] == 0:
                pyogrio.set_gdal_config_options(dict(_gdal_saved))


def gdal_info(source: str, fmt: str, *, layer: str | None, shown: str) -> dict[str, Any]:
    """Open ``source`` for its header only: check the driver and the feature/field counts.

    Returns
    -------
    dict
        ``pyogrio.read_info``'s answer.

    Raises
    ------
    InputError
        Unreadable, opened by another driver than ``fmt``'s, or over a limit.
    """
    try:
        with gdal_reading(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's notes are not the user's business
            info: dict[str, Any] = pyogrio.read_info(source, layer=layer)
    except Exception as exc:
        raise InputError(f"{shown}: cannot read as {fmt} ({excerpt(str(exc))})") from None
    if info.get("driver") not in DRIVERS[fmt]:
        raise InputError(f"{shown}: not {_NAMES[fmt]} (GDAL read it as {info.get('driver')})")
    check_counts(shown, int(info.get("features") or 0), len(info.get("fields", ())))
    return info


def check_counts(shown: str, features: int, properties: int) -> None:
    """Refuse more features or properties than ``geo.settings`` allows."""
    if features > settings.MAX_FEATURES:
        raise InputError(
            f"{shown}: {features:,} features, over the {settings.MAX_FEATURES:,} limit "
            "(REEMAP_MAX_FEATURES)"
        )
    if properties > settings.MAX_PROPERTIES:
        raise InputError(
            f"{shown}: {properties:,} properties (columns), over the "
            f"{settings.MAX_PROPERTIES:,} limit (REEMAP_MAX_PROPERTIES)"
        )


def shapefile_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """The shapefiles in a zip: stem -> member name of its ``.shp``."""
    out: dict[str, str] = {}
    for info in archive.infolist():
        name = PurePosixPath(info.filename)
        if not info.is_dir() and name.suffix.lower() == ".shp" and "__MACOSX" not in name.parts:
            out.setdefault(name.stem, info.filename)
    return out


def unpack_shapefile(path: Path, layer: str | None, folder: Path, *, shown: str) -> Path:
    """Unpack one shapefile of a zip into ``folder`` within the byte budget; return its .shp.

    Parameters
    ----------
    path
        The zip file.
    layer
        The shapefile to take (its name without ``.shp``); needed when the zip holds several.
    folder
        A private, empty folder.
    shown
        The file name used in messages.

    Raises
    ------
    InputError
        Not a zip, no shapefile, several without ``layer``, or more bytes than
        ``settings.MAX_UNPACKED_BYTES`` once unpacked.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            shapefiles = shapefile_members(archive)
            if not shapefiles:
                raise InputError(f"{shown}: the zip holds no shapefile (.shp)")
            if layer is None and len(shapefiles) > 1:
                names = sorted(shapefiles)
                listed = ", ".join(excerpt(n, 40) for n in names[:10])
                more = f" and {len(names) - 10} more" if len(names) > 10 else ""
                raise InputError(
                    f"{shown}: the zip holds {len(names)} shapefiles ({listed}{more}); "
                    "name the one to read (--source-layer NAME)"
                )
            stem = layer if layer is not None else next(iter(shapefiles))
            if stem not in shapefiles:
                raise InputError(
                    f"{shown}: no shapefile {excerpt(stem, 40)!r} in the zip "
                    f"({', '.join(excerpt(n, 40) for n in sorted(shapefiles)[:10])})"
                )
            base = str(PurePosixPath(shapefiles[stem]).with_suffix(""))
            members = {i.filename.lower(): i for i in archive.infolist()}
            budget = settings.MAX_UNPACKED_BYTES
            for ext in _SHAPEFILE_PARTS:
                info = members.get(f"{base}{ext}".lower())
                if info is None:
                    continue
                budget = _copy_member(archive, info, folder / f"layer{ext}", budget, shown)
    except zipfile.BadZipFile:
        raise InputError(f"{shown}: not a readable zip file") from None
    except (RuntimeError, NotImplementedError, EOFError, OSError) as exc:  # encrypted, ...
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{shown}: cannot unpack the zip ({excerpt(str(exc))})") from None
    return folder / "layer.shp"


def _copy_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, shown: str
) -> int:
    """Copy one member, counting real bytes (not the header's claim); return the budget left."""
    with archive.open(info) as src, target.open("wb") as dst:
        while chunk := src.read(1 << 20):
            budget -= len(chunk)
            if budget < 0:
                raise InputError(
                    f"{shown}: unpacks to more than "
                    f"{settings.MAX_UNPACKED_BYTES / 1e6:.0f} MB (REEMAP_MAX_UNPACKED_BYTES)"
                )
            dst.write(chunk)
    return budget
