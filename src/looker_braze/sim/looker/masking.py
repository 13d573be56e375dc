"""Keep the hub token and sensitive params out of everything `looker-braze send` prints."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

MASK = "••••••"
# Shorter values would match ordinary text; a real secret is never this short.
MIN_SECRET = 4


class Masker:
    def __init__(self, secrets: Iterable[str | None]) -> None:
        found = {s for s in secrets if s and len(s) >= MIN_SECRET}
        self.secrets = sorted(found, key=len, reverse=True)  # longest first: no partial leftovers

    def text(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def value(self, value):
        """Mask inside any JSON-like value (strings, lists, dicts; keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        return value


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
