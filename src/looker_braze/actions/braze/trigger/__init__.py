"""The braze_trigger action: send an API-triggered campaign or Canvas to a Look's users."""

from looker_braze.actions.braze.trigger.action import TriggerAction

__all__ = ["TriggerAction"]
