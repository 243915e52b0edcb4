"""Atomic writes: a file or folder is written beside its destination under a temporary
name and moved into place only when complete.

A failed write leaves no partial file and never replaces a good one; a reader sees the old
version or the new one, never half of either. The one implementation behind every writer
(``geo.export``, ``geo.parquet``, ``geo.store``, ``ui.assets``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["staged"]


@contextlib.contextmanager
def staged(final: Path, *, folder: bool = False, copy: bool = False, create: bool = False,
           sync: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; move it onto ``final`` when the block ends.

    Parameters
    ----------
    final
        The file (or folder) to write; its parent folder is created.
    folder
        Stage a folder: the old one at ``final`` is replaced as a whole.
    copy
        Start from a copy of the current ``final`` (a file), to change it in place.
    create
        Leave an empty file at the path (else there is none: GDAL creates its own).
    sync
        Flush a file to disk before it replaces ``final`` (a store that must survive a
        crash; exports skip it).

    Yields
    ------
    Path
        Where to write.

    Raises
    ------
    BaseException
        Whatever the block raises: the temporary path is removed, ``final`` is untouched.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{final.name}."
    if folder:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=final.parent))
    else:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=final.suffix, dir=final.parent)
        os.close(fd)
        tmp = Path(name)
        if copy and final.exists():
            shutil.copyfile(final, tmp)
        elif not create:
            tmp.unlink()
    try:
        yield tmp
        if folder:
            _swap_folder(tmp, final)
        else:
            if sync:
                with tmp.open("rb+") as done:  # on disk before it replaces the old version
                    os.fsync(done.fileno())
            tmp.replace(final)
    finally:
        if folder:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


def _swap_folder(new: Path, final: Path) -> None:
    if not final.exists():
        new.replace(final)
        return
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    final.replace(old)
    new.replace(final)
    shutil.rmtree(old)
