"""The error hierarchy: every failure a user can cause has its own class and one-line text.

``DataError`` collects every problem in a file before it is raised, so a user fixes a file
in one pass. The CLI turns ``DataError`` into exit code 1 and ``InputError`` into 2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """``text`` with control characters (line breaks too) shown as escapes: one line, inert."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class ReemapError(Exception):
    """Base class of reemap's own errors."""


class InputError(ReemapError):
    """A file cannot be read (missing, empty, not the format, too large), or a usage error."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one feature of one file.

    Parameters
    ----------
    path
        The file (or a label for in-memory data).
    feature
        The feature's id, or ``#N`` (1-based position) when it has no usable id.
    message
        What is wrong, naming the field and the fix where there is one.
    """

    path: str
    feature: str
    message: str

    def __str__(self) -> str:
        return one_line(f"{self.path}: {self.feature}: {self.message}")


class DataError(ReemapError):
    """A file was read but its contents break the layer schema.

    Parameters
    ----------
    problems
        Every problem found, in file order.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def report(problems: Sequence[Problem], limit: int) -> list[str]:
    """One line per problem, the first ``limit`` of them, then one line counting the rest."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        rest = len(problems) - limit
        lines.append(f"{problems[limit].path}: (file): {rest:,} more problem(s) not shown")
    return lines
