"""The client and the simulator agree on every format, because both build their checks from the spec.

- What the client accepts, serialised as it goes on the wire, draws no format refusal from the simulator
  (property test over every operation's arguments, drawn from the spec's own rules).
- Text arguments, near-valid values (valid ones with a character inserted, removed or replaced): the
  simulator refuses exactly what the client refuses.
- Over HTTP, the values that used to disagree (issue 9) are created by a running simulator that owns the
  senders, and the refused ones are refused by both with Twilio's code.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from adapter import Dispatcher, TwilioError
from adapter.client.serialize import build_request
from adapter.client.spec import ArgumentSpec, OperationSpec, default_spec
from adapter.client.validation import OperationValidator
from adapter.simulator import Simulator
from adapter.simulator import TwilioError as SimulatorError
from adapter.simulator.account import DEFAULT_CONFIG
from adapter.simulator.formats import check_arguments

from ..client.test_generated import _from_regex, valid_args, value_strategy

SPEC = default_spec()
ACCOUNT = "AC" + "0" * 32
# Operations whose form or query arguments the simulator checks.
CHECKED = [name for name, op in SPEC.operations.items()
           if any(a.location in ("form", "query") for a in op.arguments.values())]
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def wire(op: OperationSpec, values: dict[str, Any]) -> MultiDict[str, str]:
    request = build_request(op, values, ACCOUNT)
    return MultiDict(request["form"] if op.method == "POST" else request["query"])


def simulator_refusal(op: OperationSpec, values: dict[str, Any]) -> SimulatorError | None:
    try:
        check_arguments(op.name, wire(op, values))
    except SimulatorError as refusal:
        return refusal
    return None


@pytest.mark.parametrize("name", CHECKED)
def test_what_the_client_accepts_the_simulator_accepts(name: str) -> None:
    op = SPEC.operation(name)
    validator = OperationValidator(op)

    @SETTINGS
    @given(valid_args(op))
    def check(args: dict[str, Any]) -> None:
        values = validator.validate(args)
        refusal = simulator_refusal(op, values)
        assert refusal is None, (args, refusal.code, refusal.message)

    check()


# Characters that sit on the edge of some format: separators, URL delimiters, spaces, non-ASCII, newlines.
EDGE = " @+-_&.:/%#?=;~\n\tÅé\u00a0[]\"'<>{}|\\^`*!$,()0aZ"


def near(arg: ArgumentSpec) -> st.SearchStrategy[str]:
    """Valid values of ``arg`` with one character inserted, removed or replaced (or left as they are)."""
    assert arg.pattern is not None

    def mutate(value: str, where: int, kind: int, char: str) -> str:
        where = where % (len(value) + 1)
        if kind == 0:
            return value[:where] + char + value[where:]
        if kind == 1:
            return value[:where] + value[where + 1:]
        if kind == 2:
            return value[:where] + char + value[where + 1:]
        return value

    return st.builds(mutate, _from_regex(arg.pattern), st.integers(0, 400), st.integers(0, 3), st.sampled_from(EDGE))


def text_arguments() -> list[tuple[str, str]]:
    """One (operation, argument) per distinct text rule (pattern and length): arguments sharing a format are
    checked by the same code on both sides, so one of them stands for all."""
    out, seen = [], set()
    for name in CHECKED:
        op = SPEC.operation(name)
        for arg in op.arguments.values():
            target = arg.items if arg.type == "array" else arg
            if (arg.location in ("form", "query") and not arg.wire_name and target is not None
                    and target.type == "string" and target.pattern
                    and (target.pattern, target.max_length) not in seen):
                seen.add((target.pattern, target.max_length))
                out.append((name, arg.name))
    return out


@pytest.mark.parametrize(("name", "argument"), text_arguments())
def test_the_simulator_refuses_exactly_what_the_client_refuses(name: str, argument: str) -> None:
    op = SPEC.operation(name)
    validator = OperationValidator(op)
    arg = op.arguments[argument]
    target = arg.items if arg.type == "array" and arg.items is not None else arg

    @SETTINGS
    @given(valid_args(op), near(target))
    def check(args: dict[str, Any], value: str) -> None:
        if not value:
            return  # an empty value is "not given" on the wire, as Twilio reads it
        args = {**args, argument: [value] if arg.type == "array" else value}
        if any(n in args for n in _excluded_by(op, argument)) or validator._rule_problems(args):
            return  # a rule across arguments (exclusion, dependency) decides, not the format
        try:
            values = validator.validate(args)
            client_refuses = False
        except TwilioError as error:
            fields = {d["field"].split("[")[0] for d in error.details or []}
            if fields - {argument}:
                return  # another rule (an either-or group) decided; not a format question
            client_refuses = True
            values = {**args}
        refusal = simulator_refusal(op, values)
        assert (refusal is not None) == client_refuses, (argument, value, refusal and refusal.message)

    check()


def long_values() -> list[tuple[str, str, int]]:
    """Every text argument with a length limit, as (operation, argument, limit)."""
    out = []
    for name in CHECKED:
        op = SPEC.operation(name)
        for arg in op.arguments.values():
            target = arg.items if arg.type == "array" and arg.items is not None else arg
            if (arg.location in ("form", "query") and arg.name not in op.requires
                    and target.type == "string" and target.max_length
                    and (target.pattern is None or target.format == "http-url")):
                out.append((name, arg.name, target.max_length))
    return out


@pytest.mark.parametrize(("name", "argument", "limit"), long_values())
def test_both_sides_draw_the_length_limit_at_the_same_character(name: str, argument: str, limit: int) -> None:
    op = SPEC.operation(name)
    validator = OperationValidator(op)
    arg = op.arguments[argument]
    target = arg.items if arg.type == "array" and arg.items is not None else arg
    base = minimal_args(op, argument)
    for length, accepted in ((limit, True), (limit + 1, False)):
        if target.format == "http-url":
            value = "https://example.com/" + "a" * (length - len("https://example.com/"))
        else:
            value = "x" * length
        args = dict(base)
        args[argument] = [value] if arg.type == "array" else value
        try:
            values = validator.validate(args)
            client_accepts = True
        except TwilioError:
            client_accepts, values = False, args
        assert client_accepts == accepted, (argument, length)
        assert (simulator_refusal(op, values) is None) == accepted, (argument, length)


def minimal_args(op: OperationSpec, argument: str) -> dict[str, Any]:
    """The simplest valid arguments of ``op`` that leave room for ``argument``: each required one, and one
    member of each either-or group, at its simplest valid value."""
    excluded = _excluded_by(op, argument) | {argument}
    names = [a.name for a in op.arguments.values() if a.required and a.name not in excluded]
    for group in op.require_one_of:
        if argument not in group and not any(n in names for n in group):
            names.append(next(n for n in group if n not in excluded))
    return {name: find(value_strategy(op.arguments[name]), lambda _: True) for name in names}


def _excluded_by(op: OperationSpec, argument: str) -> set[str]:
    return {n for group in op.mutually_exclusive if argument in group for n in group if n != argument}


# The values the client and the simulator disagreed on before formats came from one place (issue 9), and
# the client corrections of issue 13; each is sent over HTTP to a running simulator whose account owns the
# senders, so the answer is 201.
ACCEPTED = [
    ("postMessage", {"To": "+447700900123", "From": "ACME-Co", "Body": "hi"}),
    ("postMessage", {"To": "+447700900123", "From": "Acme & Co", "Body": "hi"}),
    ("postMessage", {"To": "+15558675310", "From": "12345", "Body": "hi"}),
    ("postMessage", {"To": "+15558675310", "From": "+15005550006", "Body": "hi",
                     "StatusCallback": "https://user:pw@example.com/status"}),
    ("postMessage", {"To": "+15558675310", "From": "+15005550006", "Body": "hi",
                     "StatusCallback": "https://example.com/" + "s" * 2980}),
    ("createCall", {"To": "client:a@b", "From": "+15005550006", "Url": "https://example.com/t.xml"}),
    ("createCall", {"To": "client:+bob", "From": "client:alice", "Twiml": "<Response/>"}),
    ("createCall", {"To": "+15558675310", "From": "+15005550006", "Url": "https://example.com/" + "u" * 3980}),
]
# Formats the account model has no senders for (Messenger pages, RCS agents): the format is accepted by both
# sides; the account then refuses the unknown sender.
FORMAT_ONLY = [
    ("postMessage", {"To": "messenger:1234567890", "From": "messenger:987654321", "Body": "hi"}),
    ("postMessage", {"To": "rcs:+15558675310", "From": "rcs:acme_agent", "Body": "hi"}),
]
REFUSED = [
    ("postMessage", {"To": "rcs:alice", "From": "+15005550006", "Body": "hi"}, "To", 21211),
    ("postMessage", {"To": "+15558675310", "From": "Acme.Co", "Body": "hi"}, "From", 21212),
    ("createCall", {"To": "client:a b", "From": "+15005550006", "Url": "https://example.com/t"}, "To", 21217),
    ("createCall", {"To": "+15558675310", "From": "+15005550006", "Url": "https://ex_ample.com/t"}, "Url", 21205),
]


@pytest.fixture(scope="module")
def simulator() -> Any:
    config = DEFAULT_CONFIG.with_additions(short_codes=("12345",), sender_ids=("ACME-Co", "Acme & Co"))
    with Simulator(config=config) as sim:
        yield sim


def test_accepted_values_are_sent_and_created(simulator: Simulator) -> None:
    twilio = Dispatcher(simulator.account_sid, simulator.auth_token, base_url=simulator.base_url, max_retries=0)
    for operation, args in ACCEPTED:
        created = twilio.call(operation, args)
        assert created is not None and created["sid"], (operation, args)
    for operation, args in FORMAT_ONLY:
        assert OperationValidator(SPEC.operation(operation)).validate(args)
        check_arguments(operation, MultiDict(args))


def test_refused_values_are_refused_by_both_with_twilios_code(simulator: Simulator) -> None:
    twilio = Dispatcher(simulator.account_sid, simulator.auth_token, base_url=simulator.base_url, max_retries=0)
    for operation, args, field, code in REFUSED:
        with pytest.raises(TwilioError) as refused:
            twilio.call(operation, args)
        assert refused.value.type == "validation" and refused.value.details[0]["field"] == field
        simulator.clear_requests()
        try:
            check_arguments(operation, MultiDict(args))
        except SimulatorError as refusal:
            assert refusal.code == code
        else:
            raise AssertionError(f"the simulator accepted {args}")
