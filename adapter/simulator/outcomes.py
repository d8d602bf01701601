"""How a message or call to a given recipient ends: delivered or not, answered or not.

An ``Outcomes`` table maps a recipient to an ``Outcome`` per kind. A recipient with no entry gets the
happy path (a message is ``delivered``, a call ``completed`` and answered by a human). The default
table (docs/simulator.md lists it) holds Twilio's test "To" numbers, refused when the request is
made exactly as with Twilio's test credentials, and a few numbers whose digits name the outcome.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CALL_ENDINGS",
    "DEFAULT_OUTCOMES",
    "MESSAGE_ENDINGS",
    "MESSAGE_ERRORS",
    "Outcome",
    "Outcomes",
    "outcome_from_dict",
]

MESSAGE_ENDINGS = frozenset({"delivered", "undelivered", "failed"})
CALL_ENDINGS = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
KINDS = ("messages", "calls")

# Twilio's delivery error codes and their titles (https://www.twilio.com/docs/api/errors/<code>).
MESSAGE_ERRORS: dict[int, str] = {
    30001: "Queue overflow",
    30002: "Account suspended",
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}


@dataclass(frozen=True)
class Outcome:
    """``reject``: the create request fails at once with this Twilio code (nothing is created).
    Otherwise the resource ends in ``status``; a message that does not arrive carries
    ``error_code``; ``machine`` makes a call's answer come from an answering machine (reported in
    ``answered_by`` only when the call asked for machine detection)."""

    status: str | None = None
    error_code: int | None = None
    machine: bool = False
    reject: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if value not in (None, False)}


def outcome_from_dict(kind: str, data: Mapping[str, Any]) -> Outcome:
    """An ``Outcome`` from a scenario entry, with a clear ``ValueError`` for anything wrong."""
    if kind not in KINDS:
        raise ValueError(f"outcomes are for 'messages' or 'calls', not {kind!r}")
    unknown = set(data) - {"status", "error_code", "machine", "reject"}
    if unknown:
        raise ValueError(f"unknown outcome keys {sorted(unknown)} (expected status, error_code, machine, reject)")
    status = data.get("status")
    endings = MESSAGE_ENDINGS if kind == "messages" else CALL_ENDINGS
    if status is not None and status not in endings:
        raise ValueError(f"a {kind[:-1]} ends {', '.join(sorted(endings))}; not {status!r}")
    error_code = _code(data.get("error_code"), "error_code")
    reject = _code(data.get("reject"), "reject")
    machine = data.get("machine", False)
    if not isinstance(machine, bool):
        raise ValueError("machine is true or false")
    if kind == "messages":
        if machine:
            raise ValueError("machine applies to calls only")
        if status in ("undelivered", "failed") and error_code is None:
            raise ValueError(f"a message that ends {status} needs an error_code (e.g. 30003)")
        if error_code is not None and status not in ("undelivered", "failed"):
            raise ValueError("error_code goes with status undelivered or failed")
    elif error_code is not None:
        raise ValueError("error_code applies to messages only")
    if reject is None and status is None:
        raise ValueError("an outcome needs a status or a reject code")
    return Outcome(status=status, error_code=error_code, machine=machine, reject=reject)


def _code(value: Any, name: str) -> int | None:
    if value is None:
        return None
    try:
        code = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} is a Twilio error code (a number), not {value!r}") from None
    if code <= 0:
        raise ValueError(f"{name} must be positive")
    return code


DEFAULT_OUTCOMES: dict[str, dict[str, Outcome]] = {
    "messages": {
        # Twilio's test "To" numbers (https://www.twilio.com/docs/iam/test-credentials).
        "+15005550001": Outcome(reject=21211),
        "+15005550002": Outcome(reject=21612),
        "+15005550003": Outcome(reject=21408),
        "+15005550004": Outcome(reject=21610),
        "+15005550009": Outcome(reject=21614),
        # +1555003000N: the message ends with error 3000N.
        "+15550030003": Outcome("undelivered", 30003),
        "+15550030005": Outcome("undelivered", 30005),
        "+15550030006": Outcome("undelivered", 30006),
        "+15550030007": Outcome("undelivered", 30007),
        "+15550030008": Outcome("failed", 30008),
    },
    "calls": {
        "+15005550001": Outcome(reject=21217),
        "+15005550002": Outcome(reject=21214),
        "+15005550003": Outcome(reject=21215),
        "+15005550004": Outcome(reject=21216),
        # The last digits are the SIP answer for the outcome: 486 Busy Here, 480 Temporarily
        # Unavailable (no answer), 503 Service Unavailable (failed), 487 Request Terminated (canceled).
        "+15550000486": Outcome("busy"),
        "+15550000480": Outcome("no-answer"),
        "+15550000503": Outcome("failed"),
        "+15550000487": Outcome("canceled"),
        "+15550000999": Outcome("completed", machine=True),
    },
}


class Outcomes:
    """The recipient -> outcome table a simulator uses; changed at run time by the control API."""

    def __init__(self, initial: Mapping[str, Mapping[str, Outcome]] | None = None) -> None:
        source = DEFAULT_OUTCOMES if initial is None else initial
        self._initial = {kind: dict(source.get(kind, {})) for kind in KINDS}
        self._lock = threading.Lock()
        self._table = {kind: dict(entries) for kind, entries in self._initial.items()}

    def get(self, kind: str, to: str) -> Outcome | None:
        with self._lock:
            return self._table.get(kind, {}).get(to)

    def set(self, kind: str, to: str, outcome: Outcome | None) -> None:
        """Give ``to`` this outcome (``None`` removes its entry: the happy path again)."""
        if kind not in KINDS:
            raise ValueError(f"outcomes are for 'messages' or 'calls', not {kind!r}")
        with self._lock:
            if outcome is None:
                self._table[kind].pop(to, None)
            else:
                self._table[kind][to] = outcome

    def snapshot(self) -> dict[str, dict[str, dict[str, Any]]]:
        with self._lock:
            return {kind: {to: o.to_dict() for to, o in entries.items()} for kind, entries in self._table.items()}

    def reset(self) -> None:
        with self._lock:
            self._table = {kind: dict(entries) for kind, entries in self._initial.items()}
