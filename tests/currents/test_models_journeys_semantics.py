"""Journeys and outcomes on a small world whose every figure is worked out by hand: who counts
as treatment or control, which conversions and exits count, re-delivered rows, and what a
campaign or Canvas without a control group shows.

Campaign Spring (email): sent to a and b (a twice, the second row delivered twice), control
users c and d, and a enrolled in control too (a user the campaign reached is treatment). a and c
convert (a twice), and e, who is in neither group, converts: 2 treatment users, 1 converted
(50%); 2 control users, 1 converted (50%); lift 0. Campaign Summer (push): sent to a, who
converts: no control group. Campaign Autumn: sent to b, control user c who does not convert:
no control conversions, so no relative lift.

Canvas Welcome: a, b, c enter, c in control; a (twice) and b reach Step 1 (next: Step 2), a reaches
Step 2 (the last step); b exits at Step 1 (matched the audience), e (who never entered) exits
too; a and c convert, e converts. Experiment at Step 1: a on Path A (converts), b on Path B.
"""

from __future__ import annotations

import pytest

from looker_braze.currents.models import run
from looker_braze.currents.warehouse import connect
from tests.currents.test_models_support import create_tables, epoch

EMAIL_SEND, PUSH_SEND = "users.messages.email.Send", "users.messages.pushnotification.Send"
CONTROL, CONVERSION = "users.campaigns.EnrollInControl", "users.campaigns.Conversion"
C = "users.canvas."


def _campaign(name: str, user: str, when: str, **extra) -> dict:
    return {
        "user_id": user,
        "time": epoch(when),
        "campaign_id": f"id-{name}",
        "campaign_name": name,
        **extra,
    }


def _canvas(user: str, when: str, step: str = "Step 1", **extra) -> dict:
    return {
        "user_id": user,
        "time": epoch(when),
        "canvas_id": "k1",
        "canvas_name": "Welcome",
        "canvas_variation_id": "kv1",
        "canvas_step_id": f"k1-{step}",
        "canvas_step_name": step,
        **extra,
    }


def _world() -> dict[str, list[dict]]:
    again = _campaign("Spring", "a", "2024-01-03 10:00", id="resent", email_address="a@x")
    split = {"experiment_step_id": "k1-Step 1"}
    path_a = {**split, "experiment_split_id": "pa", "experiment_split_name": "Path A"}
    path_b = {**split, "experiment_split_id": "pb", "experiment_split_name": "Path B"}
    advance = {"progression_type": "advance", "canvas_entry_id": "x"}
    return {
        EMAIL_SEND: [
            _campaign("Spring", "a", "2024-01-02 10:00", email_address="a@x"),
            _campaign("Spring", "b", "2024-01-02 10:00", email_address="b@x"),
            again,
            again,
            _campaign("Autumn", "b", "2024-01-02 11:00", email_address="b@x"),
        ],
        PUSH_SEND: [_campaign("Summer", "a", "2024-01-02 12:00", app_id="app")],
        CONTROL: [_campaign("Spring", u, "2024-01-02 10:00") for u in ("c", "d", "a")]
        + [_campaign("Autumn", "c", "2024-01-02 11:00")],
        CONVERSION: [
            _campaign("Spring", u, f"2024-01-0{day} 12:00") for u, day in (("a", 3), ("a", 4))
        ]
        + [_campaign("Spring", u, "2024-01-03 12:00") for u in ("c", "e")]
        + [_campaign("Summer", "a", "2024-01-03 12:00")],
        C + "Entry": [_canvas(u, "2024-01-02 09:00", in_control_group=u == "c") for u in "abc"],
        "users.canvasstep.Progression": [
            _canvas("a", "2024-01-02 09:00", next_step_id="k1-Step 2", **advance),
            _canvas("a", "2024-01-02 09:30", next_step_id="k1-Step 2", **advance),
            _canvas("b", "2024-01-02 09:00", next_step_id="k1-Step 2", **advance),
            _canvas("a", "2024-01-03 09:00", "Step 2", **advance),
            _canvas("b", "2024-01-02 10:00", progression_type="exit", canvas_entry_id="x"),
        ],
        C + "exit.MatchedAudience": [
            _canvas("b", "2024-01-02 10:00"),
            _canvas("e", "2024-01-02 10:00"),
        ],
        C + "experimentstep.SplitEntry": [
            _canvas("a", "2024-01-02 09:01", in_control_group=False, **path_a),
            _canvas("b", "2024-01-02 09:01", in_control_group=False, **path_b),
        ],
        C + "experimentstep.Conversion": [_canvas("a", "2024-01-02 20:00", **path_a)],
        C + "Conversion": [_canvas(u, "2024-01-04 09:00") for u in ("a", "c", "e")],
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    with connect(tmp_path_factory.mktemp("journeys") / "world.duckdb") as warehouse:
        create_tables(warehouse, _world())
        yield warehouse


def _by(rows: list[dict], key: str) -> dict:
    return {r[key]: r for r in rows}


def test_campaign_lift_counts_users_of_each_group(warehouse):
    rows = _by(run(warehouse, "campaign_lift").records(), "campaign_name")
    spring = rows["Spring"]
    assert (spring["treatment_users"], spring["treatment_converted"]) == (2, 1)
    assert (spring["control_users"], spring["control_converted"]) == (2, 1)
    assert spring["conversion_rate"] == spring["control_conversion_rate"] == 0.5
    assert spring["absolute_lift"] == spring["relative_lift"] == 0.0
    assert spring["lift_note"] is None
    summer = rows["Summer"]
    assert (summer["treatment_users"], summer["conversion_rate"]) == (1, 1.0)
    assert summer["absolute_lift"] is None and summer["relative_lift"] is None
    assert summer["lift_note"] == "no control group"
    autumn = rows["Autumn"]
    assert autumn["absolute_lift"] == 0.0 and autumn["relative_lift"] is None
    assert autumn["lift_note"] == "no control conversions"
    [pooled] = run(warehouse, "campaign_lift_total").records()
    assert (pooled["treatment_users"], pooled["control_users"]) == (3, 3)  # Spring + Autumn
    assert pooled["campaigns_without_control"] == 1
    assert pooled["absolute_lift"] == pytest.approx(1 / 3 - 1 / 3)


def test_the_time_filter_bounds_both_groups(warehouse):
    """Only the sends, enrolments and conversions of the selected days count."""
    after = {"start": "2024-01-03", "end": "2024-01-05"}
    rows = _by(run(warehouse, "campaign_lift", after).records(), "campaign_name")
    spring = rows["Spring"]  # only a's re-send and the conversions of Jan 3-4 are left
    assert (spring["treatment_users"], spring["treatment_converted"]) == (1, 1)
    assert spring["control_users"] == 0 and spring["lift_note"] == "no control group"


def test_canvas_journeys_count_entered_users_only(warehouse):
    [welcome] = run(warehouse, "canvas_journeys").records()
    assert (welcome["entered_users"], welcome["control_users"]) == (3, 1)
    assert welcome["treatment_users"] == 2
    assert welcome["exited_matched_audience"] == 1  # b; e never entered
    assert welcome["matched_audience_exit_rate"] == 0.5
    assert (welcome["converted_users"], welcome["conversion_rate"]) == (1, 0.5)  # a, not e
    assert (welcome["control_converted_users"], welcome["control_conversion_rate"]) == (1, 1.0)
    assert welcome["conversion_lift"] == -0.5 and welcome["lift_note"] is None
    [week] = run(warehouse, "canvas_weekly").records()
    assert (str(week["week_start"]), week["entered_users"]) == ("2024-01-01", 3)


def test_steps_and_experiment_paths(warehouse):
    steps = _by(run(warehouse, "canvas_steps").records(), "canvas_step_name")
    one, two = steps["Step 1"], steps["Step 2"]
    assert (one["users_reached"], one["users_moved_on"], one["progression_rate"]) == (2, 1, 0.5)
    assert one["step_entries"] == 3  # a entered Step 1 twice: two entries, one user
    assert one["exited_matched_audience"] == 1 and one["matched_audience_exit_rate"] == 0.5
    assert (two["users_reached"], two["progression_rate"]) == (1, None)
    paths = _by(run(warehouse, "canvas_experiments").records(), "path_name")
    assert paths["Path A"]["path_share"] == paths["Path B"]["path_share"] == 0.5
    assert (paths["Path A"]["converted_users"], paths["Path A"]["conversion_rate"]) == (1, 1.0)
    assert (paths["Path B"]["converted_users"], paths["Path B"]["conversion_rate"]) == (0, 0.0)
