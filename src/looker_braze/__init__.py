"""looker-braze: a Looker Action Hub with a first-class Braze action, Braze Currents analytics,
and local stand-ins for Braze and Looker."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("looker-braze")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
