"""Registers `currents run`, `currents lookml` and `currents report` (to be written)."""
