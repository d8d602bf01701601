"""The webhooks a resource's lifecycle makes Twilio send, with Twilio's field sets.

Everything is decided when the resource is created (its timeline is fixed then), so the requests
are computed once and handed to ``Webhooks`` with the simulator-clock instants they are due.

Field sets (Twilio docs: "Track the Message Status of Outbound Messages", "Twilio's request to your
application", "Call resource: StatusCallbackEvent", "Receive an inbound SMS"): Twilio adds fields
over time and says to validate with its SDK's signature helper rather than against a fixed list.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .dates import format_rfc2822
from .lifecycle import Timeline
from .resources import API_VERSION
from .store import Record
from .webhooks import Webhook

__all__ = ["call_redirect_webhook", "call_webhooks", "inbound_message_webhook", "message_webhooks"]


def _country(number: str) -> str:
    return "US" if number.startswith("+1") else ""


def message_webhooks(record: Record) -> list[Webhook]:
    """A status callback for every status after the first (the one the create answer shows)."""
    data = record.data
    url = data.get("status_callback")
    if not url:
        return []
    timeline: Timeline = data["timeline"]
    hooks = []
    for offset, status in timeline[1:]:
        sender = data["from"] or data.get("service_from") or ""
        params: list[tuple[str, str]] = [
            ("AccountSid", record.account_sid),
            ("ApiVersion", API_VERSION),
            ("From", sender),
            ("MessageSid", record.sid),
            ("MessageStatus", status),
            ("SmsSid", record.sid),
            ("SmsStatus", status),
            ("To", data["to"]),
        ]
        if data.get("messaging_service_sid"):
            params.append(("MessagingServiceSid", data["messaging_service_sid"]))
        if status in ("undelivered", "failed") and data.get("error_code") is not None:
            params.append(("ErrorCode", str(data["error_code"])))
        due = record.created + offset
        hooks.append(Webhook(due, "message-status", record.account_sid, record.sid, url, "POST", tuple(params)))
    return hooks


def _call_params(record: Record, status: str) -> list[tuple[str, str]]:
    data = record.data
    return [
        ("AccountSid", record.account_sid),
        ("ApiVersion", API_VERSION),
        ("CallSid", record.sid),
        ("CallStatus", status),
        ("Called", data["to"]),
        ("CalledCountry", _country(data["to"])),
        ("Caller", data["from"]),
        ("CallerCountry", _country(data["from"])),
        ("Direction", "outbound-api"),
        ("From", data["from"]),
        ("FromCountry", _country(data["from"])),
        ("To", data["to"]),
        ("ToCountry", _country(data["to"])),
    ]


def call_redirect_webhook(record: Record, due: float) -> Webhook:
    """The request for the new TwiML of a call redirected to ``data["url"]`` while in progress."""
    data = record.data
    return Webhook(due, "call-answer", record.account_sid, record.sid, data["url"], data.get("method") or "POST",
                   tuple(_call_params(record, "in-progress")))


def call_webhooks(record: Record) -> list[Webhook]:
    """The request to the call's Url when it is answered (none for inline Twiml), and a status
    callback for each StatusCallbackEvent asked for."""
    data = record.data
    timeline: Timeline = data["timeline"]
    at = {status: float(offset) for offset, status in timeline}
    final_offset, final = float(timeline[-1][0]), timeline[-1][1]
    hooks: list[Webhook] = []
    answered_by = data.get("answered_by")
    if data.get("url") and "in-progress" in at:
        params = _call_params(record, "in-progress")
        if answered_by:
            params.append(("AnsweredBy", answered_by))
        hooks.append(Webhook(record.created + at["in-progress"], "call-answer", record.account_sid, record.sid,
                             data["url"], data.get("method") or "POST", tuple(params)))
    callback = data.get("status_callback")
    if not callback:
        return hooks
    moments = {
        "initiated": ("queued", 0.0),
        "ringing": ("ringing", at.get("ringing")),
        "answered": ("in-progress", at.get("in-progress")),
        "completed": (final, final_offset),
    }
    sequence = 0
    for event in data.get("status_callback_events", ["completed"]):
        status, offset = moments[event]
        if offset is None:
            continue  # a call that never rang or was never answered has no such event
        params = _call_params(record, status)
        params += [
            ("CallbackSource", "call-progress-events"),
            ("SequenceNumber", str(sequence)),
            ("Timestamp", format_rfc2822(record.created + offset) or ""),
        ]
        if event == "completed":
            answered = at.get("in-progress")
            seconds = int(final_offset - at["ringing"]) if answered is not None and "ringing" in at else 0
            params += [("CallDuration", str(seconds)), ("Duration", str(math.ceil(seconds / 60)))]
        if answered_by and event in ("answered", "completed") and "in-progress" in at:
            params.append(("AnsweredBy", answered_by))
        sequence += 1
        hooks.append(Webhook(record.created + offset, "call-status", record.account_sid, record.sid, callback,
                             data.get("status_callback_method") or "POST", tuple(params)))
    return hooks


def inbound_message_webhook(
    record: Record, url: str, method: str, media: Iterable[tuple[str, str]] = ()
) -> Webhook:
    """The request to the receiving number's SmsUrl."""
    data: dict[str, Any] = record.data
    params: list[tuple[str, str]] = [
        ("AccountSid", record.account_sid),
        ("ApiVersion", API_VERSION),
        ("Body", data["body"]),
        ("From", data["from"]),
        ("FromCity", ""),
        ("FromCountry", _country(data["from"])),
        ("FromState", ""),
        ("FromZip", ""),
        ("MessageSid", record.sid),
        ("NumMedia", str(data["num_media"])),
        ("NumSegments", str(data["num_segments"])),
        ("SmsMessageSid", record.sid),
        ("SmsSid", record.sid),
        ("SmsStatus", "received"),
        ("To", data["to"]),
        ("ToCity", ""),
        ("ToCountry", _country(data["to"])),
        ("ToState", ""),
        ("ToZip", ""),
    ]
    for index, (media_url, content_type) in enumerate(media):
        params += [(f"MediaUrl{index}", media_url), (f"MediaContentType{index}", content_type)]
    return Webhook(record.created, "inbound-message", record.account_sid, record.sid, url, method, tuple(params))
