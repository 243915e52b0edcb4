"""What the app and the command line open on when the user names nothing.

The map is drawn for Japan's supply: its imports are the ones analysed, JOGMEC (Japan's
state agency for metals) is the owner the app leads with, and the two periods compared
bracket China's export controls of 2025.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

__all__ = ["COMPARED_PERIODS", "HEADLINE_OWNER", "IMPORTER", "compared_periods"]

#: The importing country (ISO 3166-1 alpha-3) whose imports are analysed.
IMPORTER: Final[str] = "JPN"
#: The entity id the owner filter's toggle and the owner analysis open on.
HEADLINE_OWNER: Final[str] = "jogmec"
#: The periods compared by default (before, after), when the data holds them.
COMPARED_PERIODS: Final[tuple[str, str]] = ("2025-01", "2026-01")


def compared_periods(options: Sequence[str]) -> tuple[str, str]:
    """The (before, after) pair to compare among ``options`` (oldest first, non-empty).

    :data:`COMPARED_PERIODS` where the data holds them, else the oldest and the newest.
    """
    before, after = COMPARED_PERIODS
    return (before if before in options else options[0],
            after if after in options else options[-1])
