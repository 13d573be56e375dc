"""What Looker shows of the braze_subscriptions action: its definition, settings and form.

The settings have the flag action's names (``braze_api_key``, ``braze_api_endpoint``), so the
same checks (options.check_settings) read them; the key needs another permission.
"""

from __future__ import annotations

from looker_braze.actions.braze.definition import (
    braze_definition,
    braze_params,
    dry_run_field,
    unique_key_field,
    yes_no_field,
)
from looker_braze.actions.braze.subscriptions.tags import GROUP_TAG, STATE_TAG
from looker_braze.actions.braze.tags import ID_TAG
from looker_braze.braze.subscriptions import KEY_KINDS, PERMISSION
from looker_braze.hub.protocol import (
    ActionDefinition,
    ActionRequest,
    Form,
    FormField,
    FormOption,
    LookerContext,
)

NAME = "braze_subscriptions"
FROM_ROWS = "from_look"  # the form's choice of a state read from each row
NOT_ACCEPTED = (
    "user_alias and braze_id are not offered: Braze's /v2/subscription/status/set takes only "
    "external ids, emails and phones"
)

PARAMS = braze_params(f"A Braze REST API key of the workspace, with the {PERMISSION} permission.")


def definition(looker: LookerContext) -> ActionDefinition:
    return braze_definition(
        looker,
        NAME,
        "Braze Subscriptions",
        "Subscribe or unsubscribe a Look's users to Braze subscription groups "
        f"(/v2/subscription/status/set): tag the identifier '{ID_TAG}', and optionally "
        f"'{GROUP_TAG}' and '{STATE_TAG}' fields. Not billed as data points.",
        PARAMS,
    )


def form(request: ActionRequest) -> Form:
    return Form(
        (
            unique_key_field(
                KEY_KINDS,
                f"What the field tagged '{ID_TAG}' holds. Emails go to email groups, phones "
                f"(made E.164) to SMS groups; external ids to either. {NOT_ACCEPTED}.",
            ),
            FormField(
                name="braze_subscription_group",
                label="Subscription Group ID",
                description=(
                    "The group's id (a UUID, in Braze under Audience > Subscriptions). A row's "
                    f"field tagged '{GROUP_TAG}' overrides it; leave it empty when every row "
                    "names its group."
                ),
            ),
            FormField(
                name="braze_subscription_state",
                label="Subscription State",
                type="select",
                description=(
                    f"What to set. A row's field tagged '{STATE_TAG}' overrides it; 'From the "
                    "Look' needs that field in every row."
                ),
                default="subscribed",
                options=(
                    FormOption("subscribed", "Subscribed"),
                    FormOption("unsubscribed", "Unsubscribed"),
                    FormOption(FROM_ROWS, "From the Look"),
                ),
            ),
            yes_no_field(
                "braze_double_opt_in",
                "SMS Double Opt-In",
                "SMS groups only. Yes: subscribing sends Braze's double opt-in prompt instead (at "
                "most one a user a day; users Braze does not know are left as they are).",
                "no",
            ),
            dry_run_field("Yes: check every row, list the requests that would go, send nothing."),
        )
    )


def field_labels() -> dict[str, str]:
    every = form(ActionRequest())
    return {
        **{param.name: param.label for param in PARAMS},
        **{field.name: field.label for field in every.fields},
    }
