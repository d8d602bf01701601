"""The default account's history: a few delivered messages (one with media) and a few completed calls.

A fresh embedded simulator starts with this history so that a script written for the original platform
(``local calls = Twilio.listCall().calls; calls[1].sid ...``) finds something to read. Each entry is the
request a client would have sent, replayed through the simulator's own create path at a moment in the
past, so the records are exactly what the simulator would have made then (and pass its checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from .clock import Clock
from .errors import TwilioError
from .lifecycle import Timings
from .service import Service

__all__ = ["DEFAULT_HISTORY", "HistoryEntry", "seed_history"]

# Senders the default account owns (account.DEFAULT_CONFIG, the one place its numbers are listed): Twilio's
# test "From" number and the two numbers of the original platform's documentation (examples/seed_*.lua).
_TEST_FROM, _DEVICE_LINE, _VOICE_LINE = "+15005550006", "+16125550923", "+16123409875"
_ON_CALL, _FACILITIES, _DEVICE_OWNER = "+15558675310", "+15558675311", "+17635551234"


@dataclass(frozen=True)
class HistoryEntry:
    """One create request, ``minutes_ago`` before the history is written. ``seconds`` is how long a call
    lasted (Twilio's ``duration``); a message is delivered within seconds, as the simulator's
    timings say."""

    minutes_ago: float
    collection: str  # "messages" or "calls"
    form: dict[str, str | list[str]] = field(default_factory=dict)
    seconds: float | None = None


DEFAULT_HISTORY: tuple[HistoryEntry, ...] = (
    # Older than a month, for examples/cleanup_old_messages.lua to find.
    HistoryEntry(40 * 24 * 60, "messages",
                 {"From": _TEST_FROM, "To": _ON_CALL, "Body": "Site 4 monthly test: all alarms OK"}),
    HistoryEntry(3 * 24 * 60, "messages",
                 {"From": _TEST_FROM, "To": _ON_CALL, "Body": "Tank 2 level low (12%)"}),
    HistoryEntry(2 * 24 * 60 + 35, "calls",
                 {"From": _TEST_FROM, "To": _ON_CALL, "Url": "https://example.com/twiml/tank-alert.xml"},
                 seconds=47),
    HistoryEntry(2 * 24 * 60, "messages",
                 {"From": _DEVICE_LINE, "To": _DEVICE_OWNER, "Body": "Your device is in an error state."}),
    HistoryEntry(26 * 60, "calls",
                 {"From": _VOICE_LINE, "To": _FACILITIES, "Url": "https://example.com/twiml/escalation.xml"},
                 seconds=112),
    HistoryEntry(25 * 60, "messages",
                 {"From": _TEST_FROM, "To": _FACILITIES, "Body": "Pump 3 back to normal: 64 C at the outlet"}),
    HistoryEntry(3 * 60, "calls",
                 {"From": _TEST_FROM, "To": _ON_CALL,
                  "Twiml": "<Response><Say>Pump 3 overheated: 92 C at the outlet</Say></Response>"},
                 seconds=23),
    # The newest message is the MMS, so a script reading "the newest message's media" finds some.
    HistoryEntry(2 * 60, "messages",
                 {"From": _TEST_FROM, "To": _ON_CALL, "Body": "Pump 3 outlet gauge, 92 C",
                  "MediaUrl": ["https://example.com/site-4/pump-3-gauge.jpg",
                               "https://example.com/site-4/pump-3-trend.png"]}),
)


def seed_history(
    service: Service,
    account_sid: str,
    now: float,
    history: Sequence[HistoryEntry] = DEFAULT_HISTORY,
    timings: Timings | None = None,
) -> int:
    """Write ``history`` for ``account_sid`` as of ``now`` (epoch seconds) through ``service``'s account rules
    and outcomes, sending no webhooks; returns the records created. An entry the account refuses (a scenario
    that does not own its sender) is left out: the history is what this account could have sent."""
    created = 0
    base = timings or service.timings
    for entry in history:
        moment = now - entry.minutes_ago * 60
        timings_then = base
        if entry.seconds is not None:
            # The simulator's duration runs from ringing to completed.
            connected = max(0.0, entry.seconds - base.call_ringing)
            timings_then = Timings(**{**vars(base), "call_in_progress": connected})
        then = Service(service.store, Clock(start=moment), timings_then, accounts=service.accounts,
                       outcomes=service.outcomes)
        form: MultiDict[str, str] = MultiDict()
        for key, value in entry.form.items():
            for item in [value] if isinstance(value, str) else value:
                form.add(key, item)
        try:
            then.create(entry.collection, account_sid, form)
        except TwilioError:
            continue
        created += 1 + (len(form.getlist("MediaUrl")) if entry.collection == "messages" else 0)
    return created
