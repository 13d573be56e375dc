"""Phone numbers in E.164, the form the hub sends, chosen so Braze reads the digits it would read
from the number as the Look wrote it.

Braze (braze-inc/braze-docs,
_docs/_user_guide/message_building_by_channel/sms_mms_rcs/phone_numbers/user_phone_numbers.md):
a profile shows a phone number as a string of digits, every non-digit removed (``+1 (724)
123-4567`` shows as ``17241234567``); "all valid, 10-digit phone numbers" without + and country
code are taken as U.S. numbers, which "must be valid, 10-digit phone numbers with a valid area
code"; international numbers start with + and the country code; E.164 has at most 15 digits.

So: separators go; a 10-digit number whose area code starts with 2-9 (North American numbering)
becomes +1 and the ten digits, as does 1 followed by such a number; anything else needs the +.
Hand-written rather than phonenumbers: that library checks each country's numbering plan,
which Braze does not, and would refuse numbers Braze accepts.
"""

from __future__ import annotations

import re
from typing import Any

from looker_braze.errors import DropValue

_SEPARATORS = re.compile(r"[ \t().\-/]")
_DIGITS = re.compile(r"[0-9]+")
_US_NUMBER = re.compile(r"1?([2-9][0-9]{9})")
_E164_DIGITS = re.compile(r"[1-9][0-9]{6,14}")

NOT_A_NUMBER = "not a phone number (digits, with spaces ( ) - . / and a leading + allowed)"
NO_COUNTRY_CODE = (
    "has no country code (write + and the country code, e.g. +442071838750; only 10-digit "
    "U.S. numbers may leave it out)"
)
BAD_LENGTH = "is not an E.164 number (+, a country code that does not start with 0, 7-15 digits)"


def normalise_phone(value: Any) -> str:
    """``value`` in E.164 (+ and digits); DropValue says what is wrong with it."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric Looker column: 7241234567.0 is the number 7241234567
    text = str(value).strip()
    plus = text.startswith("+")
    digits = _SEPARATORS.sub("", text[1:] if plus else text)
    if not _DIGITS.fullmatch(digits):
        raise DropValue(NOT_A_NUMBER)
    if plus:
        if not _E164_DIGITS.fullmatch(digits):
            raise DropValue(BAD_LENGTH)
        return "+" + digits
    us = _US_NUMBER.fullmatch(digits)
    if us is None:
        raise DropValue(NO_COUNTRY_CODE)
    return "+1" + us[1]
