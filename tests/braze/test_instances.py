import pytest

from looker_braze.braze.instances import REST_HOSTS, parse_endpoint
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
