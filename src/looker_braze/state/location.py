"""Where the state lives, read from LOOKER_BRAZE_STATE_URL's value (settings.state_url).

    sqlite:///relative/file.sqlite3    sqlite:////absolute/file.sqlite3    a bare path
    sqlite:///:memory:  or  :memory:   (tests: gone when the store closes)
    postgresql://user@host:5432/db[?schema=name&sslmode=...]   (postgres:// too)

``schema`` is ours (create and use that schema); every other query parameter goes to libpq.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from looker_braze.errors import ConfigError
from looker_braze.redact import redact_url as redact  # the one redactor; kept under its old name

SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,62}")
# "user@host/db" or "host:5432/db": a PostgreSQL URL that lost its scheme, never a file path.
# (Not echoed: the part before @ may hold a password.)
SERVER_WITHOUT_SCHEME = re.compile(r"[^/]*@|[A-Za-z0-9.-]+:[0-9]+(/|$)")


@dataclass(frozen=True)
class StoreLocation:
    dialect: Literal["sqlite", "postgresql"]
    target: str  # SQLite: a file path or ":memory:"; PostgreSQL: the libpq URL without schema
    schema: str | None = None

    def __str__(self) -> str:
        return redact(self.target) + (f" (schema {self.schema})" if self.schema else "")


def parse_location(url: str) -> StoreLocation:
    url = url.strip()
    if not url:
        raise ConfigError(["the state URL is empty: give a SQLite path or a postgresql:// URL"])
    if url.startswith(("postgresql://", "postgres://")):
        return _postgres(url)
    if url.startswith("sqlite://"):
        return _sqlite(url)
    if "://" in url:
        raise ConfigError(
            [f"the state URL {redact(url)!r} is neither sqlite:///path nor postgresql://..."]
        )
    if SERVER_WITHOUT_SCHEME.match(url):
        raise ConfigError(
            ["the state URL names a server (user@host or host:port) but no scheme: write "
             "postgresql://user@host:5432/db, or give a SQLite file path"]
        )  # fmt: skip
    return StoreLocation("sqlite", url)


def _sqlite(url: str) -> StoreLocation:
    path = url.removeprefix("sqlite://")
    if not path.startswith("/") or path == "/":
        raise ConfigError([f"write a SQLite state URL as sqlite:///path/file.sqlite3, not {url!r}"])
    return StoreLocation("sqlite", path[1:])  # SQLAlchemy's form: four slashes = absolute path


def _postgres(url: str) -> StoreLocation:
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for name, value in params if name == "schema"]
    schema = schemas[-1] if schemas else None
    if schema is not None and not SCHEMA_NAME.fullmatch(schema):
        raise ConfigError(
            [f"the state schema {schema!r} must be letters, digits and _ (63 at most)"]
        )
    rest = urlencode([(name, value) for name, value in params if name != "schema"])
    return StoreLocation("postgresql", urlunsplit(parts._replace(query=rest)), schema)


def describe(location: StoreLocation) -> str:
    """Where the state is, for the start-up log: SQLite paths made absolute (a relative one
    depends on the directory the hub was started from), passwords hidden."""
    if location.dialect == "postgresql":
        return f"PostgreSQL {location}"
    if location.target == ":memory:":
        return "SQLite in memory (gone when the hub stops)"
    path = os.path.abspath(location.target)
    relative = "" if os.path.isabs(location.target) else " (relative to the working directory)"
    return f"SQLite file {path}{relative}"


def make_folder(location: StoreLocation) -> None:
    """Create a SQLite file's folder, private to the user, as the XDG rule asks when writing to
    a data directory that does not exist yet (the default is ~/.local/share/looker-braze/)."""
    if location.dialect == "sqlite" and location.target != ":memory:":
        folder = os.path.dirname(os.path.abspath(location.target))
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                [
                    f"cannot create {folder} for the SQLite state store ({exc.strerror}): "
                    "create it, or point LOOKER_BRAZE_STATE_URL elsewhere"
                ]
            ) from None
