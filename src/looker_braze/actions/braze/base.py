"""What every Braze action shares: the hub's settings, the process's BrazePlumbing, the state
store lent at start-up, a form that first checks the admin's settings, and the /users/track
client set up from the settings (rate limiter of the workspace, in-flight controller, retries)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar, Protocol, TypeVar

from looker_braze.actions.braze.options import check_settings
from looker_braze.actions.braze.plumbing import BrazePlumbing
from looker_braze.braze.batch import BatchSize
from looker_braze.braze.client import UsersTrackClient
from looker_braze.braze.concurrency import InFlight
from looker_braze.braze.families import USERS_TRACK, Family
from looker_braze.braze.instances import Endpoint
from looker_braze.braze.requester import RequestCounter, Requester, RetryPolicy
from looker_braze.errors import FailRun
from looker_braze.hub.action import Action, HubServices
from looker_braze.hub.document import RowStream
from looker_braze.hub.protocol import ActionDefinition, ActionRequest, Form, LookerContext
from looker_braze.hub.result import time_zone
from looker_braze.settings import HubSettings
from looker_braze.state import AsyncStateStore

Options = TypeVar("Options")


def in_result_zone(options: Options, request: ActionRequest, stream: RowStream) -> Options:
    """The send's options (a dataclass with ``time_zone``) in the time zone of the result Looker
    sent, when it names one: times without an offset are read in it."""
    zone = time_zone(request, stream.document)
    return dataclasses.replace(options, time_zone=zone) if zone else options


class Screens(Protocol):
    """What Looker shows of an action: a module with NAME, definition(looker), form(request)."""

    NAME: str

    def definition(self, looker: LookerContext) -> ActionDefinition: ...

    def form(self, request: ActionRequest) -> Form: ...


class SendTarget(Protocol):
    """Where a send goes: what every action's options tell."""

    endpoint: Endpoint
    api_key: str

    @property
    def workspace(self) -> str: ...


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

    def requester(
        self,
        options: SendTarget,
        family: Family,
        counter: RequestCounter,
        on_latency: Callable[[float], None] | None = None,
    ) -> Requester:
        """Requests to the send's workspace under the limiter of an endpoint ``family`` shared
        by every action of the process, with the hub's retry policy and timeout."""
        return Requester(
            options.endpoint,
            options.api_key,
            self._plumbing.session(),
            self._plumbing.limiter(options.workspace, family),
            self._retry_policy(),
            timeout_seconds=self._settings.request_timeout_seconds,
            on_latency=on_latency,
            counter=counter,
        )

    def in_flight(self, workspace: str, family: Family = USERS_TRACK) -> InFlight:
        """The controller of how much a send keeps in flight, from the family's request rate
        and the hub's caps; it follows the latency its requests report."""
        settings = self._settings
        return InFlight(
            self._plumbing.limiter(workspace, family).requests_per_second,
            settings.max_bytes_in_flight,
            settings.max_in_flight,
        )

    def _retry_policy(self) -> RetryPolicy:
        settings = self._settings
        return RetryPolicy(
            max_attempts=settings.max_attempts, deadline_seconds=settings.retry_deadline_seconds
        )

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
        limiter = self._plumbing.limiter(workspace)
        in_flight = self.in_flight(workspace)
        client = client_class(
            endpoint,
            api_key,
            self._plumbing.session(),
            limiter,
            self._retry_policy(),
            timeout_seconds=self._settings.request_timeout_seconds,
            batch_size=size,
            on_latency=in_flight.observe,
            counter=counter,
            **extra,
        )
        return client, in_flight
