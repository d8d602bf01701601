"""Verify v2: Services (``VA...``), verifications (``VE...``) and checks, on the simulator's clock.

As on Twilio: a verification is ``pending`` until a check with the right code approves it, it is canceled, five
wrong codes end it (``max_attempts_reached``; a further check answers 60202), or ten minutes pass
(``expired``). Starting a verification again for the same ``To`` while one is pending resends the same code on
the same verification, at most five sends (60203). A verification that is no longer pending is gone for
checks and fetches (404, 20404), as Twilio keeps only pending ones.

The code is delivered as Twilio would send it: over ``sms`` (or ``whatsapp``) it becomes a message to the
recipient in the account's message log (``listMessage{To = ...}``), so a test or a demo can read it and
check it. Each account has a default Service, ``Verify.default_service_sid(account)``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from .clock import Clock
from .dates import format_iso
from .errors import TwilioError
from .store import Record, Store

__all__ = ["CHANNELS", "EXPIRY_SECONDS", "MAX_CHECKS", "MAX_SENDS", "Verify"]

VERIFY_BASE = "https://verify.twilio.com/v2/Services/"
EXPIRY_SECONDS = 600.0
MAX_SENDS = 5
MAX_CHECKS = 5
CHANNELS = ("sms", "call", "email", "whatsapp", "sna", "auto")
# The number the simulator sends codes from (Twilio uses its own pool; it shows in the message log here).
SENDER = "+15005550006"
_SERVICE_KIND = "verify_services"
_VERIFICATION_KIND = "verifications"


class Deliver(Protocol):
    def __call__(self, account_sid: str, to: str, from_: str, body: str) -> object: ...


class Form(Protocol):
    def get(self, key: str, /) -> str | None: ...


def _given(form: Form, key: str) -> str | None:
    value = form.get(key)
    return value if value else None


class Verify:
    def __init__(self, store: Store, clock: Clock, deliver: Deliver, lock: threading.RLock | None = None) -> None:
        self.store = store
        self.clock = clock
        self.deliver = deliver
        self._lock = lock or threading.RLock()
        self.make_code: Callable[[int], str] = lambda length: "".join(
            secrets.choice("0123456789") for _ in range(length)
        )

    # -- services ----------------------------------------------------------------------------------------------

    @staticmethod
    def default_service_sid(account_sid: str) -> str:
        """The account's default Verify Service: the same SID for the same account in every run."""
        return "VA" + hashlib.md5(f"{account_sid}:default verify service".encode()).hexdigest()

    def ensure_default_service(self, account_sid: str) -> None:
        sid = self.default_service_sid(account_sid)
        with self._lock:
            if self.store.get(_SERVICE_KIND, account_sid, sid) is None:
                self.store.add(Record(_SERVICE_KIND, sid, account_sid, self.clock.time(),
                                      {"friendly_name": "Simulator Verify", "code_length": 6}))

    def create_service(self, account_sid: str, form: Form) -> dict[str, Any]:
        name = _given(form, "FriendlyName")
        if name is None or len(name) > 32:
            raise TwilioError(60200, detail=": FriendlyName is required, at most 32 characters")
        length_text = _given(form, "CodeLength") or "6"
        if not length_text.isdigit() or not 4 <= int(length_text) <= 10:
            raise TwilioError(60200, detail=": CodeLength must be a whole number from 4 to 10")
        custom = (_given(form, "CustomCodeEnabled") or "false").lower() == "true"
        record = Record(_SERVICE_KIND, "VA" + secrets.token_hex(16), account_sid, self.clock.time(),
                        {"friendly_name": name, "code_length": int(length_text), "custom_code_enabled": custom})
        with self._lock:
            return _service(self.store.add(record))

    def fetch_service(self, account_sid: str, sid: str, path: str) -> dict[str, Any]:
        return _service(self._service(account_sid, sid, path))

    def list_services(self, account_sid: str, args: Mapping[str, str]) -> dict[str, Any]:
        size_text = args.get("PageSize") or "50"
        size = int(size_text) if size_text.isdigit() and 1 <= int(size_text) <= 1000 else 50
        records = self.store.list(_SERVICE_KIND, account_sid)[:size]
        url = VERIFY_BASE.rstrip("/") + f"?PageSize={size}&Page=0"
        return {
            "services": [_service(r) for r in records],
            "meta": {"page": 0, "page_size": size, "first_page_url": url, "previous_page_url": None, "url": url,
                     "next_page_url": None, "key": "services"},
        }

    def _service(self, account_sid: str, sid: str, path: str) -> Record:
        record = self.store.get(_SERVICE_KIND, account_sid, sid)
        if record is None:
            raise TwilioError(20404, 404, path=path)
        return record

    # -- verifications -----------------------------------------------------------------------------------------

    def start(self, account_sid: str, service_sid: str, form: Form, path: str) -> dict[str, Any]:
        to, channel = _given(form, "To"), _given(form, "Channel")
        if to is None:
            raise TwilioError(60200, detail=": To is required")
        if channel not in CHANNELS:
            raise TwilioError(60200, detail=f": Channel must be one of {', '.join(CHANNELS)}")
        channel = "sms" if channel == "auto" else channel
        to = _recipient(to, channel)
        custom = _given(form, "CustomCode")
        with self._lock:
            service = self._service(account_sid, service_sid, path)
            if custom is not None and (not custom.isalnum() or not 4 <= len(custom) <= 10):
                raise TwilioError(60200, detail=": CustomCode must be 4 to 10 letters or digits")
            now = self.clock.time()
            current = self._pending_for(account_sid, service_sid, to, now)
            if current is not None:
                data = dict(current.data)
                if len(data["sends"]) >= MAX_SENDS:
                    raise TwilioError(60203, 429)
                data["sends"] = [*data["sends"], {"channel": channel, "time": now, "sid": "VL" + secrets.token_hex(16)}]
                data["channel"], data["updated"] = channel, now
                record = self.store.update(Record(_VERIFICATION_KIND, current.sid, account_sid, current.created, data))
                assert record is not None
            else:
                code = custom or self.make_code(int(service.data.get("code_length", 6)))
                data = {
                    "service_sid": service_sid, "to": to, "channel": channel, "code": code, "status": "pending",
                    "checks": 0, "updated": now, "amount": _given(form, "Amount"), "payee": _given(form, "Payee"),
                    "sends": [{"channel": channel, "time": now, "sid": "VL" + secrets.token_hex(16)}],
                }
                record = self.store.add(
                    Record(_VERIFICATION_KIND, "VE" + secrets.token_hex(16), account_sid, now, data)
                )
            self._send(account_sid, service, record, _given(form, "CustomFriendlyName"))
            return _verification(record, now)

    def check(self, account_sid: str, service_sid: str, form: Form, path: str) -> dict[str, Any]:
        code, to, sid = _given(form, "Code"), _given(form, "To"), _given(form, "VerificationSid")
        if code is None:
            raise TwilioError(60200, detail=": Code is required")
        if (to is None) == (sid is None):
            raise TwilioError(60200, detail=": give either To or VerificationSid")
        with self._lock:
            self._service(account_sid, service_sid, path)
            now = self.clock.time()
            if sid is not None:
                record = self.store.get(_VERIFICATION_KIND, account_sid, sid)
                if record is not None and record.data["service_sid"] != service_sid:
                    record = None
            else:
                record = self._latest_for(account_sid, service_sid, to or "")
            status = _status(record, now) if record is not None else None
            if record is None or status in ("approved", "canceled", "expired", "deleted"):
                # Twilio keeps only pending verifications: a used, canceled or expired one is not found.
                raise TwilioError(20404, 404, path=path.removeprefix("/v2"))
            if status == "max_attempts_reached":
                raise TwilioError(60202, 429)
            data = dict(record.data)
            data["checks"] += 1
            data["updated"] = now
            if secrets.compare_digest(code.encode(), str(data["code"]).encode()):
                data["status"] = "approved"
            elif data["checks"] >= MAX_CHECKS:
                data["status"] = "max_attempts_reached"
            stored = self.store.update(Record(_VERIFICATION_KIND, record.sid, account_sid, record.created, data))
            assert stored is not None
            return _check(stored, now)

    def fetch(self, account_sid: str, service_sid: str, sid: str, path: str) -> dict[str, Any]:
        with self._lock:
            record = self._usable(account_sid, service_sid, sid, path)
            return _verification(record, self.clock.time())

    def update(self, account_sid: str, service_sid: str, sid: str, form: Form, path: str) -> dict[str, Any]:
        """Status=canceled (or approved, for a check done elsewhere) ends a pending verification."""
        wanted = _given(form, "Status")
        if wanted not in ("canceled", "approved"):
            raise TwilioError(60200, detail=": Status must be canceled or approved")
        with self._lock:
            record = self._usable(account_sid, service_sid, sid, path)
            now = self.clock.time()
            data = {**record.data, "status": wanted, "updated": now}
            stored = self.store.update(Record(_VERIFICATION_KIND, record.sid, account_sid, record.created, data))
            assert stored is not None
            return _verification(stored, now)

    def _usable(self, account_sid: str, service_sid: str, sid: str, path: str) -> Record:
        self._service(account_sid, service_sid, path)
        record = self.store.get(_VERIFICATION_KIND, account_sid, sid)
        now = self.clock.time()
        if record is None or record.data["service_sid"] != service_sid or _status(record, now) != "pending":
            raise TwilioError(20404, 404, path=path.removeprefix("/v2"))
        return record

    def _latest_for(self, account_sid: str, service_sid: str, to: str) -> Record | None:
        for record in self.store.scan(_VERIFICATION_KIND, account_sid, where={"to": to}):
            if record.data["service_sid"] == service_sid:
                return record  # newest first
        return None

    def _pending_for(self, account_sid: str, service_sid: str, to: str, now: float) -> Record | None:
        record = self._latest_for(account_sid, service_sid, to)
        return record if record is not None and _status(record, now) == "pending" else None

    def _send(self, account_sid: str, service: Record, record: Record, friendly: str | None) -> None:
        channel = record.data["channel"]
        if channel not in ("sms", "whatsapp"):
            return  # a call, an email or silent network auth leaves no message in the account's log
        name = friendly or service.data["friendly_name"]
        body = f"Your {name} verification code is: {record.data['code']}"
        prefix = "whatsapp:" if channel == "whatsapp" else ""
        self.deliver(account_sid, prefix + record.data["to"], prefix + SENDER, body)


def _recipient(to: str, channel: str) -> str:
    """Twilio's checks on To: an email address for the email channel, else a valid number (60200), and no
    SMS to a landline (60205)."""
    if channel == "email":
        local, at, domain = to.partition("@")
        if not (at and local and "." in domain):
            raise TwilioError(60200, detail=": To must be an email address for the email channel")
        return to
    try:
        parsed = phonenumbers.parse(to, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise TwilioError(60200, detail=f": To {to!r} is not a valid phone number")
    if channel == "sms" and phonenumbers.number_type(parsed) == PhoneNumberType.FIXED_LINE:
        raise TwilioError(60205)
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def _status(record: Record, now: float) -> str:
    status = str(record.data["status"])
    if status == "pending" and now - record.created >= EXPIRY_SECONDS:
        return "expired"
    return status


def _updated(record: Record, now: float) -> float:
    if _status(record, now) == "expired" and record.data["status"] == "pending":
        return record.created + EXPIRY_SECONDS
    return float(record.data["updated"])


def _base(record: Record, now: float) -> dict[str, Any]:
    data = record.data
    status = _status(record, now)
    return {
        "sid": record.sid,
        "service_sid": data["service_sid"],
        "account_sid": record.account_sid,
        "to": data["to"],
        "channel": data["channel"],
        "status": status,
        "valid": status == "approved",
        "amount": data.get("amount"),
        "payee": data.get("payee"),
        "date_created": format_iso(record.created),
        "date_updated": format_iso(_updated(record, now)),
    }


def _verification(record: Record, now: float) -> dict[str, Any]:
    out = _base(record, now)
    attempts = [{"attempt_sid": s["sid"], "channel": s["channel"], "time": format_iso(s["time"], millis=True)}
                for s in record.data["sends"]]
    carrier_type = None
    if out["channel"] != "email":
        parsed = phonenumbers.parse(out["to"].removeprefix("whatsapp:"), None)
        from .lookup import line_type

        carrier_type = line_type(parsed)
    out.update({
        "lookup": {"carrier": {"error_code": None, "name": None, "mobile_country_code": None,
                               "mobile_network_code": None, "type": carrier_type}},
        "send_code_attempts": attempts,
        "sna": None,
        "url": f"{VERIFY_BASE}{record.data['service_sid']}/Verifications/{record.sid}",
    })
    return {key: out[key] for key in (
        "sid", "service_sid", "account_sid", "to", "channel", "status", "valid", "lookup", "amount", "payee",
        "send_code_attempts", "date_created", "date_updated", "sna", "url")}


def _check(record: Record, now: float) -> dict[str, Any]:
    out = _base(record, now)
    out["sna_attempts_error_codes"] = []
    return out


def _service(record: Record) -> dict[str, Any]:
    data = record.data
    url = f"{VERIFY_BASE}{record.sid}"
    created = format_iso(record.created)
    return {
        "sid": record.sid,
        "account_sid": record.account_sid,
        "friendly_name": data["friendly_name"],
        "code_length": data.get("code_length", 6),
        "lookup_enabled": False,
        "psd2_enabled": False,
        "skip_sms_to_landlines": False,
        "dtmf_input_required": True,
        "tts_name": None,
        "do_not_share_warning_enabled": False,
        "custom_code_enabled": bool(data.get("custom_code_enabled", False)),
        "push": {"include_date": False, "apn_credential_sid": None, "fcm_credential_sid": None},
        "totp": {"issuer": data["friendly_name"], "time_step": 30, "code_length": 6, "skew": 1},
        "default_template_sid": None,
        "whatsapp": {"msg_service_sid": None, "from": None},
        "passkeys": None,
        "verify_event_subscription_enabled": False,
        "date_created": created,
        "date_updated": created,
        "url": url,
        "links": {
            "verification_checks": f"{url}/VerificationCheck",
            "verifications": f"{url}/Verifications",
            "rate_limits": f"{url}/RateLimits",
            "messaging_configurations": f"{url}/MessagingConfigurations",
            "entities": f"{url}/Entities",
            "webhooks": f"{url}/Webhooks",
            "access_tokens": f"{url}/AccessTokens",
        },
    }
