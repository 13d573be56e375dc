"""The braze_subscriptions action: set subscription group states for a Look's users.

Nothing is imported here: the flag action's tag grammar reads this package's tags.py, which must
not pull in the action (actions/registry.py imports it from .action)."""
