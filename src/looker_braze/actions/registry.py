"""The actions this hub offers. A new action: a module beside this one and one line below."""

from __future__ import annotations

from looker_braze.actions.braze import BrazeAction
from looker_braze.actions.braze.catalog.action import CatalogAction
from looker_braze.actions.braze.events import EventsAction
from looker_braze.actions.braze.plumbing import BrazePlumbing
from looker_braze.actions.braze.subscriptions.action import SubscriptionsAction
from looker_braze.actions.braze.trigger.action import TriggerAction
from looker_braze.hub.action import Registry
from looker_braze.settings import HubSettings


def build_registry(settings: HubSettings) -> Registry:
    plumbing = BrazePlumbing(settings)  # one session, Redis client and limiter set for all
    actions = (BrazeAction, EventsAction, TriggerAction, CatalogAction, SubscriptionsAction)
    return Registry([action(settings, plumbing) for action in actions])
