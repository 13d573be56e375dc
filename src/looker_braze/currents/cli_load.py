"""Registers `currents generate` and `currents load` on the currents app (to be written)."""
