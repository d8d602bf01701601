"""The simulated account: what it owns (phone numbers, short codes, sender IDs, WhatsApp senders,
Messaging Services, verified caller IDs) and the sender rules Twilio applies with it.

Ownership is configuration, not stored resources: an ``AccountConfig`` comes from a scenario file
or flags (``scenario.py``), every account of a simulator is built from it, and the few settings a
client may change at run time (a number's webhook URLs) live on the ``Account`` in memory.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .dates import format_rfc2822
from .errors import TwilioError
from .formats import format_matches
from .resources import API_VERSION, account_path

__all__ = [
    "Account",
    "AccountBook",
    "AccountConfig",
    "DEFAULT_CONFIG",
    "DEFAULT_MESSAGING_SERVICE_SID",
    "MessagingService",
    "NumberConfig",
    "PhoneNumber",
    "account_resource",
    "incoming_number_resource",
]

CAPABILITIES = ("sms", "mms", "voice", "fax")
# The formats are the spec's (x-argument-formats), as the client and the rest of the simulator read them.
_E164 = functools.partial(format_matches, "e164")
_SHORT_CODE = functools.partial(format_matches, "short-code")
_SENDER_ID = functools.partial(format_matches, "alphanumeric-sender-id")
_SERVICE_SID = functools.partial(format_matches, "messaging-service-sid")
# Settings of an IncomingPhoneNumber a client may change (form name -> attribute).
UPDATABLE = {
    "FriendlyName": "friendly_name",
    "SmsUrl": "sms_url",
    "SmsMethod": "sms_method",
    "SmsFallbackUrl": "sms_fallback_url",
    "SmsFallbackMethod": "sms_fallback_method",
    "VoiceUrl": "voice_url",
    "VoiceMethod": "voice_method",
    "VoiceFallbackUrl": "voice_fallback_url",
    "VoiceFallbackMethod": "voice_fallback_method",
    "StatusCallback": "status_callback",
    "StatusCallbackMethod": "status_callback_method",
}
_METHOD_SETTINGS = frozenset(name for name in UPDATABLE if name.endswith("Method"))

DEFAULT_MESSAGING_SERVICE_SID = "MG" + "5e1f" * 8


@dataclass(frozen=True)
class NumberConfig:
    phone_number: str
    capabilities: frozenset[str] = frozenset({"sms", "mms", "voice"})
    friendly_name: str | None = None
    sms_url: str | None = None
    sms_method: str = "POST"
    voice_url: str | None = None
    voice_method: str = "POST"
    status_callback: str | None = None


@dataclass(frozen=True)
class MessagingService:
    sid: str
    friendly_name: str
    senders: tuple[str, ...]


@dataclass(frozen=True)
class AccountConfig:
    """What every account of the simulator owns."""

    friendly_name: str = "Simulated account"
    phone_numbers: tuple[NumberConfig, ...] = ()
    short_codes: tuple[str, ...] = ()
    alphanumeric_sender_ids: tuple[str, ...] = ()
    whatsapp_senders: tuple[str, ...] = ()
    messaging_services: tuple[MessagingService, ...] = ()
    verified_caller_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems: list[str] = []
        for number in self.phone_numbers:
            if not _E164(number.phone_number):
                problems.append(f"phone number {number.phone_number!r} is not E.164 (+ and up to 15 digits)")
            unknown = set(number.capabilities) - set(CAPABILITIES)
            if unknown:
                problems.append(f"{number.phone_number}: unknown capabilities {sorted(unknown)}")
        for code in self.short_codes:
            if not _SHORT_CODE(code):
                problems.append(f"short code {code!r} is not 5 or 6 digits")
        for sender in self.alphanumeric_sender_ids:
            if not _SENDER_ID(sender):
                problems.append(f"sender ID {sender!r} is not 1 to 11 letters, digits, spaces or + - _ & with a letter")
        for value in (*self.whatsapp_senders, *self.verified_caller_ids):
            if not _E164(value):
                problems.append(f"{value!r} is not an E.164 number")
        for service in self.messaging_services:
            if not _SERVICE_SID(service.sid):
                problems.append(f"messaging service SID {service.sid!r} is not MG followed by 32 hex digits")
            if not service.senders:
                problems.append(f"messaging service {service.sid} has no senders")
        if problems:
            raise ValueError("; ".join(problems))

    def with_additions(
        self,
        numbers: tuple[str, ...] = (),
        short_codes: tuple[str, ...] = (),
        sender_ids: tuple[str, ...] = (),
        caller_ids: tuple[str, ...] = (),
    ) -> AccountConfig:
        """This configuration plus numbers (all capabilities), short codes, sender IDs and caller IDs."""
        known = {n.phone_number for n in self.phone_numbers}
        added = tuple(NumberConfig(n) for n in numbers if n not in known)
        return replace(
            self,
            phone_numbers=self.phone_numbers + added,
            short_codes=self.short_codes + tuple(c for c in short_codes if c not in self.short_codes),
            alphanumeric_sender_ids=self.alphanumeric_sender_ids
            + tuple(s for s in sender_ids if s not in self.alphanumeric_sender_ids),
            verified_caller_ids=self.verified_caller_ids
            + tuple(c for c in caller_ids if c not in self.verified_caller_ids),
        )


# The default account's holdings (docs/simulator.md lists them). +15005550006 is Twilio's test "From"
# number, owned here as a live number so examples written for it work; +15017122661 is the sender in
# Twilio's own documentation examples; +15017122662 can only make calls; +16125550923 and +16123409875
# send the original platform's documented examples (examples/seed_*.lua); +15557654321 is the
# alerting number of this project's examples.
DEFAULT_CONFIG = AccountConfig(
    friendly_name="Simulated account",
    phone_numbers=(
        NumberConfig("+15005550006", frozenset({"sms", "mms", "voice"}), "Default number"),
        NumberConfig("+15017122661", frozenset({"sms", "mms", "voice"}), "Second number"),
        NumberConfig("+15017122662", frozenset({"voice"}), "Voice-only number"),
        NumberConfig("+16125550923", frozenset({"sms", "mms", "voice"}), "Platform example (messages)"),
        NumberConfig("+16123409875", frozenset({"sms", "mms", "voice"}), "Platform example (calls)"),
        NumberConfig("+15557654321", frozenset({"sms", "mms", "voice"}), "Alerts"),
    ),
    short_codes=("12345",),
    alphanumeric_sender_ids=("AcmeAlerts",),
    whatsapp_senders=("+14155238886", "+15005550006"),
    messaging_services=(
        MessagingService(DEFAULT_MESSAGING_SERVICE_SID, "Default Messaging Service", ("+15005550006", "+15017122661")),
    ),
    verified_caller_ids=("+15558675310",),
)


def number_sid(account_sid: str, number: str) -> str:
    """A stable PN sid per (account, number), the same one the Call resource reports."""
    return "PN" + hashlib.md5(f"{account_sid}:{number}".encode()).hexdigest()


@dataclass
class PhoneNumber:
    """An IncomingPhoneNumber: the owned number and its (updatable) webhook settings."""

    sid: str
    phone_number: str
    capabilities: frozenset[str]
    friendly_name: str
    created: float
    updated: float
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_fallback_url: str | None = None
    sms_fallback_method: str = "POST"
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"


def _display(number: str) -> str:
    if len(number) == 12 and number.startswith("+1"):
        digits = number[2:]
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return number


class Account:
    """One account: its credentials, its holdings, and Twilio's sender rules against them."""

    def __init__(self, sid: str, auth_token: str, config: AccountConfig, created: float) -> None:
        self.sid = sid
        self.auth_token = auth_token
        self.config = config
        self.created = created
        self._lock = threading.Lock()
        self._numbers: dict[str, PhoneNumber] = {}
        self.reset(created)

    def reset(self, now: float) -> None:
        numbers = {}
        for offset, spec in enumerate(self.config.phone_numbers):
            # Distinct creation instants keep the newest-first list order stable.
            moment = self.created + offset
            numbers[spec.phone_number] = PhoneNumber(
                sid=number_sid(self.sid, spec.phone_number),
                phone_number=spec.phone_number,
                capabilities=frozenset(spec.capabilities),
                friendly_name=spec.friendly_name or _display(spec.phone_number),
                created=moment,
                updated=moment,
                sms_url=spec.sms_url,
                sms_method=spec.sms_method,
                voice_url=spec.voice_url,
                voice_method=spec.voice_method,
                status_callback=spec.status_callback,
            )
        with self._lock:
            self._numbers = numbers
            self._services = {s.sid: s for s in self.config.messaging_services}

    # -- holdings ----------------------------------------------------------------------------

    def numbers(self) -> list[PhoneNumber]:
        """Owned numbers, newest first (the order Twilio lists them in)."""
        with self._lock:
            return sorted(self._numbers.values(), key=lambda n: (n.created, n.sid), reverse=True)

    def number(self, phone_number: str) -> PhoneNumber | None:
        with self._lock:
            return self._numbers.get(phone_number)

    def number_by_sid(self, sid: str) -> PhoneNumber | None:
        with self._lock:
            return next((n for n in self._numbers.values() if n.sid == sid), None)

    def service(self, sid: str) -> MessagingService | None:
        with self._lock:
            return self._services.get(sid)

    def update_number(self, sid: str, form: Mapping[str, str], now: float) -> PhoneNumber | None:
        """Apply an IncomingPhoneNumber update; None if the account has no such number."""
        changes: dict[str, Any] = {}
        for name, attribute in UPDATABLE.items():
            value = form.get(name)
            if value is None:
                continue
            if name in _METHOD_SETTINGS:
                if value.upper() not in ("GET", "POST"):
                    raise TwilioError(21209, value=value)
                value = value.upper()
            elif attribute != "friendly_name" and value:
                _check_url(name, value)
            # An empty URL clears the setting; an empty friendly name is a name like any other.
            changes[attribute] = value if attribute == "friendly_name" else (value or None)
        with self._lock:
            found = next((n for n in self._numbers.values() if n.sid == sid), None)
            if found is None:
                return None
            updated = replace(found, **changes, updated=now)
            self._numbers[found.phone_number] = updated
            return updated

    # -- Twilio's sender rules ---------------------------------------------------------------

    def check_message_sender(self, from_: str | None, to: str, service_sid: str | None, has_media: bool) -> str | None:
        """Raise Twilio's error for a sender this account may not use; returns the sender a
        Messaging Service will pick when no ``From`` was given."""
        picked = None
        if service_sid:
            service = self.service(service_sid)
            if service is None:
                raise TwilioError(21701, value=service_sid)
            picked = service.senders[0]
        if not from_:
            return picked
        if from_.startswith("whatsapp:"):
            if from_[len("whatsapp:"):] not in self.config.whatsapp_senders:
                raise TwilioError(63007)
            return None
        if _E164(from_):
            owned = self.number(from_)
            needed = "mms" if has_media else "sms"
            if owned is None or needed not in owned.capabilities:
                raise TwilioError(21606, from_=from_)
            return None
        if from_.isdigit():
            if from_ not in self.config.short_codes:
                raise TwilioError(21606, from_=from_)
            if not to.startswith("+1"):  # a short code reaches only its own country's (here: US/Canada) numbers
                raise TwilioError(21612, to=to, from_=from_)
            return None
        if from_ not in self.config.alphanumeric_sender_ids:
            raise TwilioError(21212, from_=from_)
        if to.startswith("+1"):  # the US and Canada do not accept alphanumeric sender IDs
            raise TwilioError(21612, to=to, from_=from_)
        return None

    def check_caller(self, from_: str, to: str) -> None:
        """A call to a phone number must come from an owned voice number or a verified caller ID."""
        if not _E164(to):
            return  # client: and sip: destinations take any well-formed caller
        owned = self.number(from_)
        if owned is not None and "voice" in owned.capabilities:
            return
        if from_ in self.config.verified_caller_ids:
            return
        raise TwilioError(21210, from_=from_)


def _check_url(name: str, value: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 4000:
        raise TwilioError(21402, message=f"{name} is not a valid URL: {value}")


class AccountBook:
    """The simulator's accounts by SID. An SID it has not met gets the book's configuration, so the
    service layer works on any account the server authenticated."""

    def __init__(self, config: AccountConfig = DEFAULT_CONFIG, tokens: Mapping[str, str] | None = None,
                 created: float = 0.0) -> None:
        self.config = config
        self._created = created
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}
        for sid, token in (tokens or {}).items():
            self._accounts[sid] = Account(sid, token, config, created)

    def get(self, sid: str) -> Account:
        with self._lock:
            account = self._accounts.get(sid)
            if account is None:
                account = self._accounts[sid] = Account(sid, "", self.config, self._created)
            return account

    def add(self, sid: str, token: str) -> Account:
        with self._lock:
            account = self._accounts[sid] = Account(sid, token, self.config, self._created)
            return account

    def all(self) -> list[Account]:
        with self._lock:
            return list(self._accounts.values())

    def reset(self, now: float) -> None:
        for account in self.all():
            account.reset(now)


# -- resources ---------------------------------------------------------------------------------


def account_resource(account: Account) -> dict[str, Any]:
    path = account_path(account.sid)
    created = format_rfc2822(account.created)
    return {
        # Twilio returns the token to its owner on this endpoint; it is the caller's own credential.
        "auth_token": account.auth_token,
        "date_created": created,
        "date_updated": created,
        "friendly_name": account.config.friendly_name,
        "owner_account_sid": account.sid,
        "sid": account.sid,
        "status": "active",
        "subresource_uris": {
            name: f"{path}/{segment}.json"
            for name, segment in (
                ("calls", "Calls"),
                ("incoming_phone_numbers", "IncomingPhoneNumbers"),
                ("messages", "Messages"),
                ("outgoing_caller_ids", "OutgoingCallerIds"),
            )
        },
        "type": "Full",
        "uri": f"{path}.json",
    }


def incoming_number_resource(account_sid: str, number: PhoneNumber) -> dict[str, Any]:
    capabilities = {name: name in number.capabilities for name in CAPABILITIES}
    return {
        "account_sid": account_sid,
        "address_sid": None,
        "address_requirements": "none",
        "api_version": API_VERSION,
        "beta": False,
        "capabilities": capabilities,
        "date_created": format_rfc2822(number.created),
        "date_updated": format_rfc2822(number.updated),
        "friendly_name": number.friendly_name,
        "identity_sid": None,
        "phone_number": number.phone_number,
        "origin": "twilio",
        "sid": number.sid,
        "sms_application_sid": None,
        "sms_fallback_method": number.sms_fallback_method,
        "sms_fallback_url": number.sms_fallback_url,
        "sms_method": number.sms_method,
        "sms_url": number.sms_url,
        "status_callback": number.status_callback,
        "status_callback_method": number.status_callback_method,
        "trunk_sid": None,
        "uri": f"{account_path(account_sid)}/IncomingPhoneNumbers/{number.sid}.json",
        "voice_receive_mode": "voice",
        "voice_application_sid": None,
        "voice_caller_id_lookup": False,
        "voice_fallback_method": number.voice_fallback_method,
        "voice_fallback_url": number.voice_fallback_url,
        "voice_method": number.voice_method,
        "voice_url": number.voice_url,
        "emergency_status": "Inactive",
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "bundle_sid": None,
        "status": "in-use",
        "type": "local",
    }

