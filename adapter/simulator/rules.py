"""Twilio's rules on create arguments beyond their formats, each with Twilio's own code.

``validation.py`` checks what a request must contain and how each value is written; these are the
limits Twilio enforces on values that are well formed: callback URLs, validity periods, the length
of inline TwiML, the events a call may ask to be told about and how long it may ring.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

from .errors import TwilioError

__all__ = [
    "CALL_EVENTS",
    "MAX_TWIML",
    "MAX_URL",
    "call_events",
    "check_call_rules",
    "check_message_rules",
    "ring_timeout",
]

MAX_URL = 4000
MAX_TWIML = 4000
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")
_DEFAULT_TIMEOUT = 60
_MAX_TIMEOUT = 600


class Form(Protocol):
    """A request body (werkzeug's MultiDict satisfies it), as the service sees one."""

    def get(self, key: str, /) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and len(value) <= MAX_URL


def check_message_rules(form: Form) -> None:
    callback = form.get("StatusCallback")
    if callback and not _is_url(callback):
        raise TwilioError(21609, value=callback)
    validity = form.get("ValidityPeriod")
    if validity:
        try:
            seconds = int(validity)
        except ValueError:
            raise TwilioError(21624, value=validity) from None
        if not 1 <= seconds <= 36000:
            raise TwilioError(21624, value=validity)


def check_call_rules(form: Form) -> None:
    twiml = form.get("Twiml")
    if twiml and len(twiml) > MAX_TWIML:
        raise TwilioError(32018)


def call_events(form: Form) -> list[str]:
    """The StatusCallbackEvents a call asked for (Twilio's default: ``completed`` only). Twilio also
    accepts them space-separated in one value."""
    asked = [event for value in form.getlist("StatusCallbackEvent") for event in value.split() if event]
    return [event for event in CALL_EVENTS if event in asked] if asked else ["completed"]


def ring_timeout(form: Form) -> float:
    """How long an unanswered call rings before it ends ``no-answer`` (Timeout, default 60 s, max 600)."""
    raw = form.get("Timeout")
    try:
        seconds = int(raw) if raw else _DEFAULT_TIMEOUT
    except ValueError:
        seconds = _DEFAULT_TIMEOUT
    return float(min(max(seconds, 1), _MAX_TIMEOUT))
