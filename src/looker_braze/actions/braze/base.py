"""What every Braze action shares: the hub's settings, the process's Braze plumbing (session,
rate limiters, locks), the state store, and a form that first checks the admin's settings."""

from __future__ import annotations

from abc import abstractmethod

from looker_braze.actions.braze.options import check_settings
from looker_braze.actions.braze.plumbing import BrazePlumbing
from looker_braze.errors import FailRun
from looker_braze.hub.action import Action, HubServices
from looker_braze.hub.protocol import ActionRequest, Form
from looker_braze.settings import HubSettings
from looker_braze.state import AsyncStateStore


class BrazeActionBase(Action):
    def __init__(self, settings: HubSettings, plumbing: BrazePlumbing | None = None) -> None:
        self._settings = settings
        self._plumbing = plumbing or BrazePlumbing(settings)
        self._store: AsyncStateStore | None = None

    async def form(self, request: ActionRequest) -> Form:
        try:
            check_settings(request, self._settings.extra_endpoints)
        except FailRun as exc:
            return Form(error=str(exc))
        return self.form_fields(request)

    @abstractmethod
    def form_fields(self, request: ActionRequest) -> Form:
        """The action's form, once the settings are known to be usable."""

    async def startup(self, services: HubServices) -> None:
        self._store = services.store
        self._plumbing.session()

    async def shutdown(self) -> None:
        await self._plumbing.aclose()  # once, however many actions share the plumbing
