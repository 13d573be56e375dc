"""Braze's standard profile fields (exact lower-case names): how each value is checked, how it is
stored, and what Braze does with a bad one.

This is an independent model of Braze, on purpose: it is the oracle the product's tests are
compared against, so it is written from Braze's documentation and the spec
(shared/spec/braze-users-track.md) and imports none of the product's rules (braze/attributes.py,
emails.py, phones.py). The one thing shared is a data table, Rails' time zone names
(braze/rails_time_zones.py): third-party facts, not a rule of the product.

Modelled outcomes, per field:
  rejected object  first_name/last_name/home_city/image_url/phone not a string, phone without a
                   digit, email not an address Braze accepts (error text: EMAIL_INVALID), dob
                   not YYYY-MM-DD, gender not M/F/O/N/P, email_subscribe / push_subscribe not
                   opted_in/subscribed/unsubscribed, malformed subscription_groups /
                   current_location / session dates
  stored as NULL   country not an ISO-3166-1 alpha-2 code, language not ISO-639-1 (the field is
                   cleared, the rest of the object applies)
  not set          time_zone that is neither an IANA nor a Rails name: the old value stays
                   ("Only valid time zone values will be set": user_attributes_object.md)
  normalised       phone: stored as its digits, a 10-digit number without + taken as a U.S. one
                   (user_phone_numbers.md: "+1 (724) 123-4567" shows as 17241234567)
  null             removes the field, like any attribute
A standard name in other capitalisation is a custom attribute (handled elsewhere).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from looker_braze.braze.rails_time_zones import RAILS_TIME_ZONES
from looker_braze.errors import RejectRow
from looker_braze.sim.braze.values import MAX_STRING, invalid, parse_time

# Subscription states cost no data points.
FREE_FIELDS = frozenset({"email_subscribe", "push_subscribe", "subscription_groups"})
GENDERS = frozenset("MFONP")
SUBSCRIPTION_STATES = frozenset({"opted_in", "subscribed", "unsubscribed"})
GROUP_STATES = frozenset({"subscribed", "unsubscribed"})
_DOB = re.compile(r"\d{4}-\d{2}-\d{2}")
UNCHANGED = object()  # a value Braze ignores: the field keeps what it had
EMAIL_INVALID = "The value provided for the 'email' field is not a valid email."


@cache
def _countries() -> frozenset[str]:
    import pycountry

    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def _languages() -> frozenset[str]:
    import pycountry

    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@cache
def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones()) | frozenset(RAILS_TIME_ZONES)


def _text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        raise invalid(name)
    return value[:MAX_STRING]


def _email(name: str, value: Any) -> str | None:
    if value is not None and (type(value) is not str or not is_braze_email(value)):
        raise RejectRow(EMAIL_INVALID)
    return value


# Braze's email validation page (braze-docs, _docs/_user_guide/message_building_by_channel/email/
# email_setup/email_validation.md) and the spec: no whitespace; local part 1-64 characters of
# letters and numbers of any script, _ - ^ + $ ' & # / % * = ` ~ ! ?, non-ASCII punctuation and
# symbols, dots only between other characters; no { } | or "; Gmail: 2 characters or more;
# Microsoft domains: ASCII word characters, hyphens and single dots before any +; domain: ASCII
# labels of 1-63 letters, digits and hyphens (no hyphen at either end), two or more, the last not
# all digits. 254 characters at most in all (RFC 5321).
_LOCAL_SYMBOLS = frozenset("_-^+$'&#/%*=`~!?")
_MICROSOFT_WORDS = frozenset({"msn", "hotmail", "outlook", "live"})
_MICROSOFT_LOCAL = re.compile(r"\w[\-\w]*(?:\.[\-\w]+)*", re.ASCII)


def is_braze_email(text: str) -> bool:
    if len(text) > 254 or "@" not in text:
        return False
    local, _, domain = text.rpartition("@")
    labels = domain.lower().split(".")
    if not (_email_domain(labels) and _email_local(local)):
        return False
    if domain.lower() in ("gmail.com", "googlemail.com") and len(local) < 2:
        return False
    if _MICROSOFT_WORDS.intersection(labels[:-1]):
        return _MICROSOFT_LOCAL.fullmatch(local.split("+")[0]) is not None
    return True


def _email_domain(labels: list[str]) -> bool:
    return (
        len(labels) >= 2
        and all(_email_label(label) for label in labels)
        and not labels[-1].isdigit()
    )


def _email_label(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and label.isascii()
        and all(ch.isalnum() or ch == "-" for ch in label)
        and label[0] != "-"
        and label[-1] != "-"
    )


def _email_local(local: str) -> bool:
    if not 0 < len(local) <= 64 or local[0] == "." or local[-1] == "." or ".." in local:
        return False
    return all(_email_local_character(ch) for ch in local)


def _email_local_character(ch: str) -> bool:
    if ch.isascii():
        return ch.isalnum() or ch in _LOCAL_SYMBOLS or ch == "."
    return unicodedata.category(ch)[0] in "LNPS"  # letters, numbers, punctuation, symbols


def phone_digits(text: str) -> str | None:
    """How Braze stores a phone number: its digits, with a 1 before a 10-digit number that has
    no + and whose area code is valid (2-9 first); None when there is no digit."""
    digits = "".join(ch for ch in text if "0" <= ch <= "9")
    if not digits:
        return None
    if len(digits) == 10 and digits[0] >= "2" and not text.lstrip().startswith("+"):
        return "1" + digits
    return digits


def _phone(name: str, value: Any) -> str | None:
    if value is None:
        return None
    digits = phone_digits(value) if type(value) is str else None
    if digits is None:
        raise invalid(name)
    return digits


def _time_zone(name: str, value: Any) -> Any:
    if value is None:
        return None
    return value if type(value) is str and value in _time_zones() else UNCHANGED


def _dob(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not str or not _DOB.fullmatch(value):
        raise invalid(name)
    try:
        date.fromisoformat(value)
    except ValueError:
        raise invalid(name) from None
    return value


def _gender(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not str or value.upper() not in GENDERS:
        raise invalid(name)
    return value.upper()


def _code(known: Callable[[], frozenset[str]], case: Callable[[str], str]):
    def check(name: str, value: Any) -> str | None:
        # Braze cannot map the value: the field becomes NULL rather than the object failing.
        if type(value) is not str or case(value) not in known():
            return None
        return case(value)

    return check


def _subscription(name: str, value: Any) -> str | None:
    if value is not None and value not in SUBSCRIPTION_STATES:
        raise invalid(name)
    return value


def _groups(name: str, value: Any) -> list | None:
    if value is None:
        return None
    if type(value) is not list or not all(_is_group_state(item) for item in value):
        raise invalid(name)
    return value


def _is_group_state(item: Any) -> bool:
    return (
        type(item) is dict
        and type(item.get("subscription_group_id")) is str
        and item.get("subscription_state") in GROUP_STATES
    )


def _location(name: str, value: Any) -> dict | None:
    if value is None:
        return None
    if type(value) is not dict:
        raise invalid(name)
    latitude, longitude = value.get("latitude"), value.get("longitude")
    if not (_number_within(latitude, 90) and _number_within(longitude, 180)):
        raise invalid(name)
    return {"latitude": latitude, "longitude": longitude}


def _number_within(value: Any, bound: float) -> bool:
    return type(value) in (int, float) and -bound <= value <= bound


def _session_date(name: str, value: Any) -> str | None:
    if value is None:
        return None
    when = parse_time(value) if type(value) is str else None
    if when is None:
        raise invalid(name)
    return when


def _as_sent(name: str, value: Any) -> Any:
    return value


STANDARD_FIELDS: dict[str, Callable[[str, Any], Any]] = {
    "first_name": _text,
    "last_name": _text,
    "home_city": _text,
    "image_url": _text,
    "email": _email,
    "phone": _phone,
    "dob": _dob,
    "gender": _gender,
    "country": _code(_countries, str.upper),
    "language": _code(_languages, str.lower),
    "time_zone": _time_zone,
    "email_subscribe": _subscription,
    "push_subscribe": _subscription,
    "subscription_groups": _groups,
    "current_location": _location,
    "date_of_first_session": _session_date,
    "date_of_last_session": _session_date,
    **{
        name: _as_sent
        for name in (
            "attributed_campaign",
            "attributed_source",
            "attributed_adgroup",
            "attributed_ad",
            "push_tokens",
            "facebook",
            "twitter",
            "email_open_tracking_disabled",
            "email_click_tracking_disabled",
            "marked_email_as_spam_at",
        )
    },
}
CONTACT_FIELDS = ("email", "phone")


def check_standard(name: str, value: Any) -> Any:
    """The stored value (None: field cleared; UNCHANGED: left as it is) of standard field
    ``name``; raises RejectRow."""
    return STANDARD_FIELDS[name](name, value)
