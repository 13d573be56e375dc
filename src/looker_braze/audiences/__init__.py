"""The Looker audiences this hub fed to Braze, as history: who joined and left each one, when.

The state store logs every join and leave (state migration 6); `export` writes that log to the
Currents warehouse as one row per membership spell (LOOKER_BRAZE_AUDIENCE_MEMBERSHIP), so the
analytics can join each audience to what its members then received and did.
"""
