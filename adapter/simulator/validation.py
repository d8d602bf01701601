"""Checks applied to create requests, in the order Twilio applies them, raising ``TwilioError``.

These are the request's own formats; what the account may send from (``account.py``), the test
credentials' magic numbers (``magic.py``) and per-recipient outcomes (``outcomes.py``) come after.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

from .errors import TwilioError

__all__ = [
    "MAX_BODY",
    "MAX_MEDIA",
    "SEND_AT_MAX_SECONDS",
    "SEND_AT_MIN_SECONDS",
    "check_call",
    "check_message",
    "check_schedule",
    "is_e164",
    "parse_send_at",
]

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_WHATSAPP = re.compile(r"^whatsapp:\+[1-9]\d{1,14}$")
# Alphanumeric sender IDs: up to 11 characters, letters/digits/spaces, at least one letter.
_ALPHANUMERIC = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_SHORT_CODE = re.compile(r"^\d{5,6}$")
# Voice endpoints besides phone numbers: Client identities and SIP URIs.
_CLIENT = re.compile(r"^client:[A-Za-z0-9_.@-]{1,256}$")
_SIP = re.compile(r"^sip:[^@\s]+@[^@\s]+$")
_MESSAGING_SERVICE = re.compile(r"^MG[0-9a-fA-F]{32}$")
_CONTENT = re.compile(r"^HX[0-9a-fA-F]{32}$")

MAX_BODY = 1600
MAX_MEDIA = 10
SEND_AT_MIN_SECONDS = 900  # 15 minutes (Twilio error 35114)
SEND_AT_MAX_SECONDS = 35 * 24 * 3600


def is_e164(value: str) -> bool:
    return bool(E164.match(value))


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _message_sender_ok(value: str) -> bool:
    return bool(E164.match(value) or _WHATSAPP.match(value) or _ALPHANUMERIC.match(value) or _SHORT_CODE.match(value))


def _message_recipient_ok(value: str) -> bool:
    return bool(E164.match(value) or _WHATSAPP.match(value))


def _voice_endpoint_ok(value: str) -> bool:
    return bool(E164.match(value) or _CLIENT.match(value) or _SIP.match(value))


def parse_send_at(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def check_message(
    to: str | None,
    from_: str | None,
    messaging_service_sid: str | None,
    body: str | None,
    media_urls: list[str],
    content_sid: str | None,
) -> None:
    """Validate a CreateMessage request; the first failing rule raises."""
    if not to:
        raise TwilioError(21604)
    if not from_ and not messaging_service_sid:
        raise TwilioError(21603)
    if not body and not media_urls and not content_sid:
        raise TwilioError(21602)
    if not _message_recipient_ok(to):
        raise TwilioError(21211, to=to)
    if from_ and not _message_sender_ok(from_):
        raise TwilioError(21212, from_=from_)
    if from_ and from_.startswith("whatsapp:") != to.startswith("whatsapp:"):
        raise TwilioError(21910)
    if messaging_service_sid and not _MESSAGING_SERVICE.match(messaging_service_sid):
        raise TwilioError(21701, value=messaging_service_sid)
    if content_sid and not _CONTENT.match(content_sid):
        raise TwilioError(21656)
    if body and len(body) > MAX_BODY:
        raise TwilioError(21617)
    if len(media_urls) > MAX_MEDIA:
        raise TwilioError(21623)
    if not all(_is_http_url(url) for url in media_urls):
        raise TwilioError(21620)


def check_schedule(schedule_type: str | None, send_at: str | None, now: float) -> float | None:
    """Validate ScheduleType/SendAt; returns the epoch to send at, or None when not scheduled."""
    if not schedule_type:
        return None
    if schedule_type != "fixed":
        raise TwilioError(35126)
    if not send_at:
        raise TwilioError(35111)
    when = parse_send_at(send_at)
    if when is None or not SEND_AT_MIN_SECONDS <= when - now <= SEND_AT_MAX_SECONDS:
        raise TwilioError(35114)
    return when


def check_call(
    to: str | None,
    from_: str | None,
    url: str | None,
    twiml: str | None,
    application_sid: str | None,
    methods: dict[str, str],
) -> None:
    """Validate a CreateCall request; the first failing rule raises."""
    if not to:
        raise TwilioError(21201)
    if not from_:
        raise TwilioError(21213)
    if not url and not twiml and not application_sid:
        raise TwilioError(21205)
    if not _voice_endpoint_ok(to):
        raise TwilioError(21217, to=to)
    if not _voice_endpoint_ok(from_):
        raise TwilioError(21212, from_=from_)
    if url and not _is_http_url(url):
        raise TwilioError(21205, message=f"Url is not a valid URL: {url}")
    for value in methods.values():
        if value.upper() not in ("GET", "POST"):
            raise TwilioError(21209, value=value)
