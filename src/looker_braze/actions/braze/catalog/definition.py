"""What Looker shows of the catalog action: its definition, settings and form."""

from __future__ import annotations

from looker_braze.actions.braze.catalog.modes import CatalogMode
from looker_braze.actions.braze.catalog.tags import ID_TAG
from looker_braze.actions.braze.definition import (
    braze_definition,
    braze_params,
    dry_run_field,
    yes_no_field,
)
from looker_braze.hub.protocol import (
    ActionDefinition,
    ActionRequest,
    Form,
    FormField,
    FormOption,
    LookerContext,
)

NAME = "braze_catalog"
CATALOG_FIELD, MODE_FIELD, CREATE_FIELD, DRY_RUN_FIELD = (
    "braze_catalog_name", "braze_catalog_mode", "braze_catalog_create", "braze_dry_run",
)  # fmt: skip
_KEY_NEEDS = (
    "A Braze REST API key of the workspace, with the catalogs.get, catalogs.replace_items and "
    "catalogs.delete_items permissions (and catalogs.create to create a catalog)."
)
# The flag action's settings, the key's description naming the permissions this action needs.
PARAMS = braze_params(_KEY_NEEDS)


def definition(looker: LookerContext) -> ActionDefinition:
    return braze_definition(
        looker,
        NAME,
        "Braze Catalog",
        f"Write the rows of a Look as the items of a Braze catalog: tag the item id field "
        f"'{ID_TAG}' and the item fields 'braze_catalog[<field>]'.",
        PARAMS,
        ID_TAG,
    )


def form(request: ActionRequest) -> Form:
    return Form(
        (
            FormField(
                name=CATALOG_FIELD,
                label="Catalog",
                description="The Braze catalog's name (letters, digits, - and _).",
                required=True,
            ),
            FormField(
                name=MODE_FIELD,
                label="Mode",
                type="select",
                description=(
                    "upsert: replace each item of the Look, creating it if missing. sync: upsert, "
                    "then delete the items this hub sent before that left the Look. delete: "
                    "delete the Look's items."
                ),
                default=CatalogMode.UPSERT,
                options=(
                    FormOption(CatalogMode.UPSERT, "Upsert: replace or create the items"),
                    FormOption(CatalogMode.SYNC, "Sync: upsert, and delete items that left"),
                    FormOption(CatalogMode.DELETE, "Delete: delete the Look's items"),
                ),
            ),
            yes_no_field(
                CREATE_FIELD,
                "Create the catalog if missing",
                "Yes: a missing catalog is created, its fields typed from the Look's fields "
                "(numbers, yes/no as boolean, dates and times as time, the rest as string).",
                "no",
            ),
            dry_run_field(
                "Yes: read and check every row and the catalog's fields, list the requests "
                "that would be sent, change nothing."
            ),
        )
    )
