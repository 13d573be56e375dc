"""The settings and form answers of one catalog send, checked before a single row is read."""

from __future__ import annotations

from dataclasses import dataclass

from looker_braze.actions.braze.catalog.definition import (
    CATALOG_FIELD,
    CREATE_FIELD,
    DRY_RUN_FIELD,
    MODE_FIELD,
)
from looker_braze.actions.braze.catalog.modes import CatalogMode
from looker_braze.actions.braze.options import (
    InvalidForm,
    InWorkspace,
    check_settings,
    refuse_key_in_form,
    shown,
    yes_no,
)
from looker_braze.braze.catalog_rules import name_problem
from looker_braze.braze.instances import Endpoint, is_braze_key_shaped
from looker_braze.hub.protocol import ActionRequest


@dataclass(frozen=True)
class CatalogOptions(InWorkspace):
    endpoint: Endpoint
    api_key: str
    catalog: str
    mode: CatalogMode = CatalogMode.UPSERT
    create_missing: bool = False
    dry_run: bool = False
    time_zone: str = "UTC"  # the zone of the Look's date-times, which carry no offset

    @property
    def lock_name(self) -> str:
        """One send at a time per catalog: its recorded items are read and written."""
        return f"{self.workspace}|catalog|{self.catalog}"


def catalog_options(request: ActionRequest, extra_endpoints: tuple[str, ...]) -> CatalogOptions:
    endpoint, api_key = check_settings(request, extra_endpoints)
    refuse_key_in_form(request, api_key)
    form = request.form_params
    errors: dict[str, str] = {}
    catalog = (form.get(CATALOG_FIELD) or "").strip()
    if is_braze_key_shaped(catalog):
        errors[CATALOG_FIELD] = (
            "Catalog looks like a Braze API key (a UUID): the key belongs only in the Braze API "
            "Key setting; type the catalog's name."
        )
    elif not catalog:
        errors[CATALOG_FIELD] = "Catalog is required: type the Braze catalog's name."
    elif (problem := name_problem(catalog)) is not None:
        errors[CATALOG_FIELD] = f"Catalog {shown(catalog)}: {problem.message}."
    mode_text = (form.get(MODE_FIELD) or CatalogMode.UPSERT).strip().lower()
    if mode_text not in set(CatalogMode):
        errors[MODE_FIELD] = f"Mode must be one of {CatalogMode.names()} (got {shown(mode_text)})."
    create = yes_no(form, CREATE_FIELD, False, errors)
    dry_run = yes_no(form, DRY_RUN_FIELD, False, errors)
    if errors:
        raise InvalidForm(errors)
    return CatalogOptions(
        endpoint=endpoint,
        api_key=api_key,
        catalog=catalog,
        mode=CatalogMode(mode_text),
        create_missing=create,
        dry_run=dry_run,
    )
