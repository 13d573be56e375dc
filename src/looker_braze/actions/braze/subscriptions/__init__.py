"""The braze_subscriptions action: set subscription group states for a Look's users."""

from looker_braze.actions.braze.subscriptions.action import SubscriptionsAction

__all__ = ["SubscriptionsAction"]
