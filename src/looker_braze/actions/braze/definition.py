"""What Looker shows of the Braze action: its definition, settings and form.

Names, params, tags and form fields are the reference hub's, so an existing Looker set-up (stored
settings, schedules with form values) keeps working; the extra form fields have defaults that
reproduce the reference behaviour.
"""

from __future__ import annotations

import base64
import dataclasses
from functools import cache
from importlib.resources import files

from looker_braze.actions.braze.modes import Mode
from looker_braze.actions.braze.tags import ID_TAG
from looker_braze.hub.protocol import (
    ActionDefinition,
    ActionRequest,
    Form,
    FormField,
    FormOption,
    LookerContext,
    Param,
)

NAME = "braze"
DEFAULT_LABEL = "LOOKER_EXPORT"
DEFAULT_ARRAY_ATTRIBUTE = "looker_export"
DEFAULT_ALIAS_LABEL = "looker"
KEY_KINDS = ("external_id", "braze_id", "user_alias", "email", "phone")

API_KEY_PARAM = "braze_api_key"
PARAMS = (
    Param(
        name="braze_description",
        label="Braze Description",
        description="A note for admins: which Braze workspace this action sends to.",
    ),
    Param(
        name=API_KEY_PARAM,
        label="Braze API Key",
        required=True,
        sensitive=True,
        description="A Braze REST API key of the workspace, with the users.track permission.",
    ),
    Param(
        name="braze_api_endpoint",
        label="Braze REST API Endpoint",
        required=True,
        description="Your Braze instance's REST endpoint, e.g. https://rest.iad-01.braze.com.",
    ),
)


def braze_params(key_needs: str) -> tuple[Param, ...]:
    """The flag action's settings (options.check_settings reads every action's by these names),
    the API key's description saying what another action's endpoints need (``key_needs``)."""
    return tuple(
        dataclasses.replace(p, description=key_needs) if p.name == API_KEY_PARAM else p
        for p in PARAMS
    )


YES_NO_OPTIONS = (FormOption("yes", "Yes"), FormOption("no", "No"))


@cache
def icon_data_uri() -> str:
    svg = files("looker_braze.actions.braze").joinpath("icon.svg").read_bytes()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def definition(looker: LookerContext) -> ActionDefinition:
    return braze_definition(
        looker,
        NAME,
        "Braze",
        "Flag the users of a Look in Braze (users/track) for segmentation: tag the identifier "
        f"field '{ID_TAG}' and attribute fields 'braze[<attribute>]'.",
    )


def braze_definition(
    looker: LookerContext,
    name: str,
    label: str,
    description: str,
    params: tuple[Param, ...] = PARAMS,
    id_tag: str = ID_TAG,
) -> ActionDefinition:
    """The definition every Braze action shares but for its name, label and description (and,
    for an action whose rows are not users, its settings and the tag of its one required field)."""
    # Only the streaming format to Looker 6.2 and later, as Looker's own streaming actions do
    # (segment, marketo, hubspot ... in the reference hub): json_detail stops at 5,000 rows, so a
    # user who could pick it would sync a truncated audience.
    formats = ("json_detail_lite_stream",) if looker.at_least(6, 2) else ("json_detail",)
    return ActionDefinition(
        name=name,
        label=label,
        description=description,
        params=params,
        required_fields=({"tag": id_tag},),
        supported_action_types=("query",),
        supported_formats=formats,
        supported_formattings=("unformatted",),
        supported_visualization_formattings=("noapply",),
        supported_download_settings=("url",),
        icon_data_uri=icon_data_uri(),
    )


def unique_key_field(
    kinds: tuple[str, ...] = KEY_KINDS, description: str | None = None
) -> FormField:
    """The Unique Key choice among an action's identifier ``kinds``; ``description`` replaces
    the general one where the action says more (which kinds go where)."""
    return FormField(
        name="braze_key",
        label="Unique Key",
        type="select",
        description=description
        or f"What the field tagged '{ID_TAG}' holds: how Braze finds each user.",
        default="external_id",
        required=True,
        interactive=True,
        options=tuple(FormOption(kind, kind) for kind in kinds),
    )


def alias_label_field() -> FormField:
    return FormField(
        name="braze_alias_label",
        label="Alias Label",
        description="The alias label; the tagged field holds the alias name.",
        default=DEFAULT_ALIAS_LABEL,
        required=True,
    )


def identity_fields(request: ActionRequest, kinds: tuple[str, ...] = KEY_KINDS) -> list[FormField]:
    """Unique Key, and Alias Label when the key is user_alias: how every Braze action finds
    the users of a Look."""
    fields = [unique_key_field(kinds)]
    if request.form_params.get("braze_key") == "user_alias":
        fields.append(alias_label_field())
    return fields


def yes_no_field(name: str, label: str, description: str, default: str) -> FormField:
    return FormField(
        name=name,
        label=label,
        type="select",
        description=description,
        default=default,
        options=YES_NO_OPTIONS,
    )


def dry_run_field(description: str) -> FormField:
    return yes_no_field("braze_dry_run", "Dry Run", description, "no")


def form(request: ActionRequest) -> Form:
    key = request.form_params.get("braze_key", "external_id")
    fields = [
        unique_key_field(),
        FormField(
            name="braze_segment",
            label="Export Label",
            description=(
                f"The value added to the users' '{DEFAULT_ARRAY_ATTRIBUTE}' array; build the "
                f"Braze segment on it. Defaults to '{DEFAULT_LABEL}'."
            ),
            default=DEFAULT_LABEL,
            required=True,
        ),
    ]
    if key == "user_alias":
        fields.append(alias_label_field())
    mode = request.form_params.get("braze_mode", Mode.APPEND)
    fields.append(
        FormField(
            name="braze_mode",
            label="Mode",
            type="select",
            description=(
                "append: add the label to these users (Looker's reference behaviour). "
                "sync: afterwards exactly these users carry the label; users of the last sync "
                "who left the Look lose it. remove: take the label off these users."
            ),
            default=Mode.APPEND,
            interactive=True,
            options=(
                FormOption(Mode.APPEND, "Append: add the label"),
                FormOption(Mode.SYNC, "Sync: add, and remove from users who left"),
                FormOption(Mode.REMOVE, "Remove: take the label off"),
            ),
        )
    )
    if mode != Mode.REMOVE:
        fields.append(
            FormField(
                name="braze_send",
                label="Send",
                type="select",
                description=(
                    "changes: only labels and attribute values Braze has not already accepted "
                    "from this hub (saves data points). everything: resend all, e.g. after "
                    "profiles were edited in Braze."
                ),
                default="changes" if mode == Mode.SYNC else "everything",
                options=(
                    FormOption("changes", "Only what changed"),
                    FormOption("everything", "Everything (full resend)"),
                ),
            )
        )
    fields += [
        FormField(
            name="braze_attribute",
            label="Array Attribute",
            description="The array custom attribute that receives the label.",
            default=DEFAULT_ARRAY_ATTRIBUTE,
            required=True,
        ),
        yes_no_field(
            "braze_update_existing_only",
            "Update Existing Users Only",
            "Yes: users Braze does not know are skipped, none are created.",
            "yes",
        ),
        dry_run_field("Yes: read and check every row, report what would be sent, send nothing."),
    ]
    return Form(tuple(fields))


@cache
def field_labels() -> dict[str, str]:
    """The label Looker shows for each setting and form field, by name: every field, as the
    form of a user-alias send in append mode has them all."""
    every_field = form(ActionRequest(form_params={"braze_key": "user_alias"}))
    return {
        **{param.name: param.label for param in PARAMS},
        **{field.name: field.label for field in every_field.fields},
    }
