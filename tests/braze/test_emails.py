"""Email addresses as Braze accepts them (braze-docs email_validation.md; spec, "Real-world
behaviours"), checked against examples and against the simulator's independent model."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from looker_braze.braze import emails
from looker_braze.braze.emails import normalise_email
from looker_braze.errors import DropValue
from looker_braze.sim.braze.fields import is_braze_email


@pytest.mark.parametrize(
    "given_address, sent",
    [
        ("ann@example.com", "ann@example.com"),
        (" first.last+tag@sub.example.co.uk ", "first.last+tag@sub.example.co.uk"),  # CHAR padding
        ("josé@bücher.de", "josé@xn--bcher-kva.de"),
        ("josé@BÜCHER.de", "josé@xn--bcher-kva.de"),  # IDNA maps case first
        ("用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"),
        ("ann@bücher。de", "ann@xn--bcher-kva.de"),  # an ideographic full stop separates labels
        ("ann@xn--bcher-kva.de", "ann@xn--bcher-kva.de"),
        ("ann@例え.テスト", "ann@xn--r8jz45g.xn--zckzah"),
        (
            "o'brien&co#1/x%y*z=w`v~u!t?s^r$q@example.com",
            "o'brien&co#1/x%y*z=w`v~u!t?s^r$q@example.com",
        ),
        ("ab@gmail.com", "ab@gmail.com"),
        ("first.last+shop@outlook.com", "first.last+shop@outlook.com"),
        ("a&b@delivery.com", "a&b@delivery.com"),
        ("x@shop.live", "x@shop.live"),
        ("ANN@Example.COM", "ANN@Example.COM"),
        ("a@b.c1", "a@b.c1"),
    ],
)
def test_accepted_addresses(given_address, sent):
    assert normalise_email(given_address) == sent


@pytest.mark.parametrize(
    "address, reason",
    [
        ("nope", emails.NO_AT),
        ("ann@", emails.NO_AT),
        ("a b@example.com", emails.WHITESPACE),
        ("a\u00a0b@example.com", emails.WHITESPACE),
        ("ann@exa mple.com", emails.WHITESPACE),
        ("a{b@example.com", emails.BAD_LOCAL_CHARACTER),
        ("a}b@example.com", emails.BAD_LOCAL_CHARACTER),
        ("a|b@example.com", emails.BAD_LOCAL_CHARACTER),
        ('"ann"@example.com', emails.BAD_LOCAL_CHARACTER),
        ("a,b@example.com", emails.BAD_LOCAL_CHARACTER),
        ("two@@example.com", emails.BAD_LOCAL_CHARACTER),
        ("e\u0301@example.com", emails.BAD_LOCAL_CHARACTER),  # a combining mark
        (".ann@example.com", emails.BAD_DOTS),
        ("ann.@example.com", emails.BAD_DOTS),
        ("first..last@example.com", emails.BAD_DOTS),
        ("@example.com", emails.LOCAL_LENGTH),
        (f"{'a' * 65}@example.com", emails.LOCAL_LENGTH),
        ("a@gmail.com", emails.GMAIL_SHORT),
        ("a&b@hotmail.com", emails.MICROSOFT_LOCAL),
        ("-ann@live.co.uk", emails.MICROSOFT_LOCAL),
        ("a@b", emails.BAD_DOMAIN),
        ("a@-example.com", emails.BAD_DOMAIN),
        ("a@example-.com", emails.BAD_DOMAIN),
        ("a@exa_mple.com", emails.BAD_DOMAIN),
        ("a@1.2.3.4", emails.BAD_DOMAIN),
        ("a@[127.0.0.1]", emails.BAD_DOMAIN),
        (f"a@{'b' * 64}.com", emails.BAD_DOMAIN),
        ("a@\u2603\u2603.com", emails.BAD_DOMAIN),  # IDNA 2008 refuses symbols
        (f"{'a' * 60}@{'b' * 63}.{'c' * 63}.{'d' * 63}.com", emails.TOO_LONG),
    ],
)
def test_refused_addresses_say_why(address, reason):
    with pytest.raises(DropValue) as refused:
        normalise_email(address)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    "address",
    [
        "ann@example.com",
        "josé@xn--bcher-kva.de",
        "a.b+c@outlook.com",
        "用户@xn--fsqu00a.xn--4rr70v",
    ],
)
def test_what_the_hub_sends_the_simulator_accepts(address):
    assert is_braze_email(normalise_email(address))


# ---------------------------------------------------------------- properties

local_characters = st.characters(
    codec="utf-8", categories=("L", "N", "P", "S", "Zs", "Mn"), exclude_characters="@"
) | st.sampled_from(list(".+_-'&#/{}|\" ,"))
locals_ = st.text(local_characters, min_size=0, max_size=12)
labels = st.text(
    st.characters(codec="utf-8", categories=("Ll", "Lu", "Lo", "Nd")) | st.sampled_from("-."),
    min_size=1,
    max_size=12,
)
domains = st.builds(".".join, st.lists(labels, min_size=1, max_size=3)) | st.sampled_from(
    ["gmail.com", "hotmail.com", "outlook.fr", "live.co.uk", "xn--bcher-kva.de", "example.com"]
)
addresses = st.builds("{}@{}".format, locals_, domains)


@given(addresses)
def test_every_accepted_address_has_an_ascii_domain_and_is_stable(address):
    try:
        sent = normalise_email(address)
    except DropValue:
        return
    local, _, domain = sent.rpartition("@")
    assert domain.isascii()
    assert local == address.strip().rpartition("@")[0]  # the local part is never changed
    assert normalise_email(sent) == sent  # normalising twice changes nothing


@given(addresses)
def test_the_hub_sends_only_what_the_simulator_accepts(address):
    try:
        sent = normalise_email(address)
    except DropValue:
        return
    assert is_braze_email(sent), sent


@given(addresses)
def test_on_ascii_domains_the_hub_and_the_simulator_agree(address):
    # Two models written apart (braze/emails.py, sim/braze/fields.py) from the same page.
    assume(address.rpartition("@")[2].isascii() and address == address.strip())
    try:
        normalise_email(address)
        hub = True
    except DropValue:
        hub = False
    assert hub == is_braze_email(address), address
