"""What Looker shows of the events action: its definition (the flag action's settings: one Braze
key and endpoint serve both) and its form."""

from __future__ import annotations

from looker_braze.actions.braze.definition import (
    DEFAULT_ALIAS_LABEL,
    KEY_KINDS,
    PARAMS,
    icon_data_uri,
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
_YES_NO = (FormOption("yes", "Yes"), FormOption("no", "No"))


def definition(looker: LookerContext) -> ActionDefinition:
    # The streaming format where Looker has it, as the flag action (definition.py says why).
    formats = ("json_detail_lite_stream",) if looker.at_least(6, 2) else ("json_detail",)
    return ActionDefinition(
        name=NAME,
        label="Braze Events",
        description=(
            "Send each row of a Look to Braze as one custom event or purchase (users/track), "
            f"exactly once: tag the user '{ID_TAG}', the time '{tags.TIME}', the name "
            f"'{tags.EVENT_NAME}' and properties 'braze_property[<name>]'."
        ),
        params=PARAMS,
        required_fields=({"tag": ID_TAG},),
        supported_action_types=("query",),
        supported_formats=formats,
        supported_formattings=("unformatted",),
        supported_visualization_formattings=("noapply",),
        supported_download_settings=("url",),
        icon_data_uri=icon_data_uri(),
    )


def form(request: ActionRequest) -> Form:
    answers = request.form_params
    kind = answers.get("braze_kind", "event")
    fields = [
        FormField(
            name="braze_kind",
            label="Send As",
            type="select",
            description="event: each row is a custom event. purchase: each row is a purchase.",
            default="event",
            required=True,
            interactive=True,
            options=(FormOption("event", "Custom events"), FormOption("purchase", "Purchases")),
        ),
        FormField(
            name="braze_key",
            label="Unique Key",
            type="select",
            description=f"What the field tagged '{ID_TAG}' holds: how Braze finds each user.",
            default="external_id",
            required=True,
            interactive=True,
            options=tuple(FormOption(kind, kind) for kind in KEY_KINDS),
        ),
    ]
    if answers.get("braze_key") == "user_alias":
        fields.append(
            FormField(
                name="braze_alias_label",
                label="Alias Label",
                description="The alias label; the tagged field holds the alias name.",
                default=DEFAULT_ALIAS_LABEL,
                required=True,
            )
        )
    if kind == "purchase":
        fields.append(
            FormField(
                name="braze_currency",
                label="Currency",
                description=(
                    f"The ISO-4217 code (e.g. USD) of rows whose '{tags.CURRENCY}' field is "
                    "empty, or of every row when no field is tagged so."
                ),
            )
        )
    else:
        fields.append(
            FormField(
                name="braze_event_name",
                label="Event Name",
                description=(
                    f"The event's name for rows whose '{tags.EVENT_NAME}' field is empty, or for "
                    "every row when no field is tagged so."
                ),
            )
        )
    fields += [
        FormField(
            name="braze_update_existing_only",
            label="Update Existing Users Only",
            type="select",
            description="Yes: events of users Braze does not know are dropped by Braze.",
            default="yes",
            options=_YES_NO,
        ),
        FormField(
            name="braze_resend_unknown",
            label="Resend Events of Unknown Outcome",
            type="select",
            description=(
                "Events whose request got no answer (a timeout, a stopped run) are held, never "
                "sent twice blindly. Yes: send them again; check in Braze first, as those that "
                "did arrive will be duplicated."
            ),
            default="no",
            options=_YES_NO,
        ),
        FormField(
            name="braze_dry_run",
            label="Dry Run",
            type="select",
            description="Yes: read and check every row, list what would be sent, send nothing.",
            default="no",
            options=_YES_NO,
        ),
    ]
    return Form(tuple(fields))


def field_labels() -> dict[str, str]:
    every = form(ActionRequest(form_params={"braze_key": "user_alias"})).fields
    purchase = form(ActionRequest(form_params={"braze_kind": "purchase"})).fields
    return {f.name: f.label for f in (*every, *purchase)}
