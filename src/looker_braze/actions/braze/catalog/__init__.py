"""The catalog action (``braze_catalog``): rows of a Look become the items of a Braze catalog.
The action is catalog/action.py; this package imports nothing, so the flag action's tag grammar
can read catalog/tags.py."""
