"""Finding and creating users: seeded identifiers, primary/secondary rules, update-only,
alias creation, email and phone lookup."""

from __future__ import annotations

import pytest

from looker_braze.sim import population
from looker_braze.sim.braze import BrazeSimulator, SimConfig

SEEDED = 20


@pytest.fixture
def sim() -> BrazeSimulator:
    return BrazeSimulator(SimConfig(users=SEEDED))


def track(sim: BrazeSimulator, *objects) -> tuple[int, dict]:
    return sim.track({"attributes": list(objects)})


def alias(i: int) -> dict:
    return {"alias_name": population.alias_name(i), "alias_label": population.ALIAS_LABEL}


@pytest.mark.parametrize("i", [0, 1, 9, SEEDED - 1])
def test_seeded_users_are_found_by_every_identifier(sim, i):
    expected = sim.profile("external_id", population.external_id(i))
    assert expected["braze_id"] == population.braze_id(i)
    assert expected["email"] == population.email(i)
    assert expected["phone"] == population.phone(i).lstrip("+")  # Braze shows digits
    assert expected["user_aliases"] == [alias(i)]
    assert sim.profile("braze_id", population.braze_id(i)) == expected
    assert sim.profile("email", population.email(i)) == expected
    assert sim.profile("phone", population.phone(i)) == expected
    assert sim.profile("user_alias", (population.alias_name(i), population.ALIAS_LABEL)) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("external_id", population.external_id(SEEDED)),  # one past the population
        ("external_id", "user-0000001"),  # not the canonical rendering of user 1
        ("external_id", "user-000000001"),
        ("braze_id", population.braze_id(SEEDED)),
        ("braze_id", "not-hex"),
        ("email", population.email(SEEDED)),
        ("email", "USER1@example.com"),
        ("phone", population.phone(SEEDED)),
        ("user_alias", (population.alias_name(1), "another-label")),
        ("user_alias", (population.alias_name(SEEDED), population.ALIAS_LABEL)),
    ],
)
def test_identifiers_outside_the_population_find_nobody(sim, kind, value):
    assert sim.profile(kind, value) is None


def test_a_new_external_id_creates_a_profile_by_default(sim):
    status, _ = track(sim, {"external_id": "crm-42", "plan": "gold"})
    assert status == 201
    created = sim.profile("external_id", "crm-42")
    assert created["custom_attributes"] == {"plan": "gold"}
    assert len(created["braze_id"]) == 24
    assert sim.profile("braze_id", created["braze_id"]) == created
    assert sim.stats()["users"] == SEEDED + 1


def test_update_existing_only_never_creates_and_reports_nothing(sim):
    status, answer = track(sim, {"external_id": "crm-42", "_update_existing_only": True, "a": 1})
    assert (status, answer) == (201, {"message": "success", "attributes_processed": 1})
    assert sim.profile("external_id", "crm-42") is None
    assert sim.stats()["not_found"] == 1
    assert sim.stats()["data_points"] == 0


def test_update_existing_only_still_updates_existing_users(sim):
    track(sim, {"external_id": "user-00000003", "_update_existing_only": True, "a": 1})
    assert sim.profile("external_id", "user-00000003")["custom_attributes"] == {"a": 1}


def test_update_existing_only_must_be_a_boolean(sim):
    status, answer = track(sim, {"external_id": "user-00000003", "_update_existing_only": "yes"})
    assert status == 400
    assert answer["errors"][0]["type"] == "'_update_existing_only' is not valid"


def test_an_unknown_alias_is_not_created_unless_update_only_is_false(sim):
    wanted = {"alias_name": "lead-7", "alias_label": "crm"}
    track(sim, {"user_alias": wanted, "score": 1})
    assert sim.profile("user_alias", ("lead-7", "crm")) is None
    track(sim, {"user_alias": wanted, "_update_existing_only": False, "score": 2})
    created = sim.profile("user_alias", ("lead-7", "crm"))
    assert created["user_aliases"] == [wanted]
    assert "external_id" not in created
    assert created["custom_attributes"] == {"score": 2}
    members = list(sim.segment_members("tags", "x"))
    assert members == []


def test_a_seeded_alias_is_updated_without_flags(sim):
    track(sim, {"user_alias": alias(5), "score": 1})
    assert sim.profile("external_id", "user-00000005")["custom_attributes"] == {"score": 1}


@pytest.mark.parametrize(
    "bad",
    [
        {"alias_name": "only-a-name"},
        {"alias_label": "only-a-label"},
        {"alias_name": "", "alias_label": "crm"},
        {"alias_name": 5, "alias_label": "crm"},
        "lead-7",
    ],
)
def test_an_alias_needs_both_parts(sim, bad):
    status, answer = track(sim, {"user_alias": bad, "_update_existing_only": False, "a": 1})
    assert status == 400
    assert "alias_name" in answer["errors"][0]["type"]


def test_an_unknown_braze_id_never_creates_a_user(sim):
    status, _ = track(sim, {"braze_id": "a" * 24, "_update_existing_only": False, "a": 1})
    assert status == 201
    assert sim.stats()["users"] == SEEDED
    assert sim.stats()["not_found"] == 1


def test_more_than_one_primary_identifier_rejects_the_object(sim):
    both = {"external_id": "user-00000001", "user_alias": alias(1), "a": 1}
    status, answer = track(sim, both, {"external_id": "user-00000002", "a": 1})
    assert status == 201
    assert answer["errors"] == [
        {"type": answer["errors"][0]["type"], "input_array": "attributes", "index": 0}
    ]
    assert "only one of" in answer["errors"][0]["type"]
    assert "a" not in sim.profile("external_id", "user-00000001")["custom_attributes"]


@pytest.mark.parametrize("value", [None, 42, "", ["user-00000001"]])
def test_a_malformed_external_id_rejects_the_object(sim, value):
    status, answer = track(sim, {"external_id": value, "a": 1})
    assert status == 400
    assert answer["errors"][0]["type"] == "'external_id' is not valid"


def test_email_finds_the_user_when_no_primary_identifier_is_given(sim):
    track(sim, {"email": population.email(4), "a": 1})
    assert sim.profile("external_id", "user-00000004")["custom_attributes"] == {"a": 1}


def test_email_takes_precedence_over_phone_and_the_phone_is_then_set(sim):
    track(sim, {"email": population.email(4), "phone": "+15559999999", "a": 1})
    profile = sim.profile("external_id", "user-00000004")
    assert profile["custom_attributes"] == {"a": 1}
    assert profile["phone"] == "15559999999"
    assert sim.profile("phone", "+15559999999")["external_id"] == "user-00000004"
    assert sim.profile("phone", population.phone(4)) is None


def test_phone_finds_the_user_without_email(sim):
    track(sim, {"phone": population.phone(6), "a": 1})
    assert sim.profile("external_id", "user-00000006")["custom_attributes"] == {"a": 1}


def test_an_unknown_email_creates_an_email_only_profile_unless_update_only(sim):
    track(sim, {"email": "nobody@example.org", "_update_existing_only": True, "a": 1})
    assert sim.profile("email", "nobody@example.org") is None
    track(sim, {"email": "nobody@example.org", "a": 1})
    created = sim.profile("email", "nobody@example.org")
    assert "external_id" not in created
    assert created["custom_attributes"] == {"a": 1}


def test_with_a_primary_identifier_email_is_just_an_attribute(sim):
    status, _ = track(sim, {"external_id": "user-00000002", "email": "new@example.org"})
    assert status == 201
    assert sim.profile("external_id", "user-00000002")["email"] == "new@example.org"
    assert sim.profile("email", "new@example.org")["external_id"] == "user-00000002"
    assert sim.profile("email", population.email(2)) is None  # the old address moved away
    assert sim.stats()["data_points"] == 1  # an email set as an attribute costs a data point


def test_the_most_recently_set_email_wins_a_lookup(sim):
    track(sim, {"external_id": "user-00000001", "email": "shared@example.org"})
    track(sim, {"external_id": "user-00000002", "email": "shared@example.org"})
    assert sim.profile("email", "shared@example.org")["external_id"] == "user-00000002"
    track(sim, {"external_id": "user-00000002", "email": None})
    assert sim.profile("email", "shared@example.org")["external_id"] == "user-00000001"
    assert "email" not in sim.profile("external_id", "user-00000002")


def test_no_identifier_at_all_rejects_the_object(sim):
    status, answer = track(sim, {"first_name": "Ann"}, {"email": None, "a": 1})
    assert status == 400
    assert all("required" in error["type"] for error in answer["errors"])


def test_seeding_more_users_extends_the_population(sim):
    added = sim.seed_users(5)
    assert (added.start, added.stop) == (SEEDED, SEEDED + 5)
    i = SEEDED + 2
    assert sim.profile("external_id", population.external_id(i))["email"] == population.email(i)
    assert sim.profile("braze_id", population.braze_id(i))["external_id"] == population.external_id(
        i
    )
    assert sim.stats()["users"] == SEEDED + 5


def test_segment_members_name_users_without_external_id_by_braze_id(sim):
    track(
        sim,
        {"email": "lead@example.org", "tags": ["vip"]},
        {"external_id": "user-00000001", "tags": ["vip"]},
    )
    created = sim.profile("email", "lead@example.org")
    assert sorted(sim.segment_members("tags", "vip")) == sorted(
        [created["braze_id"], "user-00000001"]
    )


# -- phones as Braze stores them: digits -----------------------------------------------------------
# user_phone_numbers.md: "+1 (724) 123-4567" shows as 17241234567; 10 digits without + are U.S.


@pytest.mark.parametrize("sent", ["+1 (724) 123-4567", "+17241234567", "(724) 123-4567",
                                  "724.123.4567", "17241234567"])  # fmt: skip
def test_a_phone_is_stored_as_its_digits_a_10_digit_one_as_us(sim, sent):
    track(sim, {"external_id": "user-00000002", "phone": sent})
    assert sim.profile("external_id", "user-00000002")["phone"] == "17241234567"


@pytest.mark.parametrize("lookup", ["+17241234567", "(724) 123-4567", "+1 724 123 4567"])
def test_a_phone_finds_the_user_however_it_is_written(sim, lookup):
    track(sim, {"external_id": "user-00000002", "phone": "+1 (724) 123-4567"})
    assert sim.profile("phone", lookup)["external_id"] == "user-00000002"
    track(sim, {"phone": lookup, "found_by_phone": True})
    assert sim.profile("external_id", "user-00000002")["custom_attributes"] == {
        "found_by_phone": True
    }


def test_an_international_number_keeps_its_country_code(sim):
    track(sim, {"external_id": "user-00000002", "phone": "+44 20 7183 8750"})
    assert sim.profile("phone", "442071838750")["external_id"] == "user-00000002"
    assert sim.profile("phone", "2071838750") is None  # 10 digits without +: a U.S. number


@pytest.mark.parametrize("value", ["no digits", 7241234567, ""])
def test_a_phone_that_is_not_a_string_of_digits_rejects_the_object(sim, value):
    status, answer = track(sim, {"external_id": "user-00000002", "phone": value})
    assert status == 400
    assert answer["errors"][0]["type"] == "'phone' is not valid"


# -- blocklisted external ids ----------------------------------------------------------------------


def test_a_blocklisted_external_id_is_refused_with_brazes_words():
    sim = BrazeSimulator(SimConfig(users=5, blocklisted_external_ids=frozenset({"user-00000001"})))
    status, answer = sim.track(
        {
            "attributes": [
                {"external_id": "user-00000001", "a": 1},
                {"external_id": "user-00000002", "a": 1},
            ],
            "events": [{"external_id": "user-00000001", "name": "e", "time": "2024-01-01"}],
        }
    )
    assert status == 201
    assert answer["errors"] == [
        {"type": "provided external_id is blacklisted and disallowed", "input_array": "attributes",
         "index": 0},
        {"type": "provided external_id is blacklisted and disallowed", "input_array": "events",
         "index": 0},
    ]  # fmt: skip
    assert sim.profile("external_id", "user-00000001")["custom_attributes"] == {}
    assert sim.profile("external_id", "user-00000002")["custom_attributes"] == {"a": 1}
