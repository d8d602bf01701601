"""Checks applied to create requests, in the order Twilio applies them, raising ``TwilioError``.

These are the request's own formats: what must be present, then every argument's format, built from the
spec (``formats.py``: the spec defines the formats, that module only says which Twilio code a refusal
gets), then the pairing of channels. What the account may send from (``account.py``), the test
credentials' magic numbers (``magic.py``) and per-recipient outcomes (``outcomes.py``) come after.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .errors import TwilioError
from .formats import Form, check_arguments, format_matches, present

__all__ = [
    "SEND_AT_MAX_SECONDS",
    "SEND_AT_MIN_SECONDS",
    "check_call",
    "check_message",
    "check_schedule",
    "is_e164",
    "parse_send_at",
]

SEND_AT_MIN_SECONDS = 900  # 15 minutes (Twilio error 35114)
SEND_AT_MAX_SECONDS = 35 * 24 * 3600

# A channel address only reaches its own channel (Twilio's 21910): WhatsApp to WhatsApp, Messenger to Messenger.
_PAIRED_CHANNELS = ("whatsapp:", "messenger:")


def is_e164(value: str) -> bool:
    return format_matches("e164", value)


def parse_send_at(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def check_message(form: Form) -> None:
    """Validate a CreateMessage request; the first failing rule raises."""
    to, from_ = present(form, "To"), present(form, "From")
    if not to:
        raise TwilioError(21604)
    if not from_ and not present(form, "MessagingServiceSid"):
        raise TwilioError(21603)
    if not present(form, "Body") and not any(form.getlist("MediaUrl")) and not present(form, "ContentSid"):
        raise TwilioError(21602)
    check_arguments("postMessage", form)
    if from_ and any(from_.startswith(channel) != to.startswith(channel) for channel in _PAIRED_CHANNELS):
        raise TwilioError(21910)


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


def check_call(form: Form) -> None:
    """Validate a CreateCall request; the first failing rule raises."""
    to, from_ = present(form, "To"), present(form, "From")
    if not to:
        raise TwilioError(21201)
    if not from_:
        raise TwilioError(21213)
    if not present(form, "Url") and not present(form, "Twiml") and not present(form, "ApplicationSid"):
        raise TwilioError(21205)
    check_arguments("createCall", form)
