"""What a send does to the audience's label: the form's Mode."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    APPEND = "append"  # add the label (Looker's reference behaviour)
    SYNC = "sync"  # add, then remove it from members of earlier syncs who left the Look
    REMOVE = "remove"  # take the label off these users

    @classmethod
    def names(cls) -> str:
        return ", ".join(mode.value for mode in cls)
