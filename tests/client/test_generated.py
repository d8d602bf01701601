"""Schemathesis-style property tests generated from the spec: for every operation, arguments drawn from
each argument's own rules (pattern, enum, range, length, list size) and the operation's either-or /
exclusion / dependency rules are accepted, and the request built from them carries exactly those values
under their wire names, in the right place."""

from __future__ import annotations

import functools
import math
import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter.client.serialize import build_request, wire_value
from adapter.client.spec import ArgumentSpec, OperationSpec, default_spec
from adapter.client.validation import OperationValidator

from .support import ACCOUNT_SID

SPEC = default_spec()


def _full(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.rstrip("$") + r"\Z" if pattern.endswith("$") else pattern)


def value_strategy(arg: ArgumentSpec) -> st.SearchStrategy[Any]:
    if arg.type == "array":
        assert arg.items is not None
        return st.lists(value_strategy(arg.items), min_size=1, max_size=min(arg.max_items or 5, 5))
    if arg.enum is not None:
        return st.sampled_from(arg.enum)
    if arg.type == "integer":
        low = int(arg.minimum) if arg.minimum is not None else -(10**6)
        high = int(arg.maximum) if arg.maximum is not None else 10**6
        return st.integers(low, high)
    if arg.type == "number":
        return st.floats(arg.minimum, arg.maximum if arg.maximum is not None else 1e6, allow_nan=False,
                         allow_infinity=False)
    if arg.type == "boolean":
        return st.booleans()
    if arg.pattern:
        full = _full(arg.pattern)
        return _from_regex(arg.pattern).filter(lambda s: full.match(s) is not None)
    return st.text(st.characters(codec="utf-8"), min_size=1, max_size=min(arg.max_length or 40, 40))


_HEX_SID = re.compile(r"^\^\(?([A-Z|]+)\)?\[0-9a-fA-F\]\{32\}\$$")


@functools.lru_cache(maxsize=None)
def _from_regex(pattern: str) -> st.SearchStrategy[str]:
    """from_regex, made quick: SIDs are drawn as prefix + 32 hex digits, and long repeats ({0,2000}) are
    narrowed to a few items (a sub-language of the pattern, so every value still matches it)."""
    sid = _HEX_SID.match(pattern)
    if sid:
        return st.builds(lambda prefix, digits: prefix + digits, st.sampled_from(sid.group(1).split("|")),
                         st.text("0123456789abcdefABCDEF", min_size=32, max_size=32))
    narrowed = re.sub(r"\{(\d+),(\d+)\}", lambda m: "{%s,%d}" % (m.group(1), min(int(m.group(2)), int(m.group(1)) + 6)),
                      pattern)
    return st.from_regex(narrowed, fullmatch=True)


def valid_args(op: OperationSpec) -> st.SearchStrategy[dict[str, Any]]:
    strategies = {a.name: value_strategy(a) for a in op.arguments.values() if a.credential != "token"}
    required = {n: s for n, s in strategies.items() if op.arguments[n].required}
    optional = {n: s for n, s in strategies.items() if not op.arguments[n].required}
    base = st.fixed_dictionaries(required, optional=optional)
    # One draw per either-or group decides which member to add when the arguments drawn have none.
    picks = st.tuples(*(st.sampled_from(g).flatmap(lambda n: st.tuples(st.just(n), strategies[n]))
                        for g in (*op.require_one_of, *op.require_given)))
    return st.builds(lambda args, chosen: _apply_rules(op, dict(args), chosen), base, picks)


def _apply_rules(op: OperationSpec, args: dict[str, Any], chosen: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    for group in op.mutually_exclusive:
        for name in [n for n in group if n in args][1:]:
            del args[name]
    for group, (name, value) in zip((*op.require_one_of, *op.require_given), chosen, strict=True):
        if not any(n in args for n in group):
            args[name] = value
    for name, needs in op.requires.items():
        if name in args and not all(n in args for n in needs):
            del args[name]
    return args


def expected_pairs(op: OperationSpec, args: dict[str, Any], location: str) -> list[tuple[str, str]]:
    out = []
    for arg in op.arguments.values():  # spec order
        if arg.name in args and arg.location == location:
            values = args[arg.name] if isinstance(args[arg.name], list) else [args[arg.name]]
            if arg.wire_join is not None:
                values = [arg.wire_join.join(wire_value(v) for v in values)]
            for value in values:
                value = (arg.wire_values or {}).get(value, value)
                out.append((arg.sent_as, wire_value(value)))
    return out


@pytest.mark.parametrize("name", list(SPEC.operations))
def test_generated_valid_arguments_are_accepted_and_sent_verbatim(name: str) -> None:
    op = SPEC.operation(name)
    validator = OperationValidator(op)

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.filter_too_much])
    @given(valid_args(op))
    def check(args: dict[str, Any]) -> None:
        values = validator.validate(args)
        assert set(values) == set(args)
        for key, value in args.items():
            if isinstance(value, float):
                assert math.isclose(values[key], value)
            else:
                assert values[key] == value
        request = build_request(op, values, values.get("AccountSid", ACCOUNT_SID))
        assert request["method"] == op.method
        path_values = {"AccountSid": values.get("AccountSid", ACCOUNT_SID)}
        path_values.update({a.name: values[a.name] for a in op.arguments.values() if a.location == "path"})
        assert request["path"] == op.path.format(**{k: quote(v, safe="") for k, v in path_values.items()})
        assert request["query"] == expected_pairs(op, values, "query")
        assert request["form"] == expected_pairs(op, values, "form")
        if op.method != "POST":
            assert request["form"] == []
        for key, text in request["form"] + request["query"]:
            arg = next(a for a in op.arguments.values() if a.sent_as == key)
            if arg.type == "number":
                assert math.isclose(float(text), float(values[arg.name]), rel_tol=1e-12, abs_tol=1e-300)
                assert "e" not in text.lower()

    check()
