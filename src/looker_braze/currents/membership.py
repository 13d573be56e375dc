"""The audience membership table that `looker-braze audiences export` writes beside the Currents
tables: one row per spell, a member of a Looker audience from JOINED_AT to LEFT_AT (NULL: still
in). Named here, on the Currents side, because the analytics and the dbt package read it."""

from __future__ import annotations

from looker_braze.currents.schemas import Field

MEMBERSHIP = "LOOKER_BRAZE_AUDIENCE_MEMBERSHIP"
# Whose membership of which audience. ALIAS_LABEL is "" unless IDENTIFIER_KIND is user_alias.
SPELL_KEY = (
    "WORKSPACE",
    "ARRAY_ATTRIBUTE",
    "LABEL",
    "IDENTIFIER_KIND",
    "IDENTIFIER",
    "ALIAS_LABEL",
)
# JOIN_SEQ and LEFT_SEQ: the state store's history entries behind the spell (an export resumes
# after the last one; they also order spells that share a timestamp). JOINED_TIME and LEFT_TIME:
# the same moments as JOINED_AT and LEFT_AT in UTC epoch seconds, as Currents' TIME, so the
# models compare them with event times in plain arithmetic on every engine.
SPELL_COLUMNS = (
    *SPELL_KEY,
    "JOINED_AT",
    "LEFT_AT",
    "JOIN_SEQ",
    "LEFT_SEQ",
    "JOINED_TIME",
    "LEFT_TIME",
)
# The table as the models see it (what the compiler stands in for when no export ran yet).
FIELDS: tuple[Field, ...] = (
    *(Field(name, "string", False) for name in SPELL_KEY),
    Field("JOINED_AT", "string", False),  # a timestamp; the models read JOINED_TIME
    Field("LEFT_AT", "string", True),
    Field("JOIN_SEQ", "long", False),
    Field("LEFT_SEQ", "long", True),
    Field("JOINED_TIME", "long", False),
    Field("LEFT_TIME", "long", True),
)
DESCRIPTION = (
    "Looker audiences sent to Braze by looker-braze: one row per membership spell (who, which "
    "audience, joined_at, left_at), written by `looker-braze audiences export`."
)
