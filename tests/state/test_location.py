import pytest

from looker_braze.errors import ConfigError
from looker_braze.state.location import StoreLocation, parse_location, redact


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "sqlite:///looker-braze-state.sqlite3",
            StoreLocation("sqlite", "looker-braze-state.sqlite3"),
        ),
        ("sqlite:////var/lib/state.db", StoreLocation("sqlite", "/var/lib/state.db")),
        ("sqlite:///:memory:", StoreLocation("sqlite", ":memory:")),
        (":memory:", StoreLocation("sqlite", ":memory:")),
        ("state/file.sqlite3", StoreLocation("sqlite", "state/file.sqlite3")),
        (
            "postgresql://u@db:5432/app?schema=lb&sslmode=require",
            StoreLocation("postgresql", "postgresql://u@db:5432/app?sslmode=require", "lb"),
        ),
        ("postgres://u@db/app", StoreLocation("postgresql", "postgres://u@db/app", None)),
    ],
)
def test_urls(url, expected):
    assert parse_location(url) == expected


@pytest.mark.parametrize(
    "url", ["", "mysql://x/y", "sqlite://relative.db", "postgresql://u@h/db?schema=a;drop"]
)
def test_bad_urls_say_what_to_write(url):
    with pytest.raises(ConfigError) as caught:
        parse_location(url)
    assert caught.value.problems


def test_passwords_never_show():
    url = "postgresql://app:s3cret@db.internal:5433/state?schema=x"
    assert redact(url) == "postgresql://app:***@db.internal:5433/state?schema=x"
    assert redact("postgresql://[::1]:5432/db?password=s3cret") == (
        "postgresql://[::1]:5432/db?password=***"
    )
    assert "s3cret" not in str(parse_location(url))
    with pytest.raises(ConfigError) as caught:
        parse_location("mysql://app:s3cret@db/x")
    assert "s3cret" not in str(caught.value)
