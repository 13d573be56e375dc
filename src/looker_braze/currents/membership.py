"""The audience membership table that `looker-braze audiences export` writes beside the Currents
tables: one row per spell, a member of a Looker audience from JOINED_AT to LEFT_AT (NULL: still
in). Named here, on the Currents side, because the analytics and the dbt package read it."""

from __future__ import annotations

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
# after the last one; they also order spells that share a timestamp).
SPELL_COLUMNS = (*SPELL_KEY, "JOINED_AT", "LEFT_AT", "JOIN_SEQ", "LEFT_SEQ")
DESCRIPTION = (
    "Looker audiences sent to Braze by looker-braze: one row per membership spell (who, which "
    "audience, joined_at, left_at), written by `looker-braze audiences export`."
)
