"""Keep the hub token and sensitive params out of everything `looker-braze send` prints."""

from __future__ import annotations

from collections.abc import Mapping

from looker_braze.redact import MASK, Masker  # the one redactor

__all__ = ["MASK", "Masker", "sensitive_params", "shown_params"]


def sensitive_params(definition: Mapping | None, params: Mapping[str, str]) -> set[str]:
    """Names of params whose values must not be shown. Without a definition, all of them."""
    if not definition:
        return set(params)
    declared = definition.get("params") or []
    sensitive = {p.get("name") for p in declared if isinstance(p, dict) and p.get("sensitive")}
    # A param the definition does not know could be anything: treat it as sensitive too.
    known = {p.get("name") for p in declared if isinstance(p, dict)}
    return {name for name in params if name in sensitive or name not in known}


def shown_params(params: Mapping[str, str], sensitive: set[str]) -> dict[str, str]:
    return {k: (MASK if k in sensitive else v) for k, v in params.items()}
