"""The subscription tags as the flag action and `check` read them: another action's tags, not
malformed ones; a typo of them still is."""

from __future__ import annotations

from looker_braze.actions.braze.mapping import ignored_tags
from looker_braze.check import Status
from looker_braze.check.fields import analyse_tags, tag_findings
from looker_braze.hub.document import parse_fields


def look_fields(*tags: str):
    dimensions = [{"name": "users.id", "type": "string", "tags": ["braze_id"]}]
    dimensions += [
        {"name": f"users.f{i}", "type": "string", "tags": [t]} for i, t in enumerate(tags)
    ]
    return parse_fields({"dimensions": dimensions, "measures": []})


def test_subscription_tags_are_another_actions_and_a_typo_is_malformed():
    fields = look_fields(
        "braze_subscription_group", "braze_subscription_state", "braze_subscription"
    )
    analysis = analyse_tags(fields, "external_id", "looker_export")
    assert analysis.malformed == (("users.f2", "braze_subscription"),)
    checks = ("look.tags", "look.subscriptions")
    findings = [f for f in tag_findings(analysis, "look", "external_id") if f.check in checks]
    told = {f.message.split("'")[1]: f.status for f in findings}
    assert told == {
        "braze_subscription_group": Status.PASS,
        "braze_subscription_state": Status.PASS,
        "braze_subscription": Status.PROBLEM,
    }
    assert any("read by the braze_subscriptions action" in f.message for f in findings)
    # The flag action's answer lists only the malformed one as ignored.
    assert ignored_tags(fields) == ("users.f2: braze_subscription",)
