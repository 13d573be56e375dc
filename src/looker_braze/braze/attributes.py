"""Braze attribute values: standard profile fields checked and normalised before they are sent.

Braze stores an unmappable standard value as NULL, which erases what the profile had; so an
invalid value raises DropValue: the caller leaves it out and reports it. Normalisations are the
ones Braze documents or does itself (country names to ISO codes, case of enumerations).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from looker_braze.errors import DropValue

MAX_STRING = 255  # Braze truncates longer strings; we truncate and report it

# Identifiers are not attributes a tag may set: they choose the profile.
IDENTIFIER_NAMES = frozenset({"external_id", "braze_id", "user_alias", "_update_existing_only"})

_GENDERS = {
    "m": "M", "male": "M", "man": "M",
    "f": "F", "female": "F", "woman": "F",
    "o": "O", "other": "O",
    "n": "N", "not applicable": "N", "not_applicable": "N",
    "p": "P", "prefer not to say": "P", "prefer_not_to_say": "P",
}  # fmt: skip
_SUBSCRIPTION_STATES = frozenset({"opted_in", "subscribed", "unsubscribed"})

# RFC 5322 dot-atom local part and an RFC 1035 host name with a top-level domain. Hand-written
# because email-validator costs ~30 us an address (measured), several times a row's whole budget.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")
_PHONE_CHARS = re.compile(r"\+?[0-9][0-9 ().-]{5,30}")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def check_email(value: Any) -> str:
    text = str(value).strip()
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise DropValue("not a valid email address")
    return text


def check_phone(value: Any) -> str:
    text = str(value).strip()
    digits = sum(ch.isdigit() for ch in text)
    if not _PHONE_CHARS.fullmatch(text) or not 7 <= digits <= 15:
        raise DropValue("not a phone number (use E.164, e.g. +14155550123)")
    return text


def normalise_e164(value: Any) -> str:
    """A phone number in E.164, the form Braze looks users up by; separators are removed."""
    text = re.sub(r"[ ().-]", "", str(value).strip())
    if not _E164.fullmatch(text):
        raise DropValue("not an E.164 phone number (e.g. +14155550123)")
    return text


def check_gender(value: Any) -> str:
    try:
        return _GENDERS[str(value).strip().lower()]
    except KeyError:
        raise DropValue("gender must be M, F, O, N or P") from None


def check_country(value: Any) -> str:
    code = _countries().get(str(value).strip().lower())
    if code is None:
        raise DropValue("not an ISO-3166-1 country")
    return code


def check_language(value: Any) -> str:
    text = str(value).strip().lower().replace("_", "-")
    primary = text.split("-")[0]
    if primary not in _languages():
        raise DropValue("not an ISO-639-1 language code")
    return primary


def check_time_zone(value: Any) -> str:
    text = str(value).strip()
    zone = _time_zones().get(text.lower())
    if zone is None:
        raise DropValue("not an IANA time zone name (e.g. America/New_York)")
    return zone


def check_subscription(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in _SUBSCRIPTION_STATES:
        raise DropValue("must be opted_in, subscribed or unsubscribed")
    return text


def check_dob(value: Any) -> str:
    parsed = _as_date(value)
    if parsed is None or not 1 <= parsed.year <= 3000:
        raise DropValue("not a date of birth (YYYY-MM-DD)")
    return parsed.isoformat()


def check_date(value: Any) -> str:
    if isinstance(value, str) and _as_date(value) is None and _as_datetime(value) is None:
        raise DropValue("not a date or time")
    return value if isinstance(value, str) else str(value)


def check_location(value: Any) -> dict[str, float]:
    """Looker's location type arrives as "latitude,longitude"."""
    if isinstance(value, dict) and {"latitude", "longitude"} <= value.keys():
        latitude, longitude = value["latitude"], value["longitude"]
    else:
        try:
            latitude, longitude = (float(part) for part in str(value).split(","))
        except ValueError:
            raise DropValue("current_location needs 'latitude,longitude'") from None
    if not (-90 <= float(latitude) <= 90 and -180 <= float(longitude) <= 180):
        raise DropValue("current_location is out of range")
    return {"latitude": float(latitude), "longitude": float(longitude)}


def check_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise DropValue("must be true or false (a yesno field)")


def _unsupported(what: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        raise DropValue(f"needs {what}, which one Looker field cannot give")

    return check


def _any_string(value: Any) -> Any:
    return value


_any_string.passes_strings = True  # type: ignore[attr-defined]  # lets callers skip the call

STANDARD: dict[str, Callable[[Any], Any]] = {
    "first_name": _any_string,
    "last_name": _any_string,
    "home_city": _any_string,
    "image_url": _any_string,
    "email": check_email,
    "phone": check_phone,
    "gender": check_gender,
    "country": check_country,
    "language": check_language,
    "time_zone": check_time_zone,
    "dob": check_dob,
    "email_subscribe": check_subscription,
    "push_subscribe": check_subscription,
    "current_location": check_location,
    "date_of_first_session": check_date,
    "date_of_last_session": check_date,
    "marked_email_as_spam_at": check_date,
    "email_open_tracking_disabled": check_boolean,
    "email_click_tracking_disabled": check_boolean,
    "facebook": _unsupported("an object"),
    "twitter": _unsupported("an object"),
    "push_tokens": _unsupported("a list of objects"),
    "subscription_groups": _unsupported("a list of objects"),
}


def standard_check(name: str) -> Callable[[Any], Any] | None:
    """The check of a standard profile field (exact lower-case name), or None for a custom one."""
    return STANDARD.get(name)


def prepare_value(name: str, value: Any) -> tuple[Any, bool]:
    """The value to send for attribute ``name`` and whether it was cut to 255 characters."""
    check = STANDARD.get(name)
    if check is not None:
        value = check(value)
    if isinstance(value, str) and len(value) > MAX_STRING:
        return value[:MAX_STRING], True
    return value, False


# ---------------------------------------------------------------- reference data (loaded once)


@cache
def _countries() -> dict[str, str]:
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for key in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            text = getattr(country, key, None)
            if text:
                names[text.lower()] = country.alpha_2
    return names


@cache
def _languages() -> frozenset[str]:
    import pycountry

    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@cache
def _time_zones() -> dict[str, str]:
    return {zone.lower(): zone for zone in zoneinfo.available_timezones()}


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def _as_datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
