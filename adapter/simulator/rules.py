"""How a call's well-formed arguments are read: the events it asks to be told about and how long it rings.

The limits on values (callback URLs up to 4000 characters, ValidityPeriod 1..36000, inline TwiML up to 4000
characters) are formats: the spec defines them and ``formats.py`` gives each refusal Twilio's code (21609,
21624, 32018).
"""

from __future__ import annotations

from typing import Protocol

from ..client.spec import default_spec

__all__ = [
    "CALL_EVENTS",
    "call_events",
    "ring_timeout",
]

# The events a call may ask for, in the order they happen: the spec's own list.
_EVENTS = default_spec().operation("createCall").arguments["StatusCallbackEvent"].items
CALL_EVENTS: tuple[str, ...] = tuple(_EVENTS.enum or ()) if _EVENTS is not None else ()
_DEFAULT_TIMEOUT = 60
_MAX_TIMEOUT = 600


class Form(Protocol):
    """A request body (werkzeug's MultiDict satisfies it), as the service sees one."""

    def get(self, key: str, /) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


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
