"""What Looker shows of the events action: its definition (the flag action's settings: one Braze
key and endpoint serve both) and its form."""

from __future__ import annotations

from looker_braze.actions.braze.definition import (
    braze_definition,
    dry_run_field,
    identity_fields,
    yes_no_field,
)
from looker_braze.actions.braze.events import tags
from looker_braze.actions.braze.tags import ID_TAG
from looker_braze.hub.protocol import (
    ActionDefinition,
    ActionRequest,
    Form,
    FormField,
    FormOption,
    LookerContext,
)

NAME = "braze_events"


def definition(looker: LookerContext) -> ActionDefinition:
    return braze_definition(
        looker,
        NAME,
        "Braze Events",
        "Send each row of a Look to Braze as one custom event or purchase (users/track), "
        f"exactly once: tag the user '{ID_TAG}', the time '{tags.TIME}', the name "
        f"'{tags.EVENT_NAME}' and properties 'braze_property[<name>]'.",
    )


def form(request: ActionRequest) -> Form:
    kind_field = FormField(
        name="braze_kind",
        label="Send As",
        type="select",
        description="event: each row is a custom event. purchase: each row is a purchase.",
        default="event",
        required=True,
        interactive=True,
        options=(FormOption("event", "Custom events"), FormOption("purchase", "Purchases")),
    )
    fields = [kind_field, *identity_fields(request), _default_field(request)]
    fields += [
        yes_no_field(
            "braze_update_existing_only",
            "Update Existing Users Only",
            "Yes: events of users Braze does not know are dropped by Braze.",
            "yes",
        ),
        yes_no_field(
            "braze_resend_unknown",
            "Resend Events of Unknown Outcome",
            "Events whose request got no answer (a timeout, a stopped run) are held, never "
            "sent twice blindly. Yes: send them again; check in Braze first, as those that "
            "did arrive will be duplicated.",
            "no",
        ),
        dry_run_field("Yes: read and check every row, list what would be sent, send nothing."),
    ]
    return Form(tuple(fields))


def _default_field(request: ActionRequest) -> FormField:
    """The value of rows whose field is empty: a currency for purchases, else a name."""
    if request.form_params.get("braze_kind") == "purchase":
        return FormField(
            name="braze_currency",
            label="Currency",
            description=(
                f"The ISO-4217 code (e.g. USD) of rows whose '{tags.CURRENCY}' field is "
                "empty, or of every row when no field is tagged so."
            ),
        )
    return FormField(
        name="braze_event_name",
        label="Event Name",
        description=(
            f"The event's name for rows whose '{tags.EVENT_NAME}' field is empty, or for "
            "every row when no field is tagged so."
        ),
    )


def field_labels() -> dict[str, str]:
    every = form(ActionRequest(form_params={"braze_key": "user_alias"})).fields
    purchase = form(ActionRequest(form_params={"braze_kind": "purchase"})).fields
    return {f.name: f.label for f in (*every, *purchase)}
