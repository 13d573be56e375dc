import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.braze.instances import (
    KEY_IN_ENDPOINT,
    REST_HOSTS,
    instance_of,
    looks_like_api_key,
    parse_endpoint,
)
from looker_braze.errors import InvalidEndpoint


@pytest.mark.parametrize("instance, host", sorted(REST_HOSTS.items()))
def test_every_documented_host_is_accepted(instance, host):
    endpoint = parse_endpoint(f"https://{host}")
    assert endpoint.base_url == f"https://{host}"
    assert endpoint.instance == instance
    assert endpoint.users_track_url == f"https://{host}/users/track"


def test_there_is_no_us_09():
    assert "US-09" not in REST_HOSTS


@pytest.mark.parametrize(
    "host, instance",
    [
        ("rest.us-11.braze.com", "US-11"),
        ("rest.fra-03.braze.eu", "FRA-03"),
        ("rest.sg-01.braze.com", "SG-01"),
    ],
)
def test_any_host_of_brazes_pattern_is_accepted_so_new_instances_need_no_release(host, instance):
    endpoint = parse_endpoint(f"https://{host}")
    assert endpoint.base_url == f"https://{host}" and endpoint.instance == instance


def test_eu_endpoint_works():
    assert parse_endpoint("https://rest.fra-01.braze.eu").instance == "EU-01"


@pytest.mark.parametrize(
    "raw",
    [
        "  https://rest.iad-01.braze.com/  ",
        "https://REST.IAD-01.braze.com",
        "http://rest.iad-01.braze.com",
    ],
)
def test_spaces_slash_case_and_http_are_normalised_to_https(raw):
    assert parse_endpoint(raw).base_url == "https://rest.iad-01.braze.com"


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("", "missing"),
        (None, "missing"),
        ("rest.iad-01.braze.com", "no protocol"),
        ("https://rest.notbraze.com", "not a Braze REST endpoint"),
        ("https://rest.braze.com", "not a Braze REST endpoint"),
        ("https://rest.a.b.braze.com", "not a Braze REST endpoint"),
        ("https://rest.-x.braze.com", "not a Braze REST endpoint"),
        ("https://api.iad-01.braze.com", "not a Braze REST endpoint"),
        ("https://rest.iad-01.braze.co", "not a Braze REST endpoint"),
        ("https://rest.iad-01.braze.com.evil.example", "not a Braze REST endpoint"),
        ("http://rest.iad-01.braze.com:80", "bare REST address"),
        ("https://x.example/?.braze.com", "bare REST address"),
        ("https://rest.iad-01.braze.com/users/track", "bare REST address"),
        ("https://rest.iad-01.braze.com?x=1", "bare REST address"),
        ("https://rest.iad-01.braze.com#frag", "bare REST address"),
        ("https://user:pw@rest.iad-01.braze.com", "bare REST address"),
        ("https://rest.iad-01.braze.com@evil.example", "bare REST address"),
        ("https://rest.iad-01.braze.com:8443", "bare REST address"),
        ("https://rest.iad-01.braze.com.evil.example", "not a Braze REST endpoint"),
        ("ftp://rest.iad-01.braze.com", "https://"),
        ("https://dashboard-03.braze.com", "rest.iad-03.braze.com"),
    ],
)
def test_bad_endpoints_are_refused_with_a_message(raw, fragment):
    with pytest.raises(InvalidEndpoint) as error:
        parse_endpoint(raw)
    assert fragment in str(error.value)


def test_operators_may_admit_more_base_urls():
    endpoint = parse_endpoint("http://127.0.0.1:9999/", ["http://127.0.0.1:9999"])
    assert endpoint.base_url == "http://127.0.0.1:9999"
    assert endpoint.instance == "custom"
    with pytest.raises(InvalidEndpoint):
        parse_endpoint("http://127.0.0.1:9998", ["http://127.0.0.1:9999"])


# ---------------------------------------------------------------- anything typed by hand


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("https://[::1", "not a valid web address"),
        ("https://[rest.iad-01.braze.com", "not a valid web address"),
        ("https:\uff0f\uff0frest.iad-01.braze.com", "full-width"),  # full-width slashes
        ("https://rest.iad-01.braze.com\uff0fx", "full-width"),  # NFKC makes it '/'
        ("https://rest\uff0eiad-01.braze.com", "full-width"),  # full-width dot
        ("https://\u2100.com", "non-ASCII"),  # NFKC makes it 'a/c'
        ("https://rest.iad-01.braze.com\u200b", "non-ASCII"),  # zero-width space
        ("https://rest.iad-01 .braze.com", "a space"),
        ("https://rest.iad-01.braze.com\x00", "control character"),
    ],
)
def test_what_urllib_cannot_split_is_refused_with_a_message(raw, fragment):
    with pytest.raises(InvalidEndpoint) as error:
        parse_endpoint(raw)
    assert fragment in str(error.value)


@given(st.text(max_size=200))
@settings(max_examples=500, deadline=None)
def test_any_text_is_accepted_or_refused_with_invalid_endpoint(raw):
    try:
        endpoint = parse_endpoint(raw, ["http://127.0.0.1:9999"])
    except InvalidEndpoint:
        return
    assert endpoint.base_url.startswith(("https://", "http://127.0.0.1:9999"))


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=60).map(lambda s: "https://" + s))
@settings(max_examples=500, deadline=None)
def test_any_ascii_url_is_accepted_or_refused_with_invalid_endpoint(raw):
    try:
        endpoint = parse_endpoint(raw)
    except InvalidEndpoint:
        return
    assert instance_of(endpoint.base_url.removeprefix("https://")) is not None


# ---------------------------------------------------------------- a key in the endpoint field

BRAZE_KEYS = st.uuids().map(str)
# Secrets of other tools: long hex or base64 runs.
OTHER_SECRETS = st.text(alphabet="abcdefABCDEF0123456789+/_-=", min_size=20, max_size=80)
WRAPPERS = st.sampled_from(
    ["{}", " {} ", "{}/", "https://{}", "http://{}/", "https://{}/x", "{}.", "https://x/{}"]
)


@given(key=BRAZE_KEYS | BRAZE_KEYS.map(str.upper), wrapper=WRAPPERS)
@settings(max_examples=200, deadline=None)
def test_a_braze_key_in_the_endpoint_field_is_named_as_such_and_never_quoted(key, wrapper):
    with pytest.raises(InvalidEndpoint) as error:
        parse_endpoint(wrapper.format(key))
    assert str(error.value) == KEY_IN_ENDPOINT
    assert "API key field" in KEY_IN_ENDPOINT


@given(secret=OTHER_SECRETS, wrapper=WRAPPERS)
@settings(max_examples=200, deadline=None)
def test_no_refusal_quotes_a_secret_shaped_value(secret, wrapper):
    with pytest.raises(InvalidEndpoint) as error:
        parse_endpoint(wrapper.format(secret))
    assert secret.strip("/") not in str(error.value)


@given(st.text(max_size=120))
@settings(max_examples=500, deadline=None)
def test_a_refusal_quotes_only_a_short_plain_host_name(raw):
    try:
        parse_endpoint(raw)
    except InvalidEndpoint as exc:
        quoted_parts = str(exc).split("'")[1::2]
        for part in quoted_parts:
            assert len(part) <= 80 and "." in part and not looks_like_api_key(part)


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("rest.iad-01.braze.com", "'rest.iad-01.braze.com'"),
        ("https://rest.notbraze.com", "'rest.notbraze.com'"),
        ("https://dashboard-03.braze.com", "'dashboard-03.braze.com'"),
    ],
)
def test_a_plain_host_is_quoted_to_help_spot_the_typo(raw, shown):
    with pytest.raises(InvalidEndpoint) as error:
        parse_endpoint(raw)
    assert shown in str(error.value)


@pytest.mark.parametrize(
    "raw",
    ["https://notakeybutlongerthantwenty", "notakeybutlongerthantwenty", "https://" + "a" * 90],
)
def test_a_value_that_is_no_plain_host_is_described_not_quoted(raw):
    with pytest.raises(InvalidEndpoint) as error:
        parse_endpoint(raw)
    assert raw.removeprefix("https://") not in str(error.value)


def test_an_operator_admitted_url_is_never_taken_for_a_key():
    url = "http://127.0.0.1:9999/5c3f1e2a-9b7d-4e61-a0c8-f2d4b6e8a1c3"
    assert parse_endpoint(url, [url]).instance == "custom"


def test_an_admitted_url_urllib_cannot_split_is_ignored_not_raised():
    assert parse_endpoint("https://rest.iad-01.braze.com", ["https://[::1"]).instance == "US-01"
