"""The only code that reads the environment. Settings are validated once at start-up and passed in.

The hub keeps the reference hub's variable names (ACTION_HUB_*, PORT) so a deployment migrates by
swapping the image; everything new is prefixed LOOKER_BRAZE_.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from looker_braze.braze.batch import MAX_OBJECTS
from looker_braze.braze.concurrency import DEFAULT_BYTE_BUDGET
from looker_braze.braze.events import PROPERTIES_MAX_BYTES, PROPERTIES_MAX_BYTES_NEWER
from looker_braze.errors import ConfigError

CommaList = Annotated[tuple[str, ...], NoDecode]
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
PREFIX = "LOOKER_BRAZE_"
# Read by the test suite (tests/conftest.py), not by the product; tests/test_settings_env.py
# checks that every LOOKER_BRAZE_ name the suite and .ci read is known.
TEST_SUITE_VARIABLES = (
    "LOOKER_BRAZE_TEST_POSTGRES_URL",
    "LOOKER_BRAZE_TEST_REDIS_URL",
    "LOOKER_BRAZE_REQUIRE_SERVICES",
)


def _alias(name: str):
    # The Python name also works, so tests and code can build settings with keyword arguments.
    return Field(validation_alias=AliasChoices(name, name.lower()))


def default_state_url() -> str:
    """The state's home when LOOKER_BRAZE_STATE_URL is unset: one absolute per-user file, so a
    hub restarted from another directory finds the same state. The XDG base-directory rule
    ($XDG_DATA_HOME if absolute, else ~/.local/share), written out rather than adding a package
    for four lines."""
    data_home = os.environ.get("XDG_DATA_HOME", "")
    base = Path(data_home) if os.path.isabs(data_home) else Path.home() / ".local" / "share"
    return f"sqlite:///{base / 'looker-braze' / 'state.sqlite3'}"


def _required_text(value):
    """A required setting: present and not only white space."""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if text is None or not str(text).strip():
        raise ValueError("must not be empty")
    return value


class HubSettings(BaseSettings):
    """Everything `looker-braze serve` reads from its environment."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    # The reference hub's names: all three are required there and here.
    base_url: str = Field(validation_alias=AliasChoices("ACTION_HUB_BASE_URL", "base_url"))
    label: str = Field(validation_alias=AliasChoices("ACTION_HUB_LABEL", "label"))
    secret: SecretStr = Field(validation_alias=AliasChoices("ACTION_HUB_SECRET", "secret"))
    port: int = Field(8080, ge=0, le=65535, validation_alias=AliasChoices("PORT", "port"))

    # Braze endpoints admitted beyond Braze's documented REST hosts (e.g. a simulator).
    extra_endpoints: CommaList = Field(
        (), validation_alias=AliasChoices("LOOKER_BRAZE_EXTRA_ENDPOINTS", "extra_endpoints")
    )
    # Optional operator cap on rows per run; none by default.
    max_rows: int | None = Field(
        None, ge=1, validation_alias=AliasChoices("LOOKER_BRAZE_MAX_ROWS", "max_rows")
    )
    # A newline is written to a running execute's response this often, so proxies keep it open.
    keepalive_seconds: float = Field(
        30.0,
        gt=0,
        validation_alias=AliasChoices("LOOKER_BRAZE_KEEPALIVE_SECONDS", "keepalive_seconds"),
    )
    # Braze's default /users/track limit: 3,000 requests per 3 seconds per workspace.
    rate_limit_requests: int = Field(
        3000,
        ge=1,
        validation_alias=AliasChoices("LOOKER_BRAZE_RATE_LIMIT_REQUESTS", "rate_limit_requests"),
    )
    rate_limit_seconds: float = Field(
        3.0,
        gt=0,
        validation_alias=AliasChoices("LOOKER_BRAZE_RATE_LIMIT_SECONDS", "rate_limit_seconds"),
    )
    # Accounts on Braze's MAU contracts also have an hourly request limit (shown only in their
    # dashboard); unset = none (braze-inc/braze-docs _docs/_api/endpoints/user_data/
    # post_user_track.md, "Monthly Active Users CY 24-25").
    rate_limit_hourly_requests: int | None = Field(
        None,
        ge=1,
        validation_alias=AliasChoices(
            "LOOKER_BRAZE_RATE_LIMIT_HOURLY_REQUESTS", "rate_limit_hourly_requests"
        ),
    )
    # Objects per /users/track request: 75 on most accounts, 50 on MAU contracts (same page).
    # A send also shrinks it by itself when Braze answers "Max Input Length Exceeded".
    objects_per_request: int = Field(
        MAX_OBJECTS,
        ge=1,
        le=MAX_OBJECTS,
        validation_alias=AliasChoices("LOOKER_BRAZE_OBJECTS_PER_REQUEST", "objects_per_request"),
    )
    # Event and purchase properties holding objects or arrays may total this many bytes: 50 KB
    # on Braze's purchase page and older event page, 100 KB on the newer event-object page.
    event_properties_max_bytes: int = Field(
        PROPERTIES_MAX_BYTES,
        ge=1,
        le=PROPERTIES_MAX_BYTES_NEWER,
        validation_alias=AliasChoices(
            "LOOKER_BRAZE_EVENT_PROPERTIES_MAX_BYTES", "event_properties_max_bytes"
        ),
    )
    # Requests in flight follow the rate limit and Braze's latency; this only caps them.
    max_in_flight: int | None = Field(
        None,
        ge=1,
        le=1024,
        validation_alias=AliasChoices("LOOKER_BRAZE_MAX_IN_FLIGHT", "max_in_flight"),
    )
    # Memory held by request bodies in flight, per send.
    max_bytes_in_flight: int = Field(
        DEFAULT_BYTE_BUDGET,
        ge=64 * 1024,
        validation_alias=AliasChoices("LOOKER_BRAZE_MAX_BYTES_IN_FLIGHT", "max_bytes_in_flight"),
    )
    max_attempts: int = Field(
        8, ge=1, le=100, validation_alias=AliasChoices("LOOKER_BRAZE_MAX_ATTEMPTS", "max_attempts")
    )
    # Upper bound on the time one batch may spend waiting and retrying before the run fails.
    retry_deadline_seconds: float = Field(
        300.0,
        gt=0,
        validation_alias=AliasChoices(
            "LOOKER_BRAZE_RETRY_DEADLINE_SECONDS", "retry_deadline_seconds"
        ),
    )
    request_timeout_seconds: float = Field(
        60.0,
        gt=0,
        validation_alias=AliasChoices(
            "LOOKER_BRAZE_REQUEST_TIMEOUT_SECONDS", "request_timeout_seconds"
        ),
    )
    # A download that sends nothing for this long fails the run (the reference hub waits 13 min).
    download_stall_seconds: float = Field(
        120.0,
        gt=0,
        validation_alias=AliasChoices(
            "LOOKER_BRAZE_DOWNLOAD_STALL_SECONDS", "download_stall_seconds"
        ),
    )
    # The longest a download may take, first byte to last (a body that trickles ends too).
    download_deadline_seconds: float = Field(
        3600.0,
        gt=0,
        validation_alias=AliasChoices(
            "LOOKER_BRAZE_DOWNLOAD_DEADLINE_SECONDS", "download_deadline_seconds"
        ),
    )
    # Hosts download URLs may name (exact, or "*.looker.com"); empty: any host.
    download_hosts: CommaList = Field(
        (), validation_alias=AliasChoices("LOOKER_BRAZE_DOWNLOAD_HOSTS", "download_hosts")
    )
    # Link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, ...): refused unless set.
    download_allow_link_local: bool = Field(
        False,
        validation_alias=AliasChoices(
            "LOOKER_BRAZE_DOWNLOAD_ALLOW_LINK_LOCAL", "download_allow_link_local"
        ),
    )
    # Largest execute request body (inline attachments live in it); the reference hub's is 250 MB.
    max_request_bytes: int = Field(
        250 * 1024 * 1024,
        ge=1024,
        validation_alias=AliasChoices("LOOKER_BRAZE_MAX_REQUEST_BYTES", "max_request_bytes"),
    )
    # Executes at once (reading their body included); one more is answered "busy". Each stays
    # under about 300 MB (README, Reliability), so the default needs about 2.4 GB at worst.
    max_concurrent_runs: int = Field(
        8,
        ge=1,
        le=1000,
        validation_alias=AliasChoices("LOOKER_BRAZE_MAX_CONCURRENT_RUNS", "max_concurrent_runs"),
    )
    # A run still going after this long is stopped and answered as failed; its counts are kept.
    run_deadline_seconds: float = Field(
        6 * 3600.0,
        gt=0,
        validation_alias=AliasChoices("LOOKER_BRAZE_RUN_DEADLINE_SECONDS", "run_deadline_seconds"),
    )
    log_level: str = Field(
        "info", validation_alias=AliasChoices("LOOKER_BRAZE_LOG_LEVEL", "log_level")
    )
    # Operations: log lines as text or one JSON object each; how long SIGTERM lets runs go on
    # (Kubernetes kills after 30 s); how often running runs prove they are alive (a run silent
    # for HEARTBEAT_STALE_BEATS beats is marked interrupted by any hub sharing the store).
    log_format: Literal["text", "json"] = Field(
        "text", validation_alias=AliasChoices("LOOKER_BRAZE_LOG_FORMAT", "log_format")
    )
    shutdown_grace_seconds: float = Field(
        25.0,
        ge=1,
        le=3600,
        validation_alias=AliasChoices(
            "LOOKER_BRAZE_SHUTDOWN_GRACE_SECONDS", "shutdown_grace_seconds"
        ),
    )
    heartbeat_seconds: float = Field(
        10.0,
        gt=0,
        le=600,
        validation_alias=AliasChoices("LOOKER_BRAZE_HEARTBEAT_SECONDS", "heartbeat_seconds"),
    )
    # Audience state (sync mode, change-only sends, run history): SQLite file or PostgreSQL URL.
    state_url: str = Field(
        default_factory=default_state_url,
        validation_alias=AliasChoices("LOOKER_BRAZE_STATE_URL", "state_url"),
    )
    # Shared rate limit and audience locks across replicas; unset = each process on its own.
    redis_url: str | None = Field(
        None, validation_alias=AliasChoices("LOOKER_BRAZE_REDIS_URL", "redis_url")
    )

    @field_validator("base_url", "label", "secret", mode="before")
    @classmethod
    def _not_blank(cls, value):
        return _required_text(value)

    @field_validator("base_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL, e.g. https://hub.example.com")
        return value

    @field_validator("extra_endpoints", mode="before")
    @classmethod
    def _split_commas(cls, value):
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("download_hosts", mode="before")
    @classmethod
    def _download_hosts(cls, value):
        if isinstance(value, str):
            value = value.split(",")
        return tuple(_host_pattern(part) for part in value if str(part).strip())

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        # redis-py would refuse it only at the first send; the value is not echoed (a password).
        if value is not None and not value.strip().startswith(REDIS_SCHEMES):
            raise ValueError(
                "must start with redis://, rediss:// or unix:// (e.g. redis://localhost:6379/0)"
            )
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("critical", "error", "warning", "info", "debug"):
            raise ValueError("must be one of critical, error, warning, info, debug")
        return value


_HOST_PATTERN = re.compile(r"(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*")


def _host_pattern(text) -> str:
    """A download host as matched: lower case, IDNA-encoded, an IPv6 address without brackets."""
    raw = str(text).strip().lower().rstrip(".")
    with contextlib.suppress(ValueError):
        return str(ipaddress.IPv6Address(raw.removeprefix("[").removesuffix("]")))
    try:
        pattern = raw.encode("idna").decode("ascii")
    except UnicodeError:
        pattern = ""
    if not _HOST_PATTERN.fullmatch(pattern):
        raise ValueError(
            f"has {raw!r}: list host names like looker.example.com or *.looker.com "
            "(no scheme, port or path)"
        )
    return pattern


_ENV_NAMES = {
    "base_url": "ACTION_HUB_BASE_URL",
    "label": "ACTION_HUB_LABEL",
    "secret": "ACTION_HUB_SECRET",
    "port": "PORT",
}


def _env_name(field: str) -> str:
    if field.isupper():  # pydantic reports the alias it looked for: already the variable's name
        return field
    return _ENV_NAMES.get(field, f"LOOKER_BRAZE_{field.upper()}")


def load_hub_settings(**overrides) -> HubSettings:
    """Read the environment once; raise ConfigError naming every problem at the same time."""
    try:
        return HubSettings(**overrides)
    except ValidationError as exc:
        raise ConfigError([_describe(error) for error in exc.errors()]) from None


def _describe(error) -> str:
    field = str(error["loc"][0]) if error["loc"] else "?"
    name = _env_name(field)
    if error["type"] == "missing":
        return f"{name} is not set"
    message = error["msg"].removeprefix("Value error, ")
    return f"{name} {message}"


class _SecretOnly(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")
    secret: SecretStr = Field(validation_alias="ACTION_HUB_SECRET")

    @field_validator("secret", mode="before")
    @classmethod
    def _not_blank(cls, value):
        return _required_text(value)


def load_secret() -> str:
    """ACTION_HUB_SECRET alone, for `looker-braze token`."""
    try:
        return _SecretOnly().secret.get_secret_value()
    except ValidationError as exc:
        raise ConfigError([_describe(error) for error in exc.errors()]) from None


class _StateOnly(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")
    state_url: str = Field(
        default_factory=default_state_url, validation_alias="LOOKER_BRAZE_STATE_URL"
    )


def load_state_url() -> str:
    """LOOKER_BRAZE_STATE_URL alone, for `looker-braze runs`."""
    return _StateOnly().state_url


def known_variables() -> set[str]:
    """Every LOOKER_BRAZE_* name a setting reads, from HubSettings' own aliases."""
    names = set()
    for field in HubSettings.model_fields.values():
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        names.update(c for c in choices if isinstance(c, str) and c.startswith(PREFIX))
    return names


def unknown_variables(
    environ: Mapping[str, str] | None = None, also_known: Iterable[str] = ()
) -> list[tuple[str, str | None]]:
    """LOOKER_BRAZE_* variables nothing reads (typos such as LOOKER_BRAZE_STATE_ULR), each with
    the closest known name or None. ``also_known``: names commands read (their options')."""
    environ = os.environ if environ is None else environ
    known = known_variables() | set(also_known) | set(TEST_SUITE_VARIABLES)
    unknown = sorted(name for name in environ if name.startswith(PREFIX) and name not in known)
    return [(name, _closest(name, known)) for name in unknown]


def _closest(name: str, known: set[str]) -> str | None:
    # Compared without the shared prefix, which would make every name look alike.
    rests = {k.removeprefix(PREFIX): k for k in known if k.startswith(PREFIX)}
    found = difflib.get_close_matches(name.removeprefix(PREFIX), sorted(rests), n=1)
    return rests[found[0]] if found else None
