"""Building blocks of LookML dashboards: the newspaper layout, tiles, filters."""

from __future__ import annotations


class Layout:
    """Places tiles on Looker's 24-column newspaper grid, left to right, row by row."""

    def __init__(self) -> None:
        self.row = 0
        self.col = 0  # next free column of the current row
        self.height = 0  # tallest tile of the current row

    def flow(self, width: int, height: int) -> dict:
        """The next spot of ``width`` on the current row, or on a new row when it is full."""
        if self.col + width > 24:
            self.row, self.col, self.height = self.row + self.height, 0, 0
        spot = {"row": self.row, "col": self.col, "width": width, "height": height}
        self.col += width
        self.height = max(self.height, height)
        return spot


def tile(
    title: str, model: str, explore: str, type_: str, fields: list[str], spot: dict, **extra
) -> dict:
    element = {
        "title": title,
        "name": title,
        "model": model,
        "explore": explore,
        "type": type_,
        "fields": fields,
    }
    element.update({k: v for k, v in extra.items() if v is not None})
    element.setdefault("limit", 500)
    return {**element, **spot}


def field_filter(title: str, model: str, explore: str, field: str, default: str = "") -> dict:
    return {
        "name": title,
        "title": title,
        "type": "field_filter",
        "default_value": default,
        "allow_multiple_values": True,
        "required": False,
        "model": model,
        "explore": explore,
        "field": field,
    }


def dashboard(
    name: str, title: str, description: str, elements: list[dict], filters: list[dict]
) -> dict:
    return {
        "dashboard": name,
        "title": title,
        "layout": "newspaper",
        "description": description,
        "elements": elements,
        "filters": filters,
    }
