"""dbt tests for the package: which columns are ids and keys, and which can never be NULL."""

from __future__ import annotations

from looker_braze.currents.dbt.layers import Node


def column_tests(node: Node) -> dict[str, list[str]]:
    return {}
