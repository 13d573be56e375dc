"""The one redactor: URL passwords and known secret values never survive it, whatever the text."""

from __future__ import annotations

import string
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from looker_braze.redact import MASK, Masker, mask_key, redact_url

PASSWORD = st.text(string.ascii_letters + string.digits + "!$&'()*+,;=%-._~", min_size=4)
HOST = st.sampled_from(["db.internal", "127.0.0.1", "[::1]", "db.internal:5433", "[::1"])


def test_a_url_keeps_everything_but_its_password():
    assert redact_url("postgresql://app:s3cret@db:5433/x?schema=y") == (
        "postgresql://app:***@db:5433/x?schema=y"
    )
    assert redact_url("postgresql://db/x?password=s3cret&sslmode=require") == (
        "postgresql://db/x?password=***&sslmode=require"
    )
    for unchanged in ("currents.duckdb", "postgresql://app@db/x", "redis://127.0.0.1:6379/0"):
        assert redact_url(unchanged) == unchanged


@given(user=st.sampled_from(["app", "", "u-1"]), password=PASSWORD, host=HOST)
def test_no_password_survives_a_url(user, password, host):
    # In a query a password is written percent-encoded: a raw "&" would end it there.
    for url, written in (
        (f"postgresql://{user}:{password}@{host}/db", password),
        (f"postgresql://{host}/db?password={quote(password, safe='')}", quote(password, safe="")),
    ):
        shown = redact_url(url).replace("***", "").replace("password=", "=")
        assert password not in shown and written not in shown


@given(secret=st.text(min_size=4, max_size=40), text=st.text(max_size=40))
def test_a_known_secret_never_survives_the_masker(secret, text):
    masker = Masker([secret, None, "abc"])  # None and short values are ignored, not fatal
    for value in (f"{text}{secret}{text}", {secret: [secret, 1]}):
        shown = masker.value(value)
        assert secret not in str(shown).replace(MASK, "") or secret in MASK


def test_a_key_shows_only_enough_to_tell_keys_apart():
    assert mask_key("short-key") == "****"
    assert mask_key("0123456789abcdef-wxyz") == "****wxyz"
