"""Lookup v2 (``GET /v2/PhoneNumbers/{PhoneNumber}``) answered from ``phonenumbers``, the Python port of Google's
libphonenumber (the number metadata phones and carriers use), rather than from rules of our own.

What the library knows is answered as Twilio answers it: ``valid``, ``validation_errors``, the E.164 and national
formats, the country and calling code, and for ``line_type_intelligence`` the line type and (where the
library's carrier data has it) the original carrier's name. Caller names come from the account's own data
(:meth:`Lookup.set_caller_name`, kept in the store so a state file keeps them). Packages that need a carrier
or identity provider (sim_swap, call_forwarding, ...) answer with their fields null and Twilio's error code
for a package the account cannot use, as on an account without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType, ValidationResult, carrier

from .errors import TwilioError
from .store import Record, Store

__all__ = ["FIELDS", "LINE_TYPES", "Lookup", "look_up"]

LOOKUP_BASE = "https://lookups.twilio.com/v2/PhoneNumbers/"

# Twilio's package names and the properties of each package object (Twilio's Lookup v2 description).
FIELDS: dict[str, tuple[str, ...]] = {
    "validation": (),  # the basic answer's valid / validation_errors
    "caller_name": ("caller_name", "caller_type", "error_code"),
    "sim_swap": ("last_sim_swap", "carrier_name", "mobile_country_code", "mobile_network_code", "error_code"),
    "call_forwarding": ("call_forwarding_enabled", "error_code"),
    "line_status": ("status", "error_code"),
    "line_type_intelligence": ("mobile_country_code", "mobile_network_code", "carrier_name", "type", "error_code"),
    "identity_match": (
        "first_name_match", "last_name_match", "address_lines_match", "city_match", "state_match",
        "postal_code_match", "address_country_match", "national_id_match", "date_of_birth_match",
        "summary_score", "error_code", "error_message",
    ),
    "reassigned_number": ("last_verified_date", "is_number_reassigned", "error_code"),
    "sms_pumping_risk": (
        "carrier_risk_category", "number_blocked", "number_blocked_date", "number_blocked_last_3_months",
        "sms_pumping_risk_score", "error_code",
    ),
    "phone_number_quality_score": (),
    "pre_fill": (),
}

# Twilio's line types for libphonenumber's. The library cannot tell a US/Canada mobile from a landline
# (FIXED_LINE_OR_MOBILE); the simulator answers mobile there, so that the numbers scripts text are textable.
LINE_TYPES: dict[int, str] = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "mobile",
    PhoneNumberType.VOIP: "nonFixedVoip",
    PhoneNumberType.TOLL_FREE: "tollFree",
    PhoneNumberType.PREMIUM_RATE: "premium",
    PhoneNumberType.SHARED_COST: "sharedCost",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
}

_REASONS = {
    ValidationResult.TOO_SHORT: "TOO_SHORT",
    ValidationResult.TOO_LONG: "TOO_LONG",
    ValidationResult.INVALID_COUNTRY_CODE: "INVALID_COUNTRY_CODE",
    ValidationResult.INVALID_LENGTH: "INVALID_LENGTH",
}

_NOT_PROVISIONED = 60606  # the package is not enabled for this account
_OUT_OF_COVERAGE = 60600  # caller name outside the US and Canada


def parse(number: str, country: str | None = None) -> phonenumbers.PhoneNumber | None:
    """The number as libphonenumber reads it (national input in ``country``, default US as on Twilio)."""
    try:
        return phonenumbers.parse(number, (country or "US").upper())
    except phonenumbers.NumberParseException:
        return None


def line_type(number: phonenumbers.PhoneNumber) -> str | None:
    return LINE_TYPES.get(phonenumbers.number_type(number))


def look_up(
    number: str,
    country: str | None,
    fields: list[str],
    caller_name: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The Lookup v2 answer for ``number`` with the data ``fields`` asked for (every package not asked for is
    null, as Twilio answers)."""
    parsed = parse(number, country)
    valid = parsed is not None and phonenumbers.is_valid_number(parsed)
    errors: list[str] = []
    if parsed is None:
        errors.append("NOT_A_NUMBER")
    elif not valid:
        reason = phonenumbers.is_possible_number_with_reason(parsed)
        errors.append(_REASONS.get(reason, "INVALID_BUT_POSSIBLE"))
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164) if parsed is not None else number
    region = phonenumbers.region_code_for_number(parsed) if valid and parsed is not None else None
    answer: dict[str, Any] = {
        "calling_country_code": str(parsed.country_code) if parsed is not None and valid else None,
        "country_code": region,
        "phone_number": e164,
        "national_format": (
            phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL) if parsed is not None and valid else None
        ),
        "valid": valid,
        "validation_errors": errors,
    }
    for name in FIELDS:
        if name not in ("validation",):
            answer[name] = None
    for name in fields:
        if name == "validation" or not FIELDS[name]:
            continue
        answer[name] = _package(name, parsed if valid else None, region, caller_name)
    answer["url"] = LOOKUP_BASE + e164
    return answer


def _package(
    name: str, parsed: phonenumbers.PhoneNumber | None, region: str | None, caller_name: tuple[str, str] | None
) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(FIELDS[name])
    if parsed is None:
        if "error_code" in out:
            out["error_code"] = _OUT_OF_COVERAGE  # no provider has data on a number that cannot exist
        return out
    if name == "line_type_intelligence":
        out["type"] = line_type(parsed) or "unknown"
        out["carrier_name"] = carrier.name_for_number(parsed, "en") or None
        return out
    if name == "caller_name":
        if region not in ("US", "CA"):
            out["error_code"] = _OUT_OF_COVERAGE
        elif caller_name is not None:
            out["caller_name"], out["caller_type"] = caller_name
        return out
    out["error_code"] = _NOT_PROVISIONED
    return out


class Lookup:
    """The Lookup API of one simulator: answers, and the caller names each account has on file."""

    KIND = "caller_names"

    def __init__(self, store: Store) -> None:
        self.store = store

    def set_caller_name(self, account_sid: str, number: str, name: str, caller_type: str = "CONSUMER") -> None:
        """Record the CNAM answer for ``number`` (E.164) in the account's data."""
        if caller_type not in ("CONSUMER", "BUSINESS"):
            raise ValueError("caller_type must be CONSUMER or BUSINESS")
        data = {"caller_name": name, "caller_type": caller_type}
        record = Record(self.KIND, _caller_key(account_sid, number), account_sid, 0.0, data)
        if self.store.update(record) is None:
            self.store.add(record)

    def fetch(self, account_sid: str, number: str, args: Mapping[str, str]) -> dict[str, Any]:
        fields = [f for f in (args.get("Fields") or "").split(",") if f]
        unknown = [f for f in fields if f not in FIELDS]
        if unknown:
            raise TwilioError(60200, detail=f": Fields has unknown package(s) {', '.join(unknown)}")
        country = args.get("CountryCode") or None
        if country is not None and (len(country) != 2 or not country.isalpha()):
            raise TwilioError(60200, detail=": CountryCode must be an ISO 3166-1 alpha-2 code")
        parsed = parse(number, country)
        e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164) if parsed is not None else number
        stored = self.store.get(self.KIND, account_sid, _caller_key(account_sid, e164))
        name = (stored.data["caller_name"], stored.data["caller_type"]) if stored is not None else None
        return look_up(number, country, fields, name)


def _caller_key(account_sid: str, number: str) -> str:
    # Store sids are global; the account is part of the key so two accounts can name the same number.
    return f"{account_sid}:{number}"
