"""The quick validation path (plain checks, no pydantic) must accept only what the pydantic model accepts,
and give exactly the model's values: generated arguments for every operation of the real spec, compared."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter import TwilioError
from adapter.client.spec import ArgumentSpec, default_spec
from adapter.client.validation import OperationValidator, _end_anchored

SPEC = default_spec()
OPS = sorted(SPEC.operations)
VALIDATORS = {name: OperationValidator(SPEC.operations[name]) for name in OPS}

anything = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.binary(max_size=5), st.lists(st.text(max_size=5), max_size=3),
    st.tuples(st.text(max_size=5)), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just("\ud800"), st.just("+15558675310\n"),
)


def _cached(build: Any) -> Any:
    # Building a from_regex strategy is far dearer than drawing from it: build one per argument, once.
    cache: dict[int, st.SearchStrategy[Any]] = {}

    def strategy(arg: ArgumentSpec) -> st.SearchStrategy[Any]:
        if id(arg) not in cache:
            cache[id(arg)] = build(arg)
        return cache[id(arg)]

    return strategy


@_cached
def valid_for(arg: ArgumentSpec) -> st.SearchStrategy[Any]:
    """Values the argument's rules accept, of the types a caller would pass."""
    if arg.type == "array":
        assert arg.items is not None
        items = st.lists(valid_for(arg.items), min_size=1, max_size=arg.max_items or 3)
        return st.one_of(items, valid_for(arg.items)) if arg.accept_single else items
    if arg.enum is not None:
        return st.sampled_from(arg.enum)
    low = arg.minimum if arg.minimum is not None else -(10**6)
    high = arg.maximum if arg.maximum is not None else 10**6
    if arg.type == "integer":
        return st.integers(int(low), int(high))
    if arg.type == "number":
        return st.one_of(st.floats(low, high), st.integers(math.ceil(low), math.floor(high)))
    if arg.type == "boolean":
        return st.booleans()
    if arg.pattern:
        matching = st.from_regex(_end_anchored(arg.pattern), fullmatch=True)
        return matching.filter(lambda s: arg.max_length is None or len(s) <= arg.max_length)
    return st.text(max_size=arg.max_length or 30)


@_cached
def value_for(arg: ArgumentSpec) -> st.SearchStrategy[Any]:
    """Edges, near misses and wrong types (the model must decide these), or anything at all."""
    if arg.type == "array":
        assert arg.items is not None
        item = value_for(arg.items)
        lists = st.lists(st.one_of(item, valid_for(arg.items)), min_size=0, max_size=(arg.max_items or 3) + 1)
        return st.one_of(lists, item, lists.map(tuple), st.just({}), anything)
    if arg.enum is not None:
        return st.one_of(st.sampled_from(arg.enum).map(str.upper), anything)
    if arg.type in ("integer", "number"):
        low = int(arg.minimum) if arg.minimum is not None else -(10**6)
        high = int(arg.maximum) if arg.maximum is not None else 10**6
        near = st.integers(low - 2, high + 2)
        return st.one_of(near, near.map(float), near.map(str), st.floats(low - 2, high + 2), st.booleans(),
                         st.sampled_from([math.inf, -math.inf, math.nan, 2**53 + 1, -(2**60)]), anything)
    if arg.type == "boolean":
        return st.one_of(st.sampled_from([0, 1, "true", "false", "yes", 1.0]), anything)
    strings: list[st.SearchStrategy[Any]] = [st.text(max_size=(arg.max_length or 30) + 2), anything]
    if arg.pattern:
        matching = st.from_regex(_end_anchored(arg.pattern), fullmatch=True)
        strings += [matching.map(lambda s: s + "\n"), matching.map(lambda s: s[:-1]),
                    matching.map(lambda s: " " + s), matching.map(lambda s: s + "\ud800")]
    if arg.max_length:
        strings.append(st.integers(arg.max_length - 1, arg.max_length + 1).map(lambda n: "x" * n))
    return st.one_of(*strings)


@st.composite
def call(draw: st.DrawFn) -> tuple[str, dict[Any, Any]]:
    """Mostly valid arguments with now and then one that is not, so both paths are exercised."""
    name = draw(st.sampled_from(OPS))
    op = SPEC.operations[name]
    args: dict[Any, Any] = {}
    for arg in op.arguments.values():
        if arg.required or draw(st.integers(0, 2)) == 0:
            odd = draw(st.integers(0, 7)) == 0
            args[arg.name] = draw(value_for(arg) if odd else valid_for(arg))
    if draw(st.integers(0, 9)) == 0:
        args[draw(st.sampled_from(["Unknown", "to", 1]))] = "x"
    return name, args


def model_result(validator: OperationValidator, present: dict[Any, Any]) -> dict[str, Any] | None:
    """What the pydantic model alone makes of the arguments (None: it rejects them)."""
    from pydantic import ValidationError

    try:
        model = validator.model.model_validate(present)
    except (ValidationError, TypeError, ValueError, RecursionError):
        return None
    chosen = model.model_fields_set
    return {arg: getattr(model, f) for f, arg in validator._field_to_arg.items() if f in chosen}


def same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


# A fixed budget keeps CI quick and deterministic; raise max_examples locally to search harder.
@settings(max_examples=600, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(call())
def test_quick_path_agrees_with_the_model(case: tuple[str, dict[Any, Any]]) -> None:
    name, args = case
    validator = VALIDATORS[name]
    present = {k: v for k, v in args.items() if v is not None}
    quick = validator._quick(present)
    if quick is None:
        return  # the model decides: nothing to compare
    expected = model_result(validator, present)
    assert expected is not None, f"quick path accepted what the model rejects: {present!r}"
    assert list(quick) == list(expected), "spec order"
    for key in expected:
        assert same(quick[key], expected[key]), (key, quick[key], expected[key])


@pytest.mark.parametrize("name", OPS)
def test_valid_calls_take_the_quick_path_and_invalid_ones_the_model(name: str) -> None:
    validator = OperationValidator(SPEC.operations[name])
    with pytest.raises(TwilioError):
        validator.validate({"NoSuchArgument": 1})
    assert "model" in vars(validator)  # errors come from the model, with its messages


def test_valid_call_needs_no_model() -> None:
    validator = OperationValidator(SPEC.operations["postMessage"])
    out = validator.validate({"To": "+15558675310", "From": "+15005550006", "Body": "hi", "MaxPrice": 1,
                              "MediaUrl": "https://example.com/a.png", "ProvideFeedback": True})
    assert out == {"To": "+15558675310", "From": "+15005550006", "Body": "hi",
                   "MediaUrl": ["https://example.com/a.png"], "MaxPrice": 1.0, "ProvideFeedback": True}
    assert type(out["MaxPrice"]) is float
    assert "model" not in vars(validator)  # pydantic was not needed
