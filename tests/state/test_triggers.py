"""The trigger ledger on SQLite and PostgreSQL: claimed before sending, sent after, released when
Braze sent nothing; a second claim of the same send never hands a recipient out again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from looker_braze.state import open_store
from looker_braze.state.triggers import PENDING, SENT, SendKey, TriggerLedger

from .conftest import WORKSPACE

KEY = SendKey(WORKSPACE, "campaign:c-1", "label:spring")


def test_claim_then_sent_then_a_second_claim_hands_out_nobody(store):
    ledger = TriggerLedger(store, KEY)
    assert ledger.claim(["external_id:a", "external_id:b"], run_id=1) == {}
    ledger.mark_sent(["external_id:a"], "d-1", run_id=1)
    again = ledger.claim(["external_id:a", "external_id:b", "external_id:c"], run_id=2)
    assert again == {"external_id:a": SENT, "external_id:b": PENDING}
    assert ledger.dispatch_ids(1) == ["d-1"]


def test_release_drops_only_this_runs_pending_rows(store):
    ledger = TriggerLedger(store, KEY)
    ledger.claim(["a", "b"], run_id=1)
    ledger.mark_sent(["a"], "d-1", run_id=1)
    ledger.release(["a", "b"], run_id=2)  # another run's: nothing goes
    assert ledger.states(["a", "b"]) == {"a": SENT, "b": PENDING}
    ledger.release(["a", "b"], run_id=1)  # a was sent: it stays
    assert ledger.states(["a", "b"]) == {"a": SENT}


def test_other_send_keys_targets_and_workspaces_are_apart(store):
    TriggerLedger(store, KEY).claim(["a"], run_id=1)
    for other in (
        SendKey(WORKSPACE, "campaign:c-1", "label:autumn"),
        SendKey(WORKSPACE, "canvas:c-1", "label:spring"),
        SendKey(WORKSPACE + "x", "campaign:c-1", "label:spring"),
    ):
        assert TriggerLedger(store, other).claim(["a"], run_id=1) == {}


def test_two_stores_claiming_at_once_never_both_get_a_recipient(store_url):
    names = [f"u{i}" for i in range(200)]

    def claim(_):
        with open_store(store_url) as opened:
            known = TriggerLedger(opened, KEY).claim(names, run_id=1)
        return [name for name in names if name not in known]

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(claim, range(2))
    assert sorted(first + second) == sorted(names)


_EXAMPLES = iter(range(10**6))


@settings(
    max_examples=12, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=8), max_size=5))
def test_no_recipient_is_marked_sent_twice_across_runs(store, runs):
    ledger = TriggerLedger(store, SendKey(WORKSPACE, "canvas:x", f"k{next(_EXAMPLES)}"))
    marked: list[str] = []
    for run_id, names in enumerate(runs, start=1):
        unique = list(dict.fromkeys(names))
        known = ledger.claim(unique, run_id)
        mine = [name for name in unique if name not in known]
        assert not set(mine) & set(marked)  # a sent recipient is never handed out again
        marked += mine[::2]
        ledger.mark_sent(mine[::2], f"d{run_id}", run_id)
        ledger.release(mine[1::2], run_id)  # Braze sent nothing: may be handed out again
    assert len(marked) == len(set(marked))
    assert ledger.states(list("abcdefgh")) == dict.fromkeys(marked, SENT)


def test_a_store_that_has_a_later_migration_still_gets_the_ledger(store_url):
    """Migration 4 lands after 6 (numbers were reserved): a store at 6 without 4 gets it."""
    with open_store(store_url) as first, first.transaction("forget migration 4") as conn:
        conn.execute("DROP TABLE trigger_recipients")
        conn.execute("DELETE FROM schema_version WHERE version = 4")
    with open_store(store_url) as second:
        assert TriggerLedger(second, KEY).claim(["a"], run_id=1) == {}
        with second.transaction("read the versions") as conn:
            versions = sorted(v for (v,) in conn.execute("SELECT version FROM schema_version"))
    assert 4 in versions and versions == sorted(set(versions))
