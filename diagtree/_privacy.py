"""Masking of subscriber numbers in free text, and a safe description of any exception.

Logs and error messages never carry a full MSISDN or IMSI. `mask_text` masks every run of 8 or
more digits in a text — written plainly (``8613800000001``), with a leading ``+``, or grouped
by single spaces or dashes (``+86 138 0000 0001``, ``138-0000-0001``) — keeping the first 3 and
the last 2 digits, like `mask_digits` does for one number: ``+86 1** **** **01``. Runs glued to
ASCII letters are left alone (identifiers, hashes), and so are calendar dates and times
(``2026-11-20``, ``2026-11-20T09:30:00+08:00``), network element ids (``460-00-20811-1``:
MCC-MNC-site-cell, shorter than an IMSI), the fraction of a decimal number, and runs of
fewer than 8 digits (amounts, latencies, counts). A number that is not an MSISDN but is as long
as one (a 10-digit epoch time) is masked too: better a masked timestamp than a leaked number.

`describe` gives ``"TypeName: message"`` for any exception — also one whose ``__str__`` returns
a non-string or raises, or whose ``__repr__`` fails — and never raises itself (save for a
`KeyboardInterrupt`/`SystemExit` arriving while it runs). `safe_repr` does the same for a
value. Neither masks: callers mask what they log.
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = ["describe", "mask_number", "mask_text", "mask_value", "safe_repr", "type_name"]

_INF = float("inf")
#: the longest text kept from an exception's message or a value's repr
MAX_TEXT: Final = 500

# A date or time, or a network element's id (MCC-MNC-site[-cell], like 460-00-20811-1), is
# matched first and kept as it is; otherwise a run of digits, possibly with a leading + and
# single space/dash separators, 8 digits or more. An element id of 15 digits or more (the
# length of an IMSI) is masked all the same (`_replace`).
_TOKENS = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"(?P<date>\d{4}-[01]\d-[0-3]\d(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?"
    r"(?:Z|[+-][0-2]\d:?[0-5]\d)?)?)(?![0-9A-Za-z])"
    r"|(?P<element>\d{3}-\d{2,3}-\d{1,7}(?:-\d{1,3})?)(?![0-9A-Za-z]|[ \-]\d)"
    r"|(?<!\d\.)(?P<num>\+?\d(?:[ \-]?\d){7,})"  # never backtracks: see `_replace`
    r")")
_LETTER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DIGIT = re.compile(r"\d")


def mask_number(text: str) -> str:
    """One number (digits, maybe with + and separators): all digits but the first 3 and last 2
    become ``*``; the separators stay."""
    count = sum(c.isdigit() for c in text)
    if count <= 5:
        return _DIGIT.sub("*", text)
    seen = 0

    def star(m: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        return m.group(0) if seen <= 3 or seen > count - 2 else "*"

    return _DIGIT.sub(star, text)


def _replace(m: re.Match[str]) -> str:
    number = m.group("num")
    if number is not None:
        end = m.end()
        if end < len(m.string) and m.string[end] in _LETTER:
            # glued to a letter: that last group is part of an identifier (decided here, not
            # by a look-ahead, so that a long run is scanned once: linear time on any text)
            cut = max(number.rfind(" "), number.rfind("-"))
            if cut < 0:
                return number
            head = number[:cut]
            return (mask_number(head) if sum(c.isdigit() for c in head) >= 8 else head) + \
                number[cut:]
        return mask_number(number)
    element = m.group("element")
    if element is not None and sum(c.isdigit() for c in element) >= 15:
        return mask_number(element)
    return m.group(0)  # a date, a time or an element id: kept


def mask_text(text: str) -> str:
    """`text` with every phone-number- or IMSI-like run of digits masked (module docstring)."""
    return _TOKENS.sub(_replace, text)


def mask_value(value: Any) -> Any:
    """A value for a log: strings masked, and an integer (not a bool) of 8 digits or more as
    its masked digits; containers are rebuilt with their items masked."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {mask_value(k): mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000_000:
        return mask_text(str(int(value)))
    if isinstance(value, float) and 1e7 <= abs(value) < _INF:
        return mask_text(repr(float(value)))
    return value


def type_name(obj: object) -> str:
    """The name of `obj`'s type; never raises."""
    try:
        name = type(obj).__name__
        return str.__str__(name) if isinstance(name, str) else "object"
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a metaclass can make even this fail
        return "object"


def _text(convert: Any, obj: object) -> str | None:
    """`convert(obj)` as a plain, bounded str; None when it fails or is not a str."""
    try:
        text = convert(obj)
        if not isinstance(text, str):
            return None
        text = str.__str__(text)  # a str subclass's own methods are never called
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # anything a user's __str__/__repr__ may raise
        return None
    if len(text) > MAX_TEXT:  # not cut inside a number: its head would escape the mask
        text = text[:MAX_TEXT].rstrip("0123456789 +-") + "…"
    return text


def describe(exc: BaseException) -> str:
    """``"TypeName: message"`` (or just the type name when the message is empty); the repr
    when the message cannot be had, and a placeholder when neither can. Never raises."""
    name = type_name(exc)
    text = _text(str, exc)
    if text is None:
        text = _text(repr, exc)
        if text is None:
            text = "(its message cannot be read)"
    return f"{name}: {text}" if text else name


def safe_repr(value: object) -> str:
    """``repr(value)``, bounded; a placeholder naming its type when the repr fails."""
    text = _text(repr, value)
    return text if text is not None else f"<{type_name(value)} whose repr fails>"
