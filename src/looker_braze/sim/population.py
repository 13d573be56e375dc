"""The simulated population shared by the Braze simulator and the Look generator.

User number ``i`` has the same identifiers everywhere, so a generated Look names users that a
simulator seeded with ``users=N`` knows (numbers 0..N-1) or, on purpose, users it does not (>= N).
Deterministic: no state, just functions of ``i``.
"""

from __future__ import annotations

import hashlib

ALIAS_LABEL = "looker"


def external_id(i: int) -> str:
    return f"user-{i:08d}"


def braze_id(i: int) -> str:
    # Braze ids are 24 lower-case hex characters.
    return hashlib.blake2b(i.to_bytes(8, "big"), digest_size=12).hexdigest()


def email(i: int) -> str:
    return f"user{i}@example.com"


def phone(i: int) -> str:
    # E.164, in the +1 555 range reserved for fiction.
    return f"+1555{i % 10_000_000:07d}"


def alias_name(i: int) -> str:
    return f"alias-{i:08d}"


def identifier(kind: str, i: int) -> str:
    """The identifier of user ``i`` for a braze_key kind (alias kinds give the alias name)."""
    return _BY_KIND[kind](i)


_BY_KIND = {
    "external_id": external_id,
    "braze_id": braze_id,
    "email": email,
    "phone": phone,
    "user_alias": alias_name,
}
IDENTIFIER_KINDS = tuple(_BY_KIND)
