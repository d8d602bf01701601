"""Argument checks built from the operations spec at startup: the simulator refuses exactly what the client
refuses, because both read the same formats (``specs/twilio_v2010.yaml``, ``x-argument-formats``).

What is the simulator's own is Twilio's behaviour: which error code a refusal gets (``REFUSALS``), and in
which order arguments are looked at (the spec's, which follows Twilio's: To before From before Body...).
Account rules (who may send from what) are not formats and live elsewhere in the simulator.

Values arrive as form or query text, so each check reads the text as the wire carries it: integers as
decimal digits, booleans as ``true``/``false``, lists as repeated keys. An empty value counts as not given,
as the SDK omits unset values but hand-written clients send ``Key=``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..client.spec import (
    ArgumentSpec,
    OperationSpec,
    ServiceSpec,
    default_spec,
    end_anchored,
)
from .errors import TwilioError

__all__ = [
    "DEFAULT_CODE",
    "REFUSALS",
    "Form",
    "OperationChecks",
    "check_arguments",
    "checks_for",
    "format_matches",
    "present",
]


class Form(Protocol):
    """What a check needs from a request's form or query: werkzeug's MultiDict satisfies it."""

    def get(self, key: str, /) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


# Twilio's error code for a value that breaks an argument's format, per operation and argument; a key
# "Argument:rule" overrides it for one rule (maxLength, maxItems). Codes from Twilio's error reference.
REFUSALS: dict[str, dict[str, int]] = {
    "postMessage": {
        "To": 21211,
        "From": 21212,
        "MessagingServiceSid": 21701,
        "Body": 21617,
        "MediaUrl": 21620,
        "MediaUrl:maxItems": 21623,
        "ContentSid": 21656,
        "StatusCallback": 21609,
        "ScheduleType": 35126,
        "SendAt": 35114,
        "ValidityPeriod": 21624,
    },
    "createCall": {
        "To": 21217,
        "From": 21212,
        "Url": 21205,
        "Method": 21209,
        "FallbackMethod": 21209,
        "StatusCallbackMethod": 21209,
        "RecordingStatusCallbackMethod": 21209,
        "Twiml": 32018,
    },
}
# Anything else Twilio refuses as a bad parameter value (its generic 400 for invalid parameters).
DEFAULT_CODE = 20001
# Lists Twilio also takes as one value, items separated by spaces (StatusCallbackEvent=initiated completed),
# besides repeated keys.
_SPACE_SEPARATED = frozenset({"StatusCallbackEvent", "RecordingStatusCallbackEvent"})


def present(form: Mapping[str, Any] | Form, key: str) -> str | None:
    """The value of ``key``, or None when it is absent or empty."""
    value = form.get(key)
    return value if value else None


@dataclass(frozen=True)
class _Check:
    argument: str  # the name on the wire
    says: str  # what a valid value is, for the error message (never the value: it may hold a password)
    code: int
    limit_codes: dict[str, int]
    is_list: bool
    joined_by: str | None  # a list sent as one value, items joined (x-wire-join: Fields=a,b; or spaces)
    max_items: int | None
    item: Callable[[str], str | None]  # a value's problem ("maxLength" or "format"), or None


class OperationChecks:
    """The checks of one operation's form or query arguments, in the spec's order."""

    def __init__(self, operation: OperationSpec) -> None:
        codes = REFUSALS.get(operation.name, {})
        self.operation = operation.name
        self._checks: list[_Check] = []
        for arg in operation.arguments.values():
            if arg.location not in ("form", "query") or arg.wire_name:
                continue  # an alias (IfMachine) is checked under the name it is sent as
            target = arg.items if arg.type == "array" and arg.items is not None else arg
            self._checks.append(
                _Check(
                    argument=arg.name,
                    says=_says(target),
                    code=codes.get(arg.name, DEFAULT_CODE),
                    limit_codes={
                        rule: codes[f"{arg.name}:{rule}"]
                        for rule in ("maxLength", "maxItems")
                        if f"{arg.name}:{rule}" in codes
                    },
                    is_list=arg.type == "array",
                    joined_by=arg.wire_join or (" " if arg.name in _SPACE_SEPARATED else None),
                    max_items=arg.max_items,
                    item=_value_check(target),
                )
            )

    def check(self, values: Mapping[str, Any] | Form) -> None:
        """Raise the :class:`TwilioError` Twilio answers for the first argument that breaks its format."""
        for check in self._checks:
            if check.is_list:
                given = [v for v in _all(values, check.argument) if v]
                if check.joined_by == " ":
                    given = [item for v in given for item in v.split()]
                elif check.joined_by is not None:
                    given = [item for v in given for item in v.split(check.joined_by)]
                if check.max_items is not None and len(given) > check.max_items:
                    raise _refusal(check, "maxItems", values)
            else:
                one = present(values, check.argument)
                given = [] if one is None else [one]
            for value in given:
                problem = check.item(value)
                if problem is not None:
                    raise _refusal(check, problem, values)


def _all(values: Mapping[str, Any] | Form, key: str) -> list[str]:
    getlist = getattr(values, "getlist", None)
    if getlist is not None:
        return list(getlist(key))
    value = values.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _refusal(check: _Check, problem: str, values: Mapping[str, Any] | Form) -> TwilioError:
    code = check.limit_codes.get(problem, check.code)
    if code == DEFAULT_CODE:
        return TwilioError(code, message=f"Invalid parameter {check.argument}: must be {check.says}")
    # Addresses are echoed as Twilio does; other values never (a URL may carry user:password@).
    echoed = present(values, check.argument) if check.argument in ("To", "From") else None
    return TwilioError(
        code, to=present(values, "To") or "", from_=present(values, "From") or "", value=echoed or ""
    )


def _says(arg: ArgumentSpec) -> str:
    if arg.format_description:
        return arg.format_description + (f", at most {arg.max_length} characters" if arg.max_length else "")
    if arg.enum is not None:
        return "one of " + ", ".join(map(str, arg.enum))
    if arg.type in ("integer", "number"):
        low = "" if arg.minimum is None else f" from {_num(arg.minimum)}"
        high = "" if arg.maximum is None else f" to {_num(arg.maximum)}"
        return ("a whole number" if arg.type == "integer" else "a number") + low + high
    if arg.type == "boolean":
        return "true or false"
    if arg.max_length is not None:
        return f"at most {arg.max_length} characters"
    return "a valid value"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_INTEGER = re.compile(r"-?[0-9]{1,18}")


def _value_check(arg: ArgumentSpec) -> Callable[[str], str | None]:
    """A check of one value as text, from the same fields the client's validation reads."""
    if arg.enum is not None:
        allowed = frozenset(str(e) for e in arg.enum)
        return lambda value: None if value in allowed else "format"
    low, high = arg.minimum, arg.maximum
    if arg.type == "integer":
        def integer(value: str) -> str | None:
            if not _INTEGER.fullmatch(value):
                return "format"
            number = int(value)
            return "format" if (low is not None and number < low) or (high is not None and number > high) else None

        return integer
    if arg.type == "number":
        def number(value: str) -> str | None:
            try:
                parsed = float(value)
            except ValueError:
                return "format"
            if not math.isfinite(parsed) or (low is not None and parsed < low) or (high is not None and parsed > high):
                return "format"
            return None

        return number
    if arg.type == "boolean":
        return lambda value: None if value.lower() in ("true", "false") else "format"
    search = re.compile(end_anchored(arg.pattern)).search if arg.pattern else None
    longest = arg.max_length

    def text(value: str) -> str | None:
        if longest is not None and len(value) > longest:
            return "maxLength"
        if search is not None and search(value) is None:
            return "format"
        return None

    return text


_BUILT: dict[int, tuple[ServiceSpec, dict[str, OperationChecks]]] = {}


def checks_for(operation: str, spec: ServiceSpec | None = None) -> OperationChecks:
    """The checks of ``operation``, built once per spec (the spec is kept, so its id is never reused)."""
    spec = spec or default_spec()
    built = _BUILT.get(id(spec))
    if built is None:
        built = _BUILT[id(spec)] = (spec, {name: OperationChecks(op) for name, op in spec.operations.items()})
    return built[1][operation]


_FORMAT_SEARCH: dict[tuple[int, str], Callable[[str], Any]] = {}


def format_matches(name: str, value: str, spec: ServiceSpec | None = None) -> bool:
    """Whether ``value`` has the spec's named format ``name`` (e164, message-address, ...)."""
    spec = spec or default_spec()
    search = _FORMAT_SEARCH.get((id(spec), name))
    if search is None:
        _BUILT.setdefault(id(spec), (spec, {n: OperationChecks(op) for n, op in spec.operations.items()}))
        search = _FORMAT_SEARCH[(id(spec), name)] = re.compile(end_anchored(spec.formats[name]["pattern"])).search
    return search(value) is not None


def check_arguments(operation: str, values: Mapping[str, Any] | Form, spec: ServiceSpec | None = None) -> None:
    """Refuse, as Twilio does, the first argument of ``operation`` whose value breaks the spec's format."""
    checks_for(operation, spec).check(values)
