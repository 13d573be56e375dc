"""Braze Currents analytics: generate, load, model, LookML and report. Independent of the hub."""
