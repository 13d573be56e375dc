"""Phone numbers in E.164, so that Braze reads the digits it would read from the Look's text
(braze-docs user_phone_numbers.md: digits only; 10 digits without + are a U.S. number)."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from looker_braze.braze import phones
from looker_braze.braze.phones import normalise_phone
from looker_braze.errors import DropValue
from looker_braze.sim.braze.fields import phone_digits

E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@pytest.mark.parametrize(
    "given_number, sent",
    [
        ("+1 (724) 123-4567", "+17241234567"),
        ("(724) 123-4567", "+17241234567"),
        ("724.123.4567", "+17241234567"),
        ("7241234567", "+17241234567"),
        ("1 724 123 4567", "+17241234567"),
        ("+44 20 7183 8750", "+442071838750"),
        ("+551155256325", "+551155256325"),
        (7241234567, "+17241234567"),
        (7241234567.0, "+17241234567"),  # a numeric Looker column
    ],
)
def test_numbers_become_e164(given_number, sent):
    assert normalise_phone(given_number) == sent


@pytest.mark.parametrize(
    "number, reason",
    [
        ("call me", phones.NOT_A_NUMBER),
        ("+", phones.NOT_A_NUMBER),
        ("724-123-4567 x12", phones.NOT_A_NUMBER),
        ("٧٢٤١٢٣٤٥٦٧", phones.NOT_A_NUMBER),  # digits, but not ASCII ones
        ("2071838750 ", "+12071838750"),  # 10 digits: taken as U.S., as Braze does
        ("020 7183 8750", phones.NO_COUNTRY_CODE),
        ("0724123456", phones.NO_COUNTRY_CODE),  # 10 digits, but no valid U.S. area code
        ("555", phones.NO_COUNTRY_CODE),
        ("+0123456789", phones.BAD_LENGTH),
        ("+12345", phones.BAD_LENGTH),
        ("+1234567890123456", phones.BAD_LENGTH),
    ],
)
def test_numbers_that_cannot_be_sent_say_why(number, reason):
    if reason.startswith("+"):
        assert normalise_phone(number) == reason
        return
    with pytest.raises(DropValue) as refused:
        normalise_phone(number)
    assert refused.value.reason == reason


numbers = st.builds(
    "{}{}".format,
    st.sampled_from(["", "+", "+1 ", "1-", " "]),
    st.text(st.sampled_from("0123456789 ()-./"), min_size=1, max_size=20),
)


@given(numbers)
def test_normalising_twice_changes_nothing_and_gives_e164(number):
    try:
        sent = normalise_phone(number)
    except DropValue:
        return
    assert E164.fullmatch(sent)
    assert normalise_phone(sent) == sent


@given(numbers)
def test_braze_reads_the_same_digits_from_what_the_hub_sends_and_from_the_look(number):
    # The simulator's reading of a number is Braze's (sim/braze/fields.py, written apart).
    try:
        sent = normalise_phone(number)
    except DropValue:
        return
    assert phone_digits(sent) == phone_digits(number) == sent[1:]
