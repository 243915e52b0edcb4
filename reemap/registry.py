"""The command registry the ``reemap`` sub-command modules share.

A module defines a handler with :func:`command` and adds its sub-parsers through
:data:`EXTENSIONS`; ``reemap.cli`` imports the modules, builds the parser and dispatches.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

__all__ = ["COMMANDS", "EXTENSIONS", "command", "err", "out"]

Handler = Callable[[argparse.Namespace], int]
SubParsers = argparse._SubParsersAction

#: Sub-command name -> handler.
COMMANDS: dict[str, Handler] = {}
#: Functions that add further sub-commands (import, routes, analysis) to the parser.
EXTENSIONS: list[Callable[[SubParsers[argparse.ArgumentParser]], None]] = []


def command(name: str) -> Callable[[Handler], Handler]:
    """Register a sub-command handler under ``name``."""

    def register(func: Handler) -> Handler:
        COMMANDS[name] = func
        return func

    return register


def out(text: str) -> None:
    """Write a line to standard output."""
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    """Write a line to standard error."""
    sys.stderr.write(text + "\n")
