"""What Looker shows of braze_trigger: its definition, settings and form."""

from __future__ import annotations

from looker_braze.actions.braze.definition import (
    braze_definition,
    braze_params,
    dry_run_field,
    identity_fields,
)
from looker_braze.actions.braze.tags import ID_TAG
from looker_braze.actions.braze.trigger.tags import PROPERTY_TAG
from looker_braze.braze.triggers import DEFAULT_PRIORITIZATION, RECIPIENT_FIELDS, TargetKind
from looker_braze.hub.protocol import (
    ActionDefinition,
    ActionRequest,
    Form,
    FormField,
    FormOption,
    LookerContext,
)

NAME = "braze_trigger"
KEY_KINDS = tuple(RECIPIENT_FIELDS)  # external_id, braze_id, email, user_alias
# Email recipients need an order of preference among the users sharing the address [S31].
PRIORITIZATIONS = {
    "identified,most_recently_updated": "Identified first, then the most recently updated",
    "identified,least_recently_updated": "Identified first, then the least recently updated",
    "unidentified,most_recently_updated": "Unidentified first, then the most recently updated",
    "most_recently_updated": "The most recently updated",
}
DEFAULT_PRIORITIZATION_TEXT = ",".join(DEFAULT_PRIORITIZATION)
PARAMS = braze_params(
    "A Braze REST API key of the workspace, with the campaigns.trigger.send permission (for "
    "campaigns) or canvas.trigger.send (for Canvases)."
)


def definition(looker: LookerContext) -> ActionDefinition:
    return braze_definition(
        looker,
        NAME,
        "Braze: trigger a campaign or Canvas",
        "Send an API-triggered Braze campaign or Canvas to the users of a Look: tag the "
        f"identifier field '{ID_TAG}' and per-user property fields '{PROPERTY_TAG}'. Nobody is "
        "messaged twice by the same send.",
        PARAMS,
    )


def form(request: ActionRequest) -> Form:
    key = request.form_params.get("braze_key", "external_id")
    fields = [
        FormField(
            name="braze_target_kind",
            label="Send",
            type="select",
            description="An API-triggered campaign, or a Canvas with API-triggered entry.",
            default=TargetKind.CAMPAIGN,
            required=True,
            options=(
                FormOption(TargetKind.CAMPAIGN, "Campaign"),
                FormOption(TargetKind.CANVAS, "Canvas"),
            ),
        ),
        FormField(
            name="braze_target_id",
            label="Campaign or Canvas ID",
            description="Its API identifier, from its page in Braze.",
            required=True,
        ),
        FormField(
            name="braze_recipient_cap",
            label="Recipient Cap",
            description=(
                "The most users this send may message. A Look with more distinct users is "
                "refused before anything is sent."
            ),
            required=True,
        ),
        FormField(
            name="braze_send_label",
            label="Send Label",
            description=(
                "Names this send: users it already messaged are never messaged again by it. "
                "Empty: one send per campaign or Canvas. A new label is a new send, which may "
                "message the same users again."
            ),
        ),
        *identity_fields(request, KEY_KINDS),
    ]
    if key == "email":
        fields.append(
            FormField(
                name="braze_prioritization",
                label="Users Sharing an Email",
                type="select",
                description="Which user receives the message when several have the address.",
                default=DEFAULT_PRIORITIZATION_TEXT,
                options=tuple(FormOption(k, label) for k, label in PRIORITIZATIONS.items()),
            )
        )
    fields.append(
        dry_run_field("Yes: check every row and list who would receive it; send nothing.")
    )
    return Form(tuple(fields))
