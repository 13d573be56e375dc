"""What every Braze action shares: the hub's settings, the process's Braze plumbing (session,
rate limiters, locks), the state store, and a form that first checks the admin's settings."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Protocol

from looker_braze.actions.braze.options import check_settings
from looker_braze.actions.braze.plumbing import BrazePlumbing
from looker_braze.braze.families import Family
from looker_braze.braze.instances import Endpoint
from looker_braze.braze.requester import RequestCounter, Requester, RetryPolicy
from looker_braze.errors import FailRun
from looker_braze.hub.action import Action, HubServices
from looker_braze.hub.protocol import ActionRequest, Form
from looker_braze.settings import HubSettings
from looker_braze.state import AsyncStateStore


class SendTarget(Protocol):
    """Where a send goes: what every action's options tell."""

    endpoint: Endpoint
    api_key: str

    @property
    def workspace(self) -> str: ...


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

    def requester(
        self,
        options: SendTarget,
        family: Family,
        counter: RequestCounter,
        on_latency: Callable[[float], None] | None = None,
    ) -> Requester:
        """Requests to the send's workspace under the limiter of an endpoint ``family`` shared
        by every action of the process, with the hub's retry policy and timeout."""
        settings = self._settings
        return Requester(
            options.endpoint,
            options.api_key,
            self._plumbing.session(),
            self._plumbing.limiter(options.workspace, family),
            RetryPolicy(
                max_attempts=settings.max_attempts, deadline_seconds=settings.retry_deadline_seconds
            ),
            timeout_seconds=settings.request_timeout_seconds,
            on_latency=on_latency,
            counter=counter,
        )

    async def startup(self, services: HubServices) -> None:
        self._store = services.store
        self._plumbing.session()

    async def shutdown(self) -> None:
        await self._plumbing.aclose()  # once, however many actions share the plumbing
