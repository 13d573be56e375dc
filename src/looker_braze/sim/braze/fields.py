"""Braze's standard profile fields (exact lower-case names): how each value is checked and what
Braze does with a bad one.

Modelled outcomes, per field:
  rejected object  first_name/last_name/home_city/image_url/phone not a string, email not an
                   address, dob not YYYY-MM-DD, gender not M/F/O/N/P, email_subscribe /
                   push_subscribe not opted_in/subscribed/unsubscribed, malformed
                   subscription_groups / current_location / session dates
  stored as NULL   country not an ISO-3166-1 alpha-2 code, language not ISO-639-1, time_zone
                   not an IANA name (the field is cleared, the rest of the object applies)
  null             removes the field, like any attribute
A standard name in other capitalisation is a custom attribute (handled elsewhere).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from looker_braze.sim.braze.values import MAX_STRING, invalid, parse_time

# Subscription states cost no data points.
FREE_FIELDS = frozenset({"email_subscribe", "push_subscribe", "subscription_groups"})
GENDERS = frozenset("MFONP")
SUBSCRIPTION_STATES = frozenset({"opted_in", "subscribed", "unsubscribed"})
GROUP_STATES = frozenset({"subscribed", "unsubscribed"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DOB = re.compile(r"\d{4}-\d{2}-\d{2}")


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

    return frozenset(zoneinfo.available_timezones())


def _text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        raise invalid(name)
    return value[:MAX_STRING]


def _email(name: str, value: Any) -> str | None:
    if value is not None and (type(value) is not str or not _EMAIL.fullmatch(value)):
        raise invalid(name)
    return value


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
    "phone": _text,
    "dob": _dob,
    "gender": _gender,
    "country": _code(_countries, str.upper),
    "language": _code(_languages, str.lower),
    "time_zone": _code(_time_zones, lambda text: text),
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
    """The stored value (None: field cleared) of standard field ``name``; raises RejectRow."""
    return STANDARD_FIELDS[name](name, value)
