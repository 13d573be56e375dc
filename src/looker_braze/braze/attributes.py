"""Braze's standard profile fields, in one table: how each value is checked and normalised,
what it takes as told to users, whether Braze bills it, and whether one Looker field can hold it.
Also the limits every attribute shares (names and strings of 255 characters).

Braze stores an unmappable standard value as NULL, which erases what the profile had; so an
invalid value raises DropValue: the caller leaves it out and reports it. Normalisations are the
ones Braze documents or does itself (country names to ISO codes, case of enumerations, phone
numbers to E.164, internationalised email domains to punycode). Sources: the user attributes
object (braze-inc/braze-docs, _docs/_api/objects_filters/user_attributes_object.md) and
shared/spec/braze-users-track.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from looker_braze.braze.emails import normalise_email
from looker_braze.braze.phones import normalise_phone
from looker_braze.braze.time_zones import canonical_time_zone
from looker_braze.errors import DropValue

# Braze keeps custom attribute names and string values to 255 characters ("Key names and string
# values have a size limit of 255 characters": braze-docs, _docs/_user_guide/data_and_analytics/
# custom_data/custom_attributes/nested_custom_attribute_support.md; spec, "Real-world
# behaviours"). Longer values are cut and reported; longer names are not sent at all.
MAX_STRING = 255

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
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def attribute_name_fits(name: str) -> bool:
    """Whether Braze takes ``name`` as an attribute name (see MAX_STRING)."""
    return len(name) <= MAX_STRING


def check_email(value: Any) -> str:
    return normalise_email(value)


def check_phone(value: Any) -> str:
    return normalise_phone(value)


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
    zone = canonical_time_zone(str(value))
    if zone is None:
        raise DropValue(
            "not an IANA or Rails time zone name (America/New_York, Eastern Time (US & Canada))"
        )
    return zone


def check_subscription(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in _SUBSCRIPTION_STATES:
        raise DropValue("must be opted_in, subscribed or unsubscribed")
    return text


def check_dob(value: Any) -> str:
    if type(value) is str and is_iso_day(value) and value[:4] <= "3000":  # the usual day
        return value
    parsed = _as_date(value)
    if parsed is None or not 1 <= parsed.year <= 3000:
        raise DropValue("not a date of birth (YYYY-MM-DD)")
    return parsed.isoformat()


def is_iso_day(text: str) -> bool:
    """Whether ``text`` is a real day written YYYY-MM-DD (the usual shape, checked cheaply)."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    try:
        date.fromisoformat(text)  # with this shape, only YYYY-MM-DD parses
    except ValueError:
        return False
    return True


def check_date(value: Any) -> str:
    """A date, or a date-time with or without an offset (Braze reads none as UTC)."""
    if not isinstance(value, str):
        value = str(value)
    if _as_date(value) is None:
        raise DropValue("not a date or time")
    return value


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


@dataclass(frozen=True)
class StandardField:
    """One of Braze's standard profile fields, as the hub treats it."""

    check: Callable[[Any], Any]  # value -> the value to send; DropValue when it cannot be sent
    takes: str  # what it takes, as told to users
    billed: bool = True  # whether Braze bills a data point for it (subscription states: free)
    one_field: bool = True  # whether one Looker field can hold its value
    calendar_date: bool = False  # a day: a date-time stands for the day it names, unshifted


def _cannot(what: str) -> StandardField:
    return StandardField(_unsupported(what), what, one_field=False)


_TEXT = "any text"
_SUBSCRIPTION = "opted_in, subscribed or unsubscribed"
_DATE_OR_TIME = "a date or a date-time (ISO 8601, with or without an offset)"
_YES_NO = "true or false (a yesno field)"

# Exact lower-case names (a standard name in other capitalisation is a custom attribute).
STANDARD: dict[str, StandardField] = {
    "first_name": StandardField(_any_string, _TEXT),
    "last_name": StandardField(_any_string, _TEXT),
    "home_city": StandardField(_any_string, _TEXT),
    "image_url": StandardField(_any_string, "any text (a URL)"),
    "email": StandardField(
        check_email, "an email address (an internationalised domain is sent in punycode)"
    ),
    "phone": StandardField(
        check_phone,
        "a phone number, sent in E.164: + and the country code (+442071838750), or a 10-digit "
        "U.S. number",
    ),
    "gender": StandardField(check_gender, "M, F, O, N or P (male, female ... are converted)"),
    "country": StandardField(
        check_country, "an ISO-3166-1 country (codes and names become the alpha-2 code)"
    ),
    "language": StandardField(check_language, "an ISO-639-1 language code"),
    "time_zone": StandardField(
        check_time_zone,
        "an IANA time zone name (America/New_York) or a Rails one (Eastern Time (US & Canada))",
    ),
    "dob": StandardField(check_dob, "a date of birth (YYYY-MM-DD)", calendar_date=True),
    "email_subscribe": StandardField(check_subscription, _SUBSCRIPTION, billed=False),
    "push_subscribe": StandardField(check_subscription, _SUBSCRIPTION, billed=False),
    "current_location": StandardField(
        check_location, "'latitude,longitude' (a Looker location field)"
    ),
    "date_of_first_session": StandardField(check_date, _DATE_OR_TIME),
    "date_of_last_session": StandardField(check_date, _DATE_OR_TIME),
    "marked_email_as_spam_at": StandardField(check_date, _DATE_OR_TIME),
    "email_open_tracking_disabled": StandardField(check_boolean, _YES_NO),
    "email_click_tracking_disabled": StandardField(check_boolean, _YES_NO),
    "facebook": _cannot("an object"),
    "twitter": _cannot("an object"),
    "push_tokens": _cannot("a list of objects"),
    "subscription_groups": StandardField(
        _unsupported("a list of objects"), "a list of objects", billed=False, one_field=False
    ),
}

# Attributes Braze does not bill (identifiers, never attributes here, are free as well).
UNBILLED = frozenset(name for name, spec in STANDARD.items() if not spec.billed)


def standard_check(name: str) -> Callable[[Any], Any] | None:
    """The check of a standard profile field (exact lower-case name), or None for a custom one."""
    spec = STANDARD.get(name)
    return None if spec is None else spec.check


def prepare_value(name: str, value: Any) -> tuple[Any, bool]:
    """The value to send for attribute ``name`` and whether it was cut to 255 characters."""
    check = standard_check(name)
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


def _as_date(value: Any) -> date | None:
    """The day of an ISO 8601 date or date-time (any offset), read in full: trailing text fails."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not _ISO_DAY.match(text):  # YYYY-MM-DD first: not ISO's week dates or basic form
        return None
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None
