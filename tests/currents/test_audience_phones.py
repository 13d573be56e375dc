"""Phone audiences joined to Currents, on the shared fixture: the fixture's phone audience
(every fifth generated user's number, and one number no generated user has) is found through
the numbers the SMS, WhatsApp and RCS events name, each number to the user the generator gave
it, and the number Currents never saw is not found."""

from __future__ import annotations

from looker_braze.currents.generate import GeneratorConfig
from looker_braze.currents.generate.users import make_users
from looker_braze.currents.membership import MEMBERSHIP
from looker_braze.currents.models import run
from looker_braze.currents.models.binding import ValueBinder
from looker_braze.currents.models.compiler import compile_sql
from looker_braze.currents.models.params import PARAMS, resolve
from looker_braze.currents.models.runner import loaded_by_us, table_columns
from looker_braze.currents.warehouse import connect
from tests.currents.audience_fixture import PHONE_LABEL, UNSEEN_PHONE
from tests.currents.conftest import FIXTURE_CONFIG

# Every table whose events name a user's number (Send: every message starts with one).
_SENDS = ("USERS_MESSAGES_SMS_SEND", "USERS_MESSAGES_WHATSAPP_SEND", "USERS_MESSAGES_RCS_SEND")


def fragment(warehouse, name: str) -> list[dict]:
    """The rows of catalogue fragment ``name`` (models are run with `run`)."""
    values = resolve(PARAMS, {}, {})
    sql = compile_sql(
        name, "duckdb", ValueBinder(values), table_columns(warehouse),
        unique_ids=loaded_by_us(warehouse),
    )  # fmt: skip
    columns, rows = warehouse.query(sql)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _numbers_sent_to(warehouse) -> set[str]:
    union = " UNION ".join(f'SELECT "TO_PHONE_NUMBER" FROM "{t}"' for t in _SENDS)
    _, rows = warehouse.query(union)
    return {number for (number,) in rows}


def test_phone_members_are_found_by_the_numbers_messages_went_to(currents_duckdb):
    config = GeneratorConfig.model_validate(FIXTURE_CONFIG)
    users = make_users(config.seed, 0, config.users)
    user_of_phone = dict(zip(users.phone, users.braze_id, strict=True))
    with connect(currents_duckdb) as warehouse:
        _, rows = warehouse.query(
            f'SELECT "IDENTIFIER" FROM "{MEMBERSHIP}" WHERE "LABEL" = ?', (PHONE_LABEL,)
        )
        members = {identifier for (identifier,) in rows}
        seen = _numbers_sent_to(warehouse) & members
        summary = {r["audience"]: r for r in run(warehouse, "audience_summary").records()}
        resolved = [m for m in fragment(warehouse, "audience_members")
                    if m["audience"] == PHONE_LABEL]  # fmt: skip
        spell_phone = dict(
            warehouse.query(
                f'SELECT "JOIN_SEQ", "IDENTIFIER" FROM "{MEMBERSHIP}" WHERE "LABEL" = ?',
                (PHONE_LABEL,),
            )[1]
        )
    assert UNSEEN_PHONE in members and UNSEEN_PHONE not in seen
    assert 0 < len(seen) < len(members)
    phones = summary[PHONE_LABEL]
    assert (phones["identifier_kind"], phones["members_ever"]) == ("phone", len(members))
    assert phones["spells_in_currents"] == len(seen)
    assert phones["note"] is None
    # Each found spell is the user the generator gave that number, and only that user.
    found = {spell_phone[m["spell_id"]]: m["user_id"] for m in resolved}
    assert len(resolved) == len(found)
    assert found == {phone: user_of_phone[phone] for phone in seen}
