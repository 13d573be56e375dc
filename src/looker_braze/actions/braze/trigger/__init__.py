"""The braze_trigger action: send an API-triggered campaign or Canvas to a Look's users
(action.py; the registry imports it from there, so that tags.py loads without the action)."""
