"""The complaint a CRM sends, parsed and validated into a frozen value.

Shape and rules: ``docs/integration.md`` ("A malformed complaint raises `ComplaintError`"). A
complaint missing a required field, with an unknown ``type``, an invalid MSISDN, a bad time or a
value out of range raises `ComplaintError` naming the field. Unknown keys are rejected too (a CRM
typo must not be silently ignored).

The MSISDN is checked against the numbering plans `phonenumbers` knows: E.164 digits (the
country code first, with or without a leading ``+``) always; a national number only when the
caller configured a default region (``parse_complaint(data, default_region="CN")``), and it is
then normalised to E.164 digits (``13800000001`` → ``8613800000001``).

Times must fall in the years 2000 to 2999 (as written, in their own offset): anything else is a
typo or a placeholder, and every deadline computed from such a time stays representable.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import astuple, dataclass, field
from typing import Any, Final

from diagtree._errors import ComplaintError, ConfigurationError, did_you_mean
from diagtree._vocab.taxonomy import (
    CHANNELS,
    LOCATED_SYMPTOMS,
    ROLES,
    SYMPTOMS,
    category_of,
)

__all__ = ["Complaint", "HistoryEntry", "Location", "Subject", "parse_complaint"]


#: the canonical shape of an MSISDN in files (the JSON schema's pattern: E.164 digits, no '+');
#: the parser is more lenient (a '+', a national number) and `phonenumbers` checks the plan
_MSISDN = re.compile(r"^[1-9][0-9]{7,14}$")
#: what may reach `phonenumbers` at all: digits, a leading '+' (a national number may be
#: written with its trunk prefix, e.g. 0, so a little longer than 15 digits is let through)
_DIALLED = re.compile(r"\+?[0-9]{2,17}")
#: the years a complaint's times may fall in (as written, in their own offset)
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2999
#: the most `incident.distinct_customers_24h` may say (more is not a count, it is a typo)
MAX_DISTINCT_CUSTOMERS: Final = 1_000_000_000
#: an int given for a text field (an id written as a number) has at most this many digits
_MAX_INT_DIGITS: Final = 30
#: a complaint's fields, in the order files write them (`_check.schema.COMPLAINT` reads them)
COMPLAINT_KEYS: Final = ("id", "type", "msisdn", "channel", "text", "reported_at", "location",
                         "subject", "agent_role", "incident", "history")
SUBJECT_KEYS: Final = ("charge_id", "sp_code", "payment_id", "card_serial", "number")
HISTORY_KEYS: Final = ("id", "at", "type", "cause")
_KEYS: Final = frozenset(COMPLAINT_KEYS)
_SUBJECT_KEYS: Final = SUBJECT_KEYS
_HISTORY_KEYS: Final = HISTORY_KEYS


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Subject:
    """The one record a complaint is about (all optional)."""

    charge_id: str | None = None
    sp_code: str | None = None
    payment_id: str | None = None
    card_serial: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    id: str
    at: _dt.datetime | None  # None: not given (such an entry never counts as a repeat)
    type: str | None
    cause: str | None

    @property
    def category(self) -> str | None:
        return category_of(self.cause) if self.cause else None


@dataclass(frozen=True)
class Complaint:
    id: str
    type: str
    msisdn: str
    reported_at: _dt.datetime
    channel: str = "hotline"
    text: str = ""
    location: Location | None = None
    subject: Subject = field(default_factory=Subject)
    agent_role: str = "agent"
    incident_distinct_customers_24h: int = 0
    history: tuple[HistoryEntry, ...] = ()

    @property
    def utc_offset(self) -> _dt.tzinfo:
        tz = self.reported_at.tzinfo
        assert tz is not None
        return tz

    def masked_msisdn(self) -> str:
        return mask_digits(self.msisdn)

    def to_dict(self) -> dict[str, Any]:
        """The complaint as plain JSON, in the shape `parse_complaint` reads (the inverse:
        ``parse_complaint(c.to_dict()) == c`` for a complaint it parsed)."""
        data: dict[str, Any] = {
            "id": self.id, "type": self.type, "msisdn": self.msisdn,
            "reported_at": self.reported_at.isoformat(), "channel": self.channel,
            "text": self.text, "agent_role": self.agent_role,
            "incident": {"distinct_customers_24h": self.incident_distinct_customers_24h}}
        if self.location is not None:
            data["location"] = {"lat": self.location.lat, "lon": self.location.lon}
        subject = {k: getattr(self.subject, k) for k in _SUBJECT_KEYS}
        if any(v is not None for v in subject.values()):
            data["subject"] = subject
        if self.history:
            data["history"] = [{"id": h.id, "at": h.at and h.at.isoformat(), "type": h.type,
                                "cause": h.cause} for h in self.history]
        return data
    def __reduce__(self) -> tuple[Any, ...]:
        # a pickle names `diagtree.Complaint` only (public: stable under internal moves); the
        # location, subject and history entries go as plain tuples, not as this module's classes
        location = None if self.location is None else (self.location.lat, self.location.lon)
        return (Complaint._unpickle, ((
            self.id, self.type, self.msisdn, self.reported_at, self.channel, self.text, location,
            astuple(self.subject), self.agent_role, self.incident_distinct_customers_24h,
            tuple(astuple(entry) for entry in self.history)),))

    @classmethod
    def _unpickle(cls, state: tuple[Any, ...]) -> Complaint:
        (id_, type_, msisdn, reported_at, channel, text, location, subject, agent_role,
         incidents, history) = state
        return cls(id_, type_, msisdn, reported_at, channel, text,
                   None if location is None else Location(*location), Subject(*subject),
                   agent_role, incidents, tuple(HistoryEntry(*entry) for entry in history))


def mask_digits(value: str) -> str:
    """Mask an MSISDN or IMSI for logs: keep the first 3 and last 2 digits."""
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def normalise_msisdn(value: str, default_region: str | None = None) -> str | None:
    """The E.164 digits (no '+') of a valid MSISDN, or None when it is not one.

    A leading '+' always means E.164. Digits alone are E.164 without a default region; with one,
    they are read in that region first (a national number, or one that starts with the region's
    own country code), then as E.164.
    """
    if not _DIALLED.fullmatch(value):
        return None
    return _normalised(value, default_region)


@functools.lru_cache(maxsize=4096)  # a CRM sends the same numbers again and again
def _normalised(value: str, default_region: str | None) -> str | None:
    import phonenumbers  # noqa: PLC0415 - imported on first use: `import diagtree` stays quick

    if default_region is None:  # E.164: most numbers need no full parse (see `_e164`)
        digits = value[1:] if value.startswith("+") else value
        known, valid = _e164(digits)
        if known:
            return digits if valid else None
    attempts = ([value] if value.startswith("+") else
                [value, "+" + value] if default_region else ["+" + value])
    for text in attempts:
        try:
            number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return e164.lstrip("+")
    return None


#: per country calling code: the pattern of its national prefix (None: it has none)
_NATIONAL_PREFIX: dict[int, re.Pattern[str] | None] = {}


def _e164(digits: str) -> tuple[bool, bool]:
    """Whether E.164 `digits` (no '+') are a valid number, as `phonenumbers` says, without
    its full parse (16 of the 24 µs a new number costs; a month's complaints bring hundreds
    of thousands of them): ``(True, valid)``, or ``(False, False)`` where only the full parse
    can tell.

    For ``"+" + digits`` the parse takes the country calling code (the first 1 to 3 digits
    that are one: no code is a prefix of another), leaves the rest as the national number
    unless it starts with the region's national prefix, and reads it as an integer. Here the
    same, for the numbers where that is all it does: a national number of 2 to 17 digits that
    does not start with 0 (Italian leading zeros) nor with the national prefix. The number is
    then checked by `phonenumbers.is_valid_number` itself, and its E.164 form is `digits`.
    `tests/test_complaint.py` checks this agrees with the full parse."""
    import phonenumbers  # noqa: PLC0415 - imported on first use

    if len(digits) <= 2 or digits[0] == "0":
        return False, False
    codes = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in codes:
            break
    else:
        return False, False
    national = digits[size:]
    if not 2 <= len(national) <= 17 or national[0] == "0":
        return False, False
    if code in _NATIONAL_PREFIX:
        prefix = _NATIONAL_PREFIX[code]
    else:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
            code, phonenumbers.region_code_for_country_code(code))
        if metadata is None:  # (every calling code has metadata; if not, the full parse)
            return False, False
        pattern = metadata.national_prefix_for_parsing
        prefix = _NATIONAL_PREFIX[code] = re.compile(pattern) if pattern else None
    if prefix is not None and prefix.match(national):
        return False, False
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    return True, phonenumbers.is_valid_number(number)


def check_region(default_region: str | None) -> str | None:
    """`default_region` as given, if it is None or a region `phonenumbers` knows
    (`ConfigurationError` otherwise: a configuration mistake, not a malformed complaint)."""
    if default_region is None:
        return None
    import phonenumbers  # noqa: PLC0415 - imported on first use

    if not isinstance(default_region, str) or \
            default_region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigurationError("default_region", "must be an ISO 3166 region code such as "
                                 f"'CN' (upper case), got {default_region!r}")
    return default_region


def _clip(text: str) -> str:
    """Text from the complaint for an error message: short, digit runs masked (a phone
    number may hide in any field)."""
    if len(text) > 40:
        text = text[:37] + "..."
    return _DIGIT_RUN.sub(lambda m: mask_digits(m.group(0)), text)


def _shown(value: Any) -> str:
    """A value for an error message (never a huge number spelt out)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return "a number too large"
    return repr(_clip(value)) if isinstance(value, str) else _clip(repr(value))


_DIGIT_RUN = re.compile(r"[0-9]{6,}")


def parse_time(value: Any, field_name: str) -> _dt.datetime:
    """An ISO 8601 timestamp with a UTC offset (YAML may already have parsed it), in the years
    2000 to 2999."""
    if isinstance(value, _dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value)
        except ValueError:
            raise ComplaintError(field_name, f"{_shown(value)} is not an ISO 8601 time "
                                 "(expected e.g. 2026-11-20T09:30:00+08:00)") from None
    else:
        raise ComplaintError(field_name, f"expected an ISO 8601 time, got {type(value).__name__}")
    if parsed.utcoffset() is None:
        raise ComplaintError(field_name, f"{_shown(str(value))} has no UTC offset "
                             "(add e.g. +08:00)")
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ComplaintError(field_name, f"the year {parsed.year} is outside {FIRST_YEAR} to "
                             f"{LAST_YEAR} (expected the time the complaint was made)")
    return parsed


_NO_SUBJECT = Subject()  # (frozen: one for every complaint without a subject)


def _is_mapping(value: Any) -> bool:
    """`isinstance(value, Mapping)`, without the ABC check for a plain dict."""
    return type(value) is dict or isinstance(value, Mapping)


def _string(value: Any, field_name: str, *, required: bool = False) -> str | None:
    if type(value) is not str or not value.isascii():  # (ASCII text, the common case, is valid)
        if value is None:
            if required:
                raise ComplaintError(field_name, "is required", "complaint_missing_field")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ComplaintError(field_name, f"expected a string, got {type(value).__name__}")
        if isinstance(value, int):
            if abs(value) >= 10**_MAX_INT_DIGITS:
                raise ComplaintError(field_name, f"expected a string, got a number of more "
                                     f"than {_MAX_INT_DIGITS} digits")
            return str(value)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (JSON's "\ud800"): not text
            raise ComplaintError(field_name, "is not valid Unicode text") from None
    if required and not value.strip():
        raise ComplaintError(field_name, "is required (it is empty)", "complaint_missing_field")
    return value


def _choice(value: Any, field_name: str, choices: tuple[str, ...], default: str) -> str:
    if value is None:
        return default
    text = str(_string(value, field_name))
    if text not in choices:
        hint = did_you_mean(text[:100], choices)
        message = f"{_shown(text)} is not one of {', '.join(choices)}" + \
            (f"; {hint}" if hint else "")
        raise ComplaintError(field_name, message, "complaint_unknown_value")
    return text


def _degrees(value: Any, field_name: str, limit: int) -> float:
    """A latitude (limit 90) or longitude (limit 180) in degrees: a finite number in range."""
    expected = f"expected a number of degrees from -{limit} to {limit}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        got = "nothing" if value is None else type(value).__name__
        raise ComplaintError(field_name, f"{expected}, got {got}")
    if not -limit <= value <= limit:  # compared as given: a huge int never becomes a float
        got = "NaN" if isinstance(value, float) and math.isnan(value) else _shown(value)
        raise ComplaintError(field_name, f"{expected}, got {got}")
    return float(value)


def _count(value: Any, field_name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or \
            not 0 <= value <= MAX_DISTINCT_CUSTOMERS:
        shown = type(value).__name__ if isinstance(value, bool) or not isinstance(value, int) \
            else _shown(value)
        raise ComplaintError(field_name, f"expected a count from 0 to {MAX_DISTINCT_CUSTOMERS:,}"
                             f", got {shown}")
    return value


def _msisdn(value: Any, default_region: str | None) -> str:
    text = _string(value, "msisdn", required=True)
    assert text is not None
    normalised = normalise_msisdn(text, default_region)
    if normalised is None:
        national = (f"or a national number of region {default_region}" if default_region else
                    "a national number is accepted only with a default region")
        raise ComplaintError("msisdn", f"{mask_digits(text[:20])!r} is not a valid E.164 number "
                             "(expected the country code and number as digits, with or without "
                             f"a leading '+', e.g. 8613800000001; {national})",
                             "complaint_bad_msisdn")
    return normalised


def parse_complaint(data: Mapping[str, Any], *, default_id: str | None = None,
                    default_region: str | None = None) -> Complaint:
    """Validate a complaint mapping (from JSON/YAML/the CRM) into a `Complaint`.

    `default_region` (an ISO 3166 code such as ``"CN"``) lets the MSISDN be a national number
    of that region; it is normalised to E.164 digits. Without it the MSISDN must be E.164.
    """
    check_region(default_region)
    if not _is_mapping(data):
        raise ComplaintError("(complaint)", f"expected a mapping, got {type(data).__name__}")
    for key in data:
        if key not in _KEYS:
            hint = did_you_mean(str(key)[:100], _KEYS)
            raise ComplaintError(_clip(str(key)),
                                 "unknown field" + (f"; {hint}" if hint else ""),
                                 "complaint_unknown_field")
    cid = _string(data.get("id", default_id), "id", required=True)
    ctype = _string(data.get("type"), "type", required=True)
    if ctype not in SYMPTOMS:
        hint = did_you_mean(str(ctype)[:100], SYMPTOMS)
        raise ComplaintError("type", f"unknown symptom {_shown(ctype)}" +
                             (f"; {hint}" if hint else ""), "complaint_unknown_symptom")
    msisdn = _msisdn(data.get("msisdn"), default_region)
    assert cid is not None
    if data.get("reported_at") is None:
        raise ComplaintError("reported_at", "is required", "complaint_missing_field")
    reported_at = parse_time(data["reported_at"], "reported_at")

    location = None
    loc = data.get("location")
    if loc is not None:
        if not _is_mapping(loc) or set(loc) - {"lat", "lon"}:
            raise ComplaintError("location", "expected {lat: <degrees>, lon: <degrees>}")
        location = Location(_degrees(loc.get("lat"), "location.lat", 90),
                            _degrees(loc.get("lon"), "location.lon", 180))
    elif ctype in LOCATED_SYMPTOMS:
        raise ComplaintError("location", f"is required for a {ctype} complaint "
                             "(where the problem happens)", "complaint_missing_field")

    subject = _NO_SUBJECT
    sub = data.get("subject")
    if sub is not None:
        if not _is_mapping(sub):
            raise ComplaintError("subject", "expected a mapping")
        _known_keys(sub, _SUBJECT_KEYS, "subject")
        subject = Subject(**{k: _string(sub.get(k), f"subject.{k}") for k in _SUBJECT_KEYS})

    incident = data.get("incident")
    if incident is None:
        incident = {}
    if not _is_mapping(incident) or set(incident) - {"distinct_customers_24h"}:
        raise ComplaintError("incident", "expected {distinct_customers_24h: <count>}")
    distinct = _count(incident.get("distinct_customers_24h"), "incident.distinct_customers_24h")

    history: list[HistoryEntry] = []
    raw_history = data.get("history")
    if raw_history is None:
        raw_history = []
    if not isinstance(raw_history, list | tuple):
        raise ComplaintError("history", "expected a list of earlier complaints")
    for i, entry in enumerate(raw_history):
        name = f"history[{i}]"
        if not _is_mapping(entry):
            raise ComplaintError(name, "expected {id, at, type, cause}")
        _known_keys(entry, _HISTORY_KEYS, name)
        history.append(HistoryEntry(
            id=_string(entry.get("id"), f"{name}.id") or f"#{i}",
            at=None if entry.get("at") is None else parse_time(entry.get("at"), f"{name}.at"),
            type=_string(entry.get("type"), f"{name}.type"),
            cause=_string(entry.get("cause"), f"{name}.cause"),
        ))

    return Complaint(
        id=cid,
        type=ctype,
        msisdn=msisdn,
        reported_at=reported_at,
        channel=_choice(data.get("channel"), "channel", CHANNELS, "hotline"),
        text=_string(data.get("text"), "text") or "",
        location=location,
        subject=subject,
        agent_role=_choice(data.get("agent_role"), "agent_role", ROLES, "agent"),
        incident_distinct_customers_24h=distinct,
        history=tuple(history),
    )


def _known_keys(data: Mapping[Any, Any], keys: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in keys:
            hint = did_you_mean(str(key)[:100], keys)
            message = "unknown field" + (f"; {hint}" if hint else "")
            raise ComplaintError(f"{where}.{_clip(str(key))}", message,
                                 "complaint_unknown_field")
