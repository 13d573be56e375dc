"""Optional parts of the install (pyproject.toml's extras), checked before a command needs them.

The hub installs without the Currents analytics stack (hundreds of MB); a Currents command run
without it should say which extra to install, once, instead of failing deep inside with an
ImportError traceback.
"""

from __future__ import annotations

import importlib.util

from looker_braze.errors import ConfigError

# The modules each extra brings (import names, not distribution names), as in pyproject.toml.
EXTRAS: dict[str, tuple[str, ...]] = {
    "currents": (
        "duckdb",
        "fastavro",
        "polars",
        "pyarrow",
        "cramjam",
        "sqlglot",
        "yaml",
        "matplotlib",
    ),
}


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (found without importing them, so
    the check costs milliseconds)."""
    return [module for module in EXTRAS[extra] if not _importable(module)]


def require(extra: str) -> None:
    """Raise ConfigError naming the missing module and the pip command that installs ``extra``."""
    absent = missing(extra)
    if absent:
        raise ConfigError(
            [
                f"needs the '{extra}' extra ({', '.join(absent)} not installed): "
                f"pip install 'looker-braze[{extra}]' (pipx: pipx install --force "
                f"'looker-braze[{extra}]')"
            ]
        )


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken install or a finder that refuses the module
        return False
