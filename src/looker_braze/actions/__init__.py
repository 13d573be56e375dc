"""Actions the hub offers. A new action is a module here plus one line in registry.py."""
