"""The braze_subscriptions action's parts without HTTP: form answers, the mapper, and a property
test of the pipeline's accounting (every row read ends in exactly one bucket, and what is sent is
exactly the first valid row of each user and group)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.actions.braze.options import InvalidForm
from looker_braze.actions.braze.subscriptions.mapping import SubscriptionMapper
from looker_braze.actions.braze.subscriptions.options import run_options
from looker_braze.actions.braze.subscriptions.pipeline import DryRequests, send_rows
from looker_braze.actions.braze.subscriptions.report import SubscriptionReport
from looker_braze.braze.subscriptions import RequestPlanner
from looker_braze.errors import FailRun, RejectRow
from looker_braze.hub.action import RunProgress
from looker_braze.hub.document import Document, Field, Fields
from looker_braze.hub.protocol import ActionRequest

KEY = "sim-key-0123456789"
SETTINGS = {"braze_api_key": KEY, "braze_api_endpoint": "https://rest.iad-01.braze.com"}
GROUP = "5f0b2c4e-1111-4111-8111-abcdefabcdef"
OTHER = "5f0b2c4e-2222-4222-8222-abcdefabcdef"


def options(**form):
    return run_options(ActionRequest(params=SETTINGS, form_params=form), ())


def fields(*tags: str) -> Fields:
    return Fields(tuple(Field(f"f.{t}", t, "string", (t,), False, "dimension") for t in tags))


def test_form_defaults_and_choices():
    chosen = options(braze_subscription_group=GROUP.upper(), braze_subscription_state="Subscribed")
    assert (chosen.key_kind, chosen.group, chosen.state) == ("external_id", GROUP, "subscribed")
    assert not chosen.double_opt_in and not chosen.dry_run
    from_rows = options(braze_subscription_state="from_look", braze_double_opt_in="yes")
    assert (from_rows.group, from_rows.state, from_rows.double_opt_in) == (None, None, True)


def test_every_bad_form_answer_is_listed_at_once():
    with pytest.raises(InvalidForm) as refused:
        options(braze_key="user_alias", braze_subscription_group="x", braze_dry_run="perhaps")
    assert set(refused.value.errors) == {"braze_key", "braze_subscription_group", "braze_dry_run"}


def test_the_api_key_pasted_in_the_form_is_refused_without_quoting_it():
    with pytest.raises(FailRun) as refused:
        options(braze_subscription_group=KEY)
    assert KEY not in str(refused.value) and "holds the Braze API key" in str(refused.value)
    with pytest.raises(RejectRow) as refused:  # a row's cell: any UUID-bearing text is hidden
        SubscriptionMapper(
            fields("braze_id", "braze_subscription_group"),
            options(braze_subscription_state="subscribed"),
        ).subscription(("u1", "{" + GROUP + "}"))
    assert GROUP not in refused.value.reason and "looks like an API key" in refused.value.reason


def test_a_cell_overrides_the_form_and_an_empty_cell_takes_it():
    mapper = SubscriptionMapper(
        fields("braze_id", "braze_subscription_group", "braze_subscription_state"),
        options(braze_subscription_group=GROUP, braze_subscription_state="unsubscribed"),
    )
    assert mapper.select == (
        "f.braze_id",
        "f.braze_subscription_group",
        "f.braze_subscription_state",
    )
    assert mapper.subscription((" u1 ", None, "")) == ("u1", GROUP, "unsubscribed")
    assert mapper.subscription(("u1", OTHER, "SUBSCRIBED")) == ("u1", OTHER, "subscribed")
    with pytest.raises(RejectRow, match="not a UUID"):
        mapper.subscription(("u1", "nope", None))


def test_rows_without_a_state_anywhere_are_rejected_and_looks_without_one_refused():
    mapper = SubscriptionMapper(
        fields("braze_id", "braze_subscription_state"), options(braze_subscription_group=GROUP)
    )
    with pytest.raises(RejectRow, match="no subscription state"):
        mapper.subscription(("u1", None))
    with pytest.raises(FailRun, match="No subscription state"):
        SubscriptionMapper(fields("braze_id"), options(braze_subscription_group=GROUP))
    with pytest.raises(FailRun, match="Several fields are tagged 'braze_subscription_group'"):
        SubscriptionMapper(
            Fields((*fields("braze_id").fields, *fields("braze_subscription_group").fields * 2)),
            options(braze_subscription_state="subscribed"),
        )


def test_phones_are_made_e164_by_the_shared_phone_rules():
    mapper = SubscriptionMapper(
        fields("braze_id"),
        options(
            braze_key="phone", braze_subscription_group=GROUP, braze_subscription_state="subscribed"
        ),
    )
    assert mapper.subscription(("(724) 123-4567",)).identifier == "+17241234567"
    assert mapper.subscription((7241234567.0,)).identifier == "+17241234567"
    with pytest.raises(RejectRow, match="invalid phone"):
        mapper.subscription(("724-1234",))


# ---------------------------------------------------------------- accounting, a property


@dataclass
class Stream:
    fields: Fields
    rows: list
    document: Document = field(default_factory=Document)

    async def batches(self, select):
        for start in range(0, len(self.rows), 7):
            yield self.rows[start : start + 7]


ids = st.one_of(st.none(), st.just(""), st.sampled_from(["u1", "u2", " u3", "u4", "u5"]))
groups = st.one_of(st.none(), st.sampled_from([GROUP, OTHER, OTHER.upper(), "bad"]))
states = st.one_of(st.none(), st.sampled_from(["subscribed", "Unsubscribed", "maybe", ""]))
looks = st.lists(st.one_of(st.tuples(ids, groups, states), st.none()), max_size=120)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(looks, st.booleans(), st.sampled_from([None, 50]))
def test_every_row_is_accounted_for_and_the_first_valid_row_of_a_pair_is_sent(
    rows, form_state, cap
):
    chosen = options(
        braze_subscription_group=GROUP,
        braze_subscription_state="subscribed" if form_state else "from_look",
    )
    tags = ("braze_id", "braze_subscription_group", "braze_subscription_state")
    mapper = SubscriptionMapper(fields(*tags), chosen)
    report = SubscriptionReport(RunProgress("braze_subscriptions", None), dry_run=True)
    sent: list = []

    class Recording(DryRequests):
        async def submit(self, request):
            await super().submit(request)
            for entry in request.entries:
                sent.extend((entry.group, identifier, entry.state) for identifier in entry.ids)

    planner = RequestPlanner("external_id", max_groups=2, max_ids=3)
    asyncio.run(
        send_rows(Stream(fields(*tags), rows), mapper, planner, Recording(report), report, cap)
    )
    report.count_unaccounted()
    read = rows[:cap] if cap is not None else rows
    assert report.read == len(read) and report.accounted == report.read
    assert report.not_sent == 0 and report.would_send == len(sent)
    expected, first = [], {}
    for row in read:
        try:
            sub = mapper.subscription(row)
        except RejectRow:
            continue
        if (sub.group, sub.identifier) not in first:
            first[(sub.group, sub.identifier)] = sub.state
            expected.append((sub.group, sub.identifier, sub.state))
    assert sorted(sent) == sorted(expected)
