"""Twilio-shaped JSON for Calls, Messages and Media, rendered from stored records at a moment.

Every property of Twilio's OpenAPI schema for the resource is present (null when the simulator has
nothing to say), numeric-looking values are strings exactly where Twilio uses strings, and dates
are RFC 2822 in GMT.
"""

from __future__ import annotations

import hashlib
import math
import mimetypes
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .dates import format_rfc2822
from .lifecycle import Timeline, ended, reached, status_at
from .store import Record

__all__ = [
    "API_VERSION",
    "CALL_SUBRESOURCES",
    "account_path",
    "call_price",
    "call_resource",
    "content_type_for",
    "created_at",
    "ended_at",
    "format_number",
    "media_resource",
    "message_price",
    "message_resource",
    "message_sender",
    "new_sid",
    "num_segments",
    "phone_number_sid",
    "reached_at",
    "status_of",
]

API_VERSION = "2010-04-01"

# Call subresources exactly as listed in Twilio's example Call resource.
CALL_SUBRESOURCES: dict[str, str] = {
    "events": "Events",
    "notifications": "Notifications",
    "payments": "Payments",
    "recordings": "Recordings",
    "siprec": "Siprec",
    "streams": "Streams",
    "transcriptions": "Transcriptions",
    "user_defined_message_subscriptions": "UserDefinedMessageSubscriptions",
    "user_defined_messages": "UserDefinedMessages",
}

# mimetypes' answers vary with the host's /etc/mime.types; Twilio's common media are pinned here.
_CONTENT_TYPES: dict[str, str] = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "bmp": "image/bmp", "webp": "image/webp", "pdf": "application/pdf", "mp4": "video/mp4",
    "3gp": "video/3gpp", "mov": "video/quicktime", "mp3": "audio/mpeg", "ogg": "audio/ogg",
    "amr": "audio/amr", "wav": "audio/wav", "vcf": "text/vcard", "txt": "text/plain",
    "csv": "text/csv", "json": "application/json",
}

# GSM 03.38: the basic alphabet costs one septet per character, the extension table two.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")

_SMS_PRICE = 0.0075  # USD per segment
_MMS_PRICE = 0.0200  # USD per message
_CALL_PRICE_PER_MINUTE = 0.0130  # USD, billed per started minute


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def account_path(account_sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}"


def num_segments(body: str) -> int:
    """SMS segments: GSM-7 fits 160 septets (153 per part when concatenated), else UCS-2 70 (67)."""
    if not body:
        return 1
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in body):
        units, single, part = sum(2 if ch in _GSM_EXTENDED else 1 for ch in body), 160, 153
    else:
        # UCS-2 is counted in UTF-16 code units: an emoji outside the BMP costs two.
        units, single, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / part)


def content_type_for(url: str) -> str:
    path = urlsplit(url).path
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if extension in _CONTENT_TYPES:
        return _CONTENT_TYPES[extension]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def format_number(value: str | None) -> str | None:
    """Display form Twilio gives calls: ``(415) 867-5309`` for NANP numbers, others unchanged."""
    if value and len(value) == 12 and value.startswith("+1") and value[1:].isdigit():
        digits = value[2:]
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return value


def _money(amount: float) -> str:
    return f"{-amount:.5f}"


def message_price(segments: int, has_media: bool) -> str:
    return _money(_MMS_PRICE if has_media else _SMS_PRICE * segments)


def call_price(duration_seconds: int) -> str:
    return _money(_CALL_PRICE_PER_MINUTE * max(1, math.ceil(duration_seconds / 60)))


def phone_number_sid(account_sid: str, number: str) -> str:
    """A stable PN sid per (account, caller ID): Twilio reports the number the call came from."""
    return "PN" + hashlib.md5(f"{account_sid}:{number}".encode()).hexdigest()


# -- probes: single fields of a resource, read from the record without rendering all of it ----------
# Lists filter every stored record on these, so they must agree exactly with the renderers below
# (tests/simulator/test_resources.py checks that they do).


def status_of(record: Record, now: float) -> str:
    """The ``status`` the resource shows at ``now``."""
    return status_at(record.data["timeline"], now - record.created)[0]


def reached_at(status: str) -> Callable[[Record, float], float | None]:
    """A probe for the epoch at which the resource entered ``status`` (None if not yet at ``now``):
    ``date_sent`` is ``reached_at("sent")``, a call's ``start_time`` ``reached_at("ringing")``..."""

    def probe(record: Record, now: float) -> float | None:
        offset = reached(record.data["timeline"], status, now - record.created)
        return None if offset is None else record.created + offset

    return probe


def created_at(record: Record, now: float) -> float:
    return record.created


def message_sender(record: Record, now: float) -> str | None:
    """A message's ``from``: a Messaging Service fills in the sender it picked once the message
    leaves ``accepted`` (or ``scheduled``)."""
    data = record.data
    if data["from"] or not data.get("service_from"):
        return data["from"]
    return None if status_of(record, now) in ("accepted", "scheduled") else data["service_from"]


def ended_at(record: Record, now: float) -> float | None:
    """The epoch at which the resource reached its final status (None if not yet at ``now``)."""
    offset = ended(record.data["timeline"], now - record.created)
    return None if offset is None else record.created + offset


def _at(record: Record, offset: float | None) -> str | None:
    return None if offset is None else format_rfc2822(record.created + offset)


def message_resource(record: Record, now: float) -> dict[str, Any]:
    data = record.data
    timeline: Timeline = data["timeline"]
    elapsed = now - record.created
    status, since = status_at(timeline, elapsed)
    pending_sender = status in ("accepted", "scheduled")
    final = status in ("delivered", "undelivered", "read")
    failed = status in ("failed", "undelivered")
    path = f"{account_path(record.account_sid)}/Messages/{record.sid}"
    return {
        "account_sid": record.account_sid,
        "api_version": API_VERSION,
        "body": data["body"],
        "date_created": format_rfc2822(record.created),
        "date_sent": _at(record, reached(timeline, "sent", elapsed)),
        "date_updated": _at(record, since),
        "direction": data.get("direction", "outbound-api"),
        "error_code": data.get("error_code") if failed else None,
        "error_message": data.get("error_message") if failed else None,
        "from": message_sender(record, now),
        "messaging_service_sid": data.get("messaging_service_sid"),
        "num_media": str(data["num_media"]),
        # Twilio reports 0 segments until a Messaging Service has picked the sender.
        "num_segments": "0" if pending_sender else str(data["num_segments"]),
        "price": data["price"] if final else None,
        "price_unit": "USD" if final else None,
        "sid": record.sid,
        "status": status,
        "subresource_uris": {"media": f"{path}/Media.json", "feedback": f"{path}/Feedback.json"},
        "to": data["to"],
        "uri": f"{path}.json",
    }


def _answered_by(data: dict[str, Any]) -> str | None:
    if "answered_by" in data:  # decided at creation from the recipient's outcome
        return data["answered_by"]
    return "human" if data.get("machine_detection") else None


def call_resource(record: Record, now: float) -> dict[str, Any]:
    data = record.data
    timeline: Timeline = data["timeline"]
    elapsed = now - record.created
    status, since = status_at(timeline, elapsed)
    dialed = reached(timeline, "ringing", elapsed)
    answered = reached(timeline, "in-progress", elapsed)
    over = ended(timeline, elapsed)
    duration = None
    if over is not None:
        # A call nobody answered lasted 0 seconds and costs nothing.
        duration = int(over - dialed) if answered is not None and dialed is not None else 0
    path = f"{account_path(record.account_sid)}/Calls/{record.sid}"
    return {
        "account_sid": record.account_sid,
        "answered_by": _answered_by(data) if answered is not None else None,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": format_rfc2822(record.created),
        "date_updated": _at(record, since),
        "direction": "outbound-api",
        "duration": None if duration is None else str(duration),
        "end_time": _at(record, over),
        "forwarded_from": None,
        "from": data["from"],
        "from_formatted": format_number(data["from"]),
        "group_sid": None,
        "parent_call_sid": data.get("parent_call_sid"),
        "phone_number_sid": data.get("phone_number_sid"),
        "price": call_price(duration) if duration is not None and answered is not None else None,
        "price_unit": "USD",
        "queue_time": "0" if dialed is None else str(int(dialed * 1000)),
        "sid": record.sid,
        "start_time": _at(record, dialed),
        "status": status,
        "subresource_uris": {key: f"{path}/{name}.json" for key, name in CALL_SUBRESOURCES.items()},
        "to": data["to"],
        "to_formatted": format_number(data["to"]),
        "trunk_sid": None,
        "uri": f"{path}.json",
    }


def media_resource(record: Record, now: float) -> dict[str, Any]:
    created = format_rfc2822(record.created)
    return {
        "account_sid": record.account_sid,
        "content_type": record.data["content_type"],
        "date_created": created,
        "date_updated": created,
        "parent_sid": record.parent_sid,
        "sid": record.sid,
        "uri": f"{account_path(record.account_sid)}/Messages/{record.parent_sid}/Media/{record.sid}.json",
    }
