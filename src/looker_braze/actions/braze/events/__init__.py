"""The events action: Look rows as Braze custom events or purchases, sent exactly once."""

from looker_braze.actions.braze.events.action import EventsAction

__all__ = ["EventsAction"]
