"""What every Braze action shares: the hub's settings, the process's BrazePlumbing, the state
store lent at start-up, a form that first checks the admin's settings, and the /users/track
client set up from the settings (rate limiter of the workspace, in-flight controller, retries)."""

from __future__ import annotations

from typing import ClassVar, Protocol

from looker_braze.actions.braze.options import check_settings
from looker_braze.actions.braze.plumbing import BrazePlumbing
from looker_braze.braze.batch import BatchSize
from looker_braze.braze.client import RetryPolicy, UsersTrackClient
from looker_braze.braze.concurrency import InFlight
from looker_braze.braze.instances import Endpoint
from looker_braze.braze.requester import RequestCounter
from looker_braze.errors import FailRun
from looker_braze.hub.action import Action, HubServices
from looker_braze.hub.protocol import ActionDefinition, ActionRequest, Form, LookerContext
from looker_braze.settings import HubSettings
from looker_braze.state import AsyncStateStore


class Screens(Protocol):
    """What Looker shows of an action: a module with NAME, definition(looker), form(request)."""

    NAME: str

    def definition(self, looker: LookerContext) -> ActionDefinition: ...

    def form(self, request: ActionRequest) -> Form: ...


class BrazeActionBase(Action):
    """A Braze action names its ``screens`` (its definition module); the rest is shared."""

    screens: ClassVar[Screens]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = cls.screens.NAME

    def __init__(self, settings: HubSettings, plumbing: BrazePlumbing | None = None) -> None:
        self._settings = settings
        self._plumbing = plumbing or BrazePlumbing(settings)
        self._store: AsyncStateStore | None = None

    def definition(self, looker: LookerContext) -> ActionDefinition:
        return self.screens.definition(looker)

    async def form(self, request: ActionRequest) -> Form:
        """The action's form, once the admin's settings are known to be usable."""
        try:
            check_settings(request, self._settings.extra_endpoints)
        except FailRun as exc:
            return Form(error=str(exc))
        return self.screens.form(request)

    async def startup(self, services: HubServices) -> None:
        self._store = services.store
        self._plumbing.session()

    async def shutdown(self) -> None:
        await self._plumbing.aclose()  # once, however many actions share the plumbing

    def users_track(
        self,
        endpoint: Endpoint,
        api_key: str,
        workspace: str,
        counter: RequestCounter,
        size: BatchSize,
        client_class: type[UsersTrackClient] = UsersTrackClient,
        **extra,
    ) -> tuple[UsersTrackClient, InFlight]:
        """A /users/track client of the workspace, on its limiter (shared by every action), and
        the in-flight controller that follows its latency."""
        settings = self._settings
        limiter = self._plumbing.limiter(workspace)
        in_flight = InFlight(
            limiter.requests_per_second, settings.max_bytes_in_flight, settings.max_in_flight
        )
        client = client_class(
            endpoint,
            api_key,
            self._plumbing.session(),
            limiter,
            RetryPolicy(
                max_attempts=settings.max_attempts, deadline_seconds=settings.retry_deadline_seconds
            ),
            timeout_seconds=settings.request_timeout_seconds,
            batch_size=size,
            on_latency=in_flight.observe,
            counter=counter,
            **extra,
        )
        return client, in_flight
