"""Building blocks of LookML dashboards: the newspaper layout, tiles, filters."""

from __future__ import annotations


class Layout:
    """Places tiles on Looker's 24-column newspaper grid, row by row."""

    def __init__(self) -> None:
        self.row = 0

    def place(self, widths: list[int], height: int) -> list[dict]:
        spots, col = [], 0
        for width in widths:
            spots.append({"row": self.row, "col": col, "width": width, "height": height})
            col += width
        self.row += height
        return spots


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
