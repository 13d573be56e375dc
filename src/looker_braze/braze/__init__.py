"""Braze REST, Looker-free: REST hosts, attribute typing, the users/track client."""
