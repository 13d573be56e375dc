"""The Braze action: flag a Look's users in Braze through /users/track."""

from looker_braze.actions.braze.action import BrazeAction

__all__ = ["BrazeAction"]
