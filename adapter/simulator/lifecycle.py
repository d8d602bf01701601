"""Status lifecycles as timelines fixed at creation and read lazily against the clock.

A resource stores ``[[offset_seconds, status], ...]`` from its creation instant. Its status at any
moment is the last step whose offset has elapsed. Nothing runs in the background, and changing
the timings later never rewrites the history of resources created earlier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CALL_FINAL",
    "MESSAGE_FINAL",
    "Timeline",
    "Timings",
    "call_timeline",
    "cut_timeline",
    "ended",
    "message_timeline",
    "reached",
    "status_at",
]

Timeline = list[list[Any]]  # [[offset_seconds: float, status: str], ...], offsets ascending

# Statuses after which Twilio lets you DELETE the record (anything else answers 20009). A message
# in ``sent`` is not final: Twilio waits for the carrier's receipt ("Cannot delete message in state SENT").
MESSAGE_FINAL = frozenset({"delivered", "undelivered", "failed", "received", "read", "canceled"})
CALL_FINAL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


@dataclass(frozen=True)
class Timings:
    """Seconds spent in each non-final status.

    The defaults are quick enough for a human at a terminal: a message is delivered 2 s after it
    is created, a call completes after 5 s.
    """

    message_accepted: float = 0.5  # accepted -> queued (a Messaging Service picks a sender)
    message_queued: float = 0.5  # queued -> sending
    message_sending: float = 0.5  # sending -> sent
    message_sent: float = 1.0  # sent -> delivered
    call_queued: float = 1.0  # queued -> ringing
    call_ringing: float = 1.0  # ringing -> in-progress
    call_in_progress: float = 3.0  # in-progress -> completed

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value < 0:
                raise ValueError(f"{name} must not be negative")


def _accumulate(start: float, steps: Sequence[tuple[float, str]]) -> Timeline:
    timeline: Timeline = []
    offset = start
    for duration, status in steps:
        timeline.append([offset, status])
        offset += duration
    return timeline


def message_timeline(
    timings: Timings, *, via_service: bool = False, send_after: float | None = None, final: str = "delivered"
) -> Timeline:
    """queued -> sending -> sent -> final (``failed`` straight from queued: never sent), preceded by
    ``accepted`` (Messaging Service) or ``scheduled`` (SendAt, ``send_after`` seconds from creation)."""
    head: Timeline = []
    start = 0.0
    if send_after is not None:
        head = [[0.0, "scheduled"]]
        start = send_after
    elif via_service:
        head = [[0.0, "accepted"]]
        start = timings.message_accepted
    if final == "failed":
        steps = [(timings.message_queued, "queued"), (0.0, "failed")]
    else:
        steps = [
            (timings.message_queued, "queued"),
            (timings.message_sending, "sending"),
            (timings.message_sent, "sent"),
            (0.0, final),
        ]
    return head + _accumulate(start, steps)


def call_timeline(timings: Timings, *, final: str = "completed", ring_for: float | None = None) -> Timeline:
    """queued -> ringing -> in-progress -> completed when answered; otherwise the call ends after
    ringing (``busy``, ``canceled``; ``no-answer`` after ``ring_for`` seconds, the call's Timeout)
    or without ringing (``failed``)."""
    if final == "failed":
        steps = [(timings.call_queued, "queued"), (0.0, "failed")]
    elif final == "completed":
        steps = [
            (timings.call_queued, "queued"),
            (timings.call_ringing, "ringing"),
            (timings.call_in_progress, "in-progress"),
            (0.0, "completed"),
        ]
    else:
        ringing = ring_for if final == "no-answer" and ring_for is not None else timings.call_ringing
        steps = [(timings.call_queued, "queued"), (ringing, "ringing"), (0.0, final)]
    return _accumulate(0.0, steps)


def ended(timeline: Timeline, elapsed: float) -> float | None:
    """Offset at which the resource reached its final status, if it has by ``elapsed``."""
    offset, status = timeline[-1]
    return float(offset) if offset <= elapsed else None


def status_at(timeline: Timeline, elapsed: float) -> tuple[str, float]:
    """The status after ``elapsed`` seconds and the offset at which it was entered."""
    status, since = timeline[0][1], float(timeline[0][0])
    for offset, step in timeline:
        if offset <= elapsed:
            status, since = step, float(offset)
        else:
            break
    return status, since


def reached(timeline: Timeline, status: str, elapsed: float) -> float | None:
    """Offset at which ``status`` was entered, if it has been by ``elapsed``."""
    for offset, step in timeline:
        if step == status and offset <= elapsed:
            return float(offset)
    return None


def cut_timeline(timeline: Timeline, elapsed: float, final: str) -> Timeline:
    """The timeline as lived until ``elapsed``, then ``final`` from that moment on: a call hung up or
    canceled, a scheduled message canceled. Earlier steps (and so the dates they render) stay as they were."""
    lived = [list(step) for step in timeline if step[0] <= elapsed]
    return [*lived, [max(elapsed, lived[-1][0] if lived else 0.0), final]]
