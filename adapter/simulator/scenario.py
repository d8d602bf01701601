"""Scenario files: what the simulated account owns and how its recipients' messages and calls end.

A scenario is YAML (or JSON, which YAML reads too)::

    account:                      # replaces the default holdings (docs/simulator.md)
      friendly_name: Pumps Inc
      phone_numbers:
        - number: "+15005550006"
          capabilities: [sms, mms, voice]
          sms_url: http://127.0.0.1:5000/sms
      short_codes: ["12345"]
      alphanumeric_sender_ids: [AcmeAlerts]
      whatsapp_senders: ["+14155238886"]
      messaging_services:
        - sid: MG5e1f5e1f5e1f5e1f5e1f5e1f5e1f5e1f
          friendly_name: Alerts
          senders: ["+15005550006"]
      verified_caller_ids: ["+15558675310"]
    outcomes:                     # added to the default outcome numbers
      messages:
        "+15558675311": {status: undelivered, error_code: 30003}
      calls:
        "+15558675312": {status: busy}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .account import DEFAULT_CONFIG, AccountConfig, MessagingService, NumberConfig
from .outcomes import DEFAULT_OUTCOMES, Outcome, outcome_from_dict

__all__ = ["Scenario", "load_scenario", "scenario_from_dict"]


@dataclass(frozen=True)
class Scenario:
    config: AccountConfig
    outcomes: dict[str, dict[str, Outcome]]


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, (str, int)) for item in value):
        raise ValueError(f"account.{key} is a list of strings")
    return tuple(str(item) for item in value)


def _number(entry: Any) -> NumberConfig:
    if isinstance(entry, str):
        return NumberConfig(entry)
    if not isinstance(entry, dict) or "number" not in entry:
        raise ValueError("each phone number is a string or a mapping with 'number'")
    known = {"number", "capabilities", "friendly_name", "sms_url", "sms_method", "voice_url", "voice_method",
             "status_callback"}
    unknown = set(entry) - known
    if unknown:
        raise ValueError(f"unknown phone number keys {sorted(unknown)}")
    capabilities = entry.get("capabilities", ["sms", "mms", "voice"])
    if not isinstance(capabilities, list):
        raise ValueError("capabilities is a list (sms, mms, voice, fax)")
    return NumberConfig(
        phone_number=str(entry["number"]),
        capabilities=frozenset(str(c) for c in capabilities),
        friendly_name=entry.get("friendly_name"),
        sms_url=entry.get("sms_url"),
        sms_method=str(entry.get("sms_method", "POST")).upper(),
        voice_url=entry.get("voice_url"),
        voice_method=str(entry.get("voice_method", "POST")).upper(),
        status_callback=entry.get("status_callback"),
    )


def _account(data: Any) -> AccountConfig:
    if data is None:
        return DEFAULT_CONFIG
    if not isinstance(data, dict):
        raise ValueError("account is a mapping")
    known = {"friendly_name", "phone_numbers", "short_codes", "alphanumeric_sender_ids", "whatsapp_senders",
             "messaging_services", "verified_caller_ids"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown account keys {sorted(unknown)}")
    services = []
    for entry in data.get("messaging_services", []):
        if not isinstance(entry, dict) or "sid" not in entry:
            raise ValueError("each messaging service is a mapping with 'sid' and 'senders'")
        services.append(MessagingService(str(entry["sid"]), str(entry.get("friendly_name", "Messaging Service")),
                                         tuple(str(s) for s in entry.get("senders", []))))
    numbers = data.get("phone_numbers", [])
    if not isinstance(numbers, list):
        raise ValueError("account.phone_numbers is a list")
    return AccountConfig(
        friendly_name=str(data.get("friendly_name", DEFAULT_CONFIG.friendly_name)),
        phone_numbers=tuple(_number(entry) for entry in numbers),
        short_codes=_strings(data, "short_codes"),
        alphanumeric_sender_ids=_strings(data, "alphanumeric_sender_ids"),
        whatsapp_senders=_strings(data, "whatsapp_senders"),
        messaging_services=tuple(services),
        verified_caller_ids=_strings(data, "verified_caller_ids"),
    )


def scenario_from_dict(data: Any) -> Scenario:
    """A ``Scenario`` from parsed YAML/JSON; ``ValueError`` says what is wrong."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError("a scenario is a mapping with 'account' and/or 'outcomes'")
    unknown = set(data) - {"account", "outcomes"}
    if unknown:
        raise ValueError(f"unknown scenario keys {sorted(unknown)} (expected account, outcomes)")
    outcomes = {kind: dict(entries) for kind, entries in DEFAULT_OUTCOMES.items()}
    given = data.get("outcomes") or {}
    if not isinstance(given, dict):
        raise ValueError("outcomes is a mapping of messages/calls to recipients")
    for kind, entries in given.items():
        if kind not in ("messages", "calls") or not isinstance(entries, dict):
            raise ValueError("outcomes has 'messages' and 'calls', each a mapping of recipient to outcome")
        for to, entry in entries.items():
            if not isinstance(entry, dict):
                raise ValueError(f"the outcome for {to} is a mapping (status, error_code, machine, reject)")
            try:
                outcomes[kind][str(to)] = outcome_from_dict(kind, entry)
            except ValueError as error:
                raise ValueError(f"outcomes.{kind}.{to}: {error}") from None
    return Scenario(_account(data.get("account")), outcomes)


def load_scenario(path: str | Path) -> Scenario:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"cannot read scenario {path}: {error.strerror or error}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"scenario {path} is not YAML/JSON: {str(error).splitlines()[0]}") from None
    return scenario_from_dict(data)
