"""What a catalog send does with the Look's items: the form's Mode."""

from __future__ import annotations

from enum import StrEnum


class CatalogMode(StrEnum):
    UPSERT = "upsert"  # replace each item, creating it if missing (PUT)
    SYNC = "sync"  # upsert, then delete the items of earlier sends that left the Look
    DELETE = "delete"  # delete the Look's items (DELETE)

    @classmethod
    def names(cls) -> str:
        return ", ".join(mode.value for mode in cls)
