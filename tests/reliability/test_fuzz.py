"""Bad input, generated from the spec itself: for every operation, arguments drawn from each ArgumentSpec
(valid values, wrong types, huge and unicode strings, NaN/inf, huge integers, nested containers, path-injection
characters in every SID), from Python and from Lua. Whatever comes in, the caller gets a result or an error
object; invalid input sends nothing; nothing else escapes.

The budget is fixed (``derandomize=True``, no database, no deadline) so CI sees the same examples every run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter import Dispatcher, TwilioError
from adapter.client.spec import ArgumentSpec, OperationSpec, default_spec
from adapter.lua import LuaHost

from .conftest import ACCOUNT_SID, AUTH_TOKEN, fast_policy
from .faultserver import FaultServer

SPEC = default_spec()
OPERATIONS = sorted(SPEC.operations)
ERROR_TYPES = {"validation", "api", "network", "timeout", "config"}
INTERNAL = "The Twilio adapter failed on the host; the host's log has the details"

BUDGET = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture],
)
LUA_BUDGET = settings(BUDGET, max_examples=20)

INJECTIONS = ["/", "..", "/..", "%2F", "%2f", "?", "#", "\n", "\r\n", "\x00", " ", "%", "\\", "../../", ";", "&"]
BOOL_WORDS = {"true", "false", "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0"}

# -- strategies from ArgumentSpecs ---------------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(), st.text(max_size=20), st.binary(max_size=10),
)
nested = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner,
                                                                                   max_size=4)),
    max_leaves=12,
)
huge_text = st.one_of(
    st.integers(min_value=1, max_value=5).map(lambda n: "\U0001F4A3" * (20_000 * n)),
    st.integers(min_value=1, max_value=4).map(lambda n: "x" * (10 ** (n + 2) + 1)),
)
weird_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40) | huge_text


def _matches(arg: ArgumentSpec, value: str) -> bool:
    return arg.pattern is None or re.fullmatch(arg.pattern, value) is not None


_CACHE: dict[tuple[str, int], st.SearchStrategy[Any]] = {}


def _cached(kind: str, build: Any) -> Any:
    def get(arg: ArgumentSpec) -> st.SearchStrategy[Any]:
        key = (kind, id(arg))
        if key not in _CACHE:
            _CACHE[key] = build(arg)
        return _CACHE[key]

    return get


def _valid_value(arg: ArgumentSpec) -> st.SearchStrategy[Any]:
    if arg.type == "array":
        assert arg.items is not None
        item = valid_value(arg.items)
        many = st.lists(item, min_size=1, max_size=min(arg.max_items or 4, 4))
        return many | item if arg.accept_single else many
    if arg.enum is not None:
        return st.sampled_from(arg.enum)
    if arg.type == "integer":
        low = int(arg.minimum) if arg.minimum is not None else -(2**31)
        high = int(arg.maximum) if arg.maximum is not None else low + 10**9
        return st.integers(min_value=low, max_value=high)
    if arg.type == "number":
        low = arg.minimum if arg.minimum is not None else -1e6
        high = arg.maximum if arg.maximum is not None else 1e6
        return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    if arg.type == "boolean":
        return st.booleans()
    if arg.pattern is not None:
        return st.from_regex(arg.pattern, fullmatch=True).filter(lambda s: _matches(arg, s))
    text = st.text(max_size=min(arg.max_length or 60, 60))
    if arg.accept_object:
        return text | st.dictionaries(st.text(max_size=8), st.text(max_size=8) | st.integers(-99, 99), max_size=3)
    return text


def is_sid(arg: ArgumentSpec) -> bool:
    return arg.pattern is not None and bool(re.match(r"^\^\(?[A-Z|]+\)?\[0-9a-fA-F\]\{32\}\$$", arg.pattern))


def sample_sid(arg: ArgumentSpec) -> str:
    match = re.search(r"[A-Z]{2}", arg.pattern or "")
    assert match is not None
    return match.group() + "a" * 32


def injected_sid(arg: ArgumentSpec) -> st.SearchStrategy[str]:
    """A valid SID with a path/query-breaking sequence put somewhere in it."""
    return st.tuples(valid_value(arg), st.sampled_from(INJECTIONS), st.integers(0, 34)).map(
        lambda t: t[0][: t[2]] + t[1] + t[0][t[2]:]
    )


def _junk_value(arg: ArgumentSpec) -> st.SearchStrategy[Any]:
    """Values that are certainly invalid for ``arg``."""
    containers = st.one_of(
        st.lists(st.integers(), min_size=1, max_size=3), st.dictionaries(st.text(max_size=4), nested, min_size=1,
                                                                         max_size=3),
    )
    if arg.type == "array":
        assert arg.items is not None
        bad_item = junk_value(arg.items)
        options = [
            st.just([]),
            st.lists(bad_item, min_size=1, max_size=3),
            st.lists(valid_value(arg.items), min_size=(arg.max_items or 10) + 1, max_size=(arg.max_items or 10) + 3),
        ]
        if arg.accept_single:
            options.append(bad_item.filter(lambda v: not isinstance(v, (list, tuple))))
        return st.one_of(options)
    numbers_as_junk = st.one_of(st.integers(), st.floats())
    if arg.enum is not None:
        return st.one_of(weird_text.filter(lambda s: s not in arg.enum), numbers_as_junk, containers)
    if arg.type in ("integer", "number"):
        options = [
            st.sampled_from([math.nan, math.inf, -math.inf]), st.booleans(), containers,
            st.text(st.characters(categories=["L"]), min_size=1, max_size=30),
        ]
        if arg.type == "integer":
            options.append(st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()))
            options.append(st.integers(min_value=2**64, max_value=2**400))  # beyond any maximum, or not
        if arg.maximum is not None:
            options.append(st.integers(min_value=int(arg.maximum) + 1, max_value=int(arg.maximum) + 2**70))
        if arg.minimum is not None:
            options.append(st.integers(max_value=math.floor(arg.minimum) - 1, min_value=-(2**70)))
        strategy = st.one_of(options)
        if arg.maximum is None and arg.type == "integer":
            strategy = strategy.filter(lambda v: not (isinstance(v, int) and not isinstance(v, bool)
                                                       and v >= (arg.minimum or 0)))
        return strategy
    if arg.type == "boolean":
        return st.one_of(
            st.integers().filter(lambda i: i not in (0, 1)),
            st.floats().filter(lambda f: f not in (0.0, 1.0)),
            weird_text.filter(lambda s: s.strip().lower() not in BOOL_WORDS), containers,
        )
    # strings
    options = [numbers_as_junk, st.booleans(), st.lists(st.integers(), min_size=1, max_size=3)]
    if not arg.accept_object:
        options.append(containers)
    else:  # tables that cannot become JSON text: lone surrogates, NaN
        options.append(st.dictionaries(st.text(max_size=4), st.one_of(
            st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3), st.just(math.nan)),
            min_size=1, max_size=2))
    if arg.max_length is not None:
        options.append(st.integers(arg.max_length + 1, arg.max_length + 3000).map(lambda n: "\u00e9" * n))
    if arg.pattern is not None:
        options.append(weird_text.filter(lambda s: not _matches(arg, s)))
    if is_sid(arg):
        options.append(injected_sid(arg))
    return st.one_of(options)


valid_value = _cached("valid", _valid_value)
junk_value = _cached("junk", _junk_value)


@st.composite
def call_arguments(draw: Any, op: OperationSpec) -> tuple[Any, bool]:
    """(arguments, certainly_invalid)."""
    shape = draw(st.sampled_from(["mapping"] * 8 + ["not-a-mapping"]))
    if shape == "not-a-mapping":
        # A list of nothing but nils is the Lua table {nil}: an empty table, a call without arguments.
        lists = st.lists(scalars, min_size=1, max_size=3).filter(lambda items: any(v is not None for v in items))
        return draw(st.one_of(st.text(max_size=10), st.integers(), lists, st.booleans(), st.floats())), True
    args: dict[Any, Any] = {}
    invalid = False
    for arg in op.arguments.values():
        if arg.name == "AuthToken":
            choice = draw(st.sampled_from(["absent"] * 6 + ["valid", "junk"]))
        else:
            choice = draw(st.sampled_from(["absent", "valid", "valid", "valid", "junk"] if not arg.required
                                          else ["valid"] * 6 + ["junk", "absent"]))
        if choice == "valid":
            args[arg.name] = draw(valid_value(arg))
        elif choice == "junk":
            args[arg.name] = draw(junk_value(arg))
            invalid = True
        elif arg.required:
            invalid = True
    if draw(st.integers(0, 9)) == 0:
        key = draw(st.one_of(st.text(max_size=12), st.integers(), st.sampled_from(["../x", "Sid", "to", "BODY"])))
        if key not in op.arguments:
            args[key] = draw(scalars.filter(lambda v: v is not None))  # None means absent, as nil in Lua
            invalid = True
    return args, invalid


def path_template(op: OperationSpec) -> re.Pattern[str]:
    pattern = re.escape(op.path)
    for name in re.findall(r"\{(\w+)\}", op.path):
        # A SID, or (a phone number) one percent-encoded segment that is neither . nor ..
        slot = "[A-Za-z]{2}[0-9a-fA-F]{32}" if name.endswith("Sid") else r"(?!\.\.?(?:[?/]|$))(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})+"
        pattern = pattern.replace(re.escape("{" + name + "}"), slot)
    return re.compile(pattern + r"(\?[^#\s]*)?")


# -- the fixtures: one real server for the whole file ----------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


@pytest.fixture(scope="module")
def dispatcher(server: FaultServer) -> Iterator[Dispatcher]:
    with Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=server.base_url, retry_policy=fast_policy(),
                    timeout=(5.0, 5.0)) as running:
        yield running


def check_outcome(op: OperationSpec, server: FaultServer, before: int, outcome: Any, invalid: bool | None,
                  args: Any) -> None:
    sent = server.requests[before:]
    if isinstance(outcome, TwilioError):
        assert outcome.type in ERROR_TYPES
        assert isinstance(outcome.error, str) and outcome.error
        error = outcome.to_dict()
        assert error["status"] == outcome.status and isinstance(outcome.status, int)
        if outcome.type == "validation":
            assert sent == [], f"invalid input for {op.name} was sent: {sent}"
            return
    assert invalid is not True, f"{op.name} accepted invalid arguments {args!r:.300}"
    assert len(sent) == 1, sent
    assert sent[0].method == op.method
    assert path_template(op).fullmatch(sent[0].path), sent[0].path
    if not isinstance(outcome, TwilioError):
        assert outcome == (None if op.returns_nothing else {"ok": True})


# -- from Python ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPERATIONS)
def test_python_calls_never_escape(name: str, server: FaultServer, dispatcher: Dispatcher):
    op = SPEC.operations[name]

    @BUDGET
    @given(call_arguments(op))
    def run(generated: tuple[Any, bool]) -> None:
        args, invalid = generated
        before = len(server.requests)
        try:
            outcome: Any = dispatcher.call(name, args)
        except TwilioError as err:
            outcome = err
        check_outcome(op, server, before, outcome, invalid, args)

    run()


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_sid_rejects_path_injection(name: str, server: FaultServer, dispatcher: Dispatcher):
    op = SPEC.operations[name]
    sids = [arg for arg in op.arguments.values() if is_sid(arg)]
    base = {arg.name: sample_sid(arg) for arg in sids}
    for arg in sids:
        for bad in INJECTIONS:
            for value in (base[arg.name] + bad, bad + base[arg.name], base[arg.name][:10] + bad + base[arg.name][10:],
                          bad + "../Calls/CA" + "1" * 32):
                before = len(server.requests)
                with pytest.raises(TwilioError) as caught:
                    dispatcher.call(name, {**_minimal(op), arg.name: value})
                assert caught.value.type == "validation", (arg.name, value)
                assert arg.name in {d["field"] for d in caught.value.details}
                assert len(server.requests) == before


def _minimal(op: OperationSpec) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for arg in op.arguments.values():
        if arg.required:
            args[arg.name] = sample_sid(arg) if is_sid(arg) else "+15551234567"
    if op.name == "postMessage":
        args.update({"From": "+15557654321", "Body": "x"})
    if op.name == "createCall":
        args.update({"Url": "https://example.com/twiml"})
    extra = {"updateCall": {"Status": "completed"}, "updateMessage": {"Body": ""},
             "createVerification": {"Channel": "sms"}, "checkVerification": {"Code": "123456", "To": "+15551234567"}}
    args.update(extra.get(op.name, {}))
    return args


def test_minimal_arguments_are_valid(server: FaultServer, dispatcher: Dispatcher):
    # Guards the injection test above: without the injected character, every call would go through.
    for name in OPERATIONS:
        op = SPEC.operations[name]
        before = len(server.requests)
        dispatcher.call(name, _minimal(op))
        assert len(server.requests) == before + 1


def test_cyclic_and_deep_values_from_python(server: FaultServer, dispatcher: Dispatcher):
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    looped: list[Any] = []
    looped.append(looped)
    deep: Any = "x"
    for _ in range(100_000):
        deep = [deep]
    before = len(server.requests)
    for value in (cyclic, looped, deep, {"a": deep}):
        for name, key in (("postMessage", "Body"), ("postMessage", "MediaUrl"), ("postMessage", "ContentVariables"),
                          ("listMessage", "PageSize"), ("getMessage", "MessageSid"), ("createCall", "To")):
            with pytest.raises(TwilioError) as caught:
                dispatcher.call(name, {"To": "+15551234567", "From": "+15557654321", key: value})
            assert caught.value.type == "validation"
        with pytest.raises(TwilioError):
            dispatcher.call("postMessage", value)
    assert len(server.requests) == before


# -- from Lua --------------------------------------------------------------------------------------------------

_SAFE = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-_.:,@")

# Values only Lua can make: built in a prelude, referred to by name.
LUA_PRELUDE = r"""
local cyc = {} ; cyc.self = cyc ; cyc[1] = cyc
local deep = {} ; do local cur = deep ; for i = 1, 5000 do cur.x = {} ; cur = cur.x end end
local deeplist = {} ; do local cur = deeplist ; for i = 1, 5000 do cur[1] = {} ; cur = cur[1] end end
local holes = {1, nil, 3, nil, 5}
local mixed = {1, 2, x = "y", [10] = 3}
local floaty = {[1.5] = "a", [0] = "b", [-1] = "c"}
local keyed = {[true] = 1, [{}] = 2}
local big = string.rep("\240\159\146\163", 50000)
local fn = function() return 1 end
local co = (coroutine and coroutine.create) and coroutine.create(function() end) or fn
local meta = (setmetatable and setmetatable({}, {__index = function() error("boom") end,
  __len = function() error("len boom") end})) or {}
local nan, inf = 0/0, 1/0
"""
LUA_SPECIALS = ["cyc", "deep", "deeplist", "holes", "mixed", "floaty", "keyed", "big", "fn", "co", "meta", "nan",
                "inf", "-inf", "Twilio", "print", "tostring", "{cyc}", "{fn}", "{{{{{}}}}}", "{}", "{{}}"]


class LuaExpr(str):
    """Lua source for a value."""


def lua_literal(value: Any, depth: int = 0) -> str:
    if isinstance(value, LuaExpr):
        return str(value)
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return f"({value})"
    if isinstance(value, float):
        if math.isnan(value):
            return "(0/0)"
        if math.isinf(value):
            return "(1/0)" if value > 0 else "(-1/0)"
        return f"({value!r})"
    if isinstance(value, bytes):
        return '"' + "".join(chr(b) if b in _SAFE else f"\\{b:03d}" for b in value) + '"'
    if isinstance(value, str):
        return lua_literal(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(lua_literal(v, depth + 1) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua_literal(k, depth + 1)}] = {lua_literal(v, depth + 1)}" for k, v in
                               value.items()) + "}"
    raise TypeError(type(value))


lua_specials = st.sampled_from(LUA_SPECIALS).map(LuaExpr)


@st.composite
def lua_call(draw: Any, op: OperationSpec) -> tuple[str, bool | None, Any]:
    """(script, invalid, args); invalid is None when the outcome may go either way."""
    form = draw(st.sampled_from(["table"] * 6 + ["positional", "special-arg"]))
    if form == "positional":
        extra = draw(st.lists(st.one_of(scalars.filter(lambda v: v is not None), lua_specials), min_size=1,
                              max_size=3))
        call = f"Twilio.{op.name}({', '.join(lua_literal(v) for v in extra)})"
        invalid = True
        args: Any = extra
    elif form == "special-arg":
        special = draw(lua_specials)
        call = f"Twilio.{op.name}({special})"
        # An empty table (or one whose only content hides behind a metatable) is a call with no arguments.
        empty = special in ("{}", "meta")
        invalid = not empty or any(a.required for a in op.arguments.values()) or op.require_one_of != ()
        if special == "Twilio":
            invalid = None  # Twilio:op{} style; whatever it means, it must not escape
        args = special
    else:
        args, invalid = draw(call_arguments(op))
        if not isinstance(args, dict):
            args = {"(arguments)": args} if draw(st.booleans()) else args
        if isinstance(args, dict) and draw(st.integers(0, 3)) == 0 and op.arguments:
            name = draw(st.sampled_from(sorted(op.arguments)))
            args = {**args, name: draw(lua_specials)}
            # A table may be a fine value for an argument that takes a JSON object; unknown, not invalid.
            invalid = True if not op.arguments[name].accept_object else (invalid or None)
        call = f"Twilio.{op.name}({lua_literal(args)})"
        if isinstance(args, dict) and "(arguments)" in args:
            invalid = True
    script = LUA_PRELUDE + f"local result, err = {call}\nreturn result\n"
    return script, invalid, args


@pytest.fixture(scope="module")
def lua_host(dispatcher: Dispatcher) -> Any:
    return LuaHost(dispatcher)


@pytest.mark.parametrize("name", OPERATIONS)
def test_lua_calls_never_escape(name: str, server: FaultServer, lua_host: Any):
    op = SPEC.operations[name]

    @LUA_BUDGET
    @given(lua_call(op))
    def run(generated: tuple[str, bool | None, Any]) -> None:
        script, invalid, args = generated
        before = len(server.requests)
        try:
            outcome: Any = lua_host.run(script)
        except TwilioError as err:
            outcome = err
        if isinstance(outcome, dict) and outcome.get("type") in ERROR_TYPES and "error" in outcome:
            outcome = TwilioError(outcome["type"], outcome["error"], status=outcome.get("status"))
            assert not (isinstance(outcome, TwilioError) and outcome.error == INTERNAL), "an exception reached the bridge"
        check_outcome(op, server, before, outcome, invalid, args)

    run()


def test_lua_error_objects_are_plain_tables(server: FaultServer, lua_host: Any):
    script = LUA_PRELUDE + r"""
    local r, e = Twilio.postMessage{To = cyc, From = deep, Body = big, MediaUrl = fn}
    assert(r == e or r.type ~= nil)
    local err = e or r
    local kinds = {}
    for k, v in pairs(err) do kinds[#kinds + 1] = k .. ":" .. type(v) end
    table.sort(kinds)
    return {type = err.type, status = err.status, kinds = table.concat(kinds, ",")}
    """
    before = len(server.requests)
    out = lua_host.run(script)
    assert out["type"] == "validation" and out["status"] == 400
    for kind in out["kinds"].split(","):
        assert kind.split(":")[1] in ("string", "number", "table", "boolean"), kind
    assert len(server.requests) == before


def test_text_that_cannot_be_encoded_is_a_validation_error(server: FaultServer, dispatcher: Dispatcher):
    before = len(server.requests)
    base = {"To": "+15551234567", "From": "+15557654321"}
    for args in ({**base, "Body": "\ud800"}, {**base, "ContentSid": "HX" + "a" * 32, "ContentVariables": {"a": "\ud800"}},
                 {**base, "ContentSid": "HX" + "a" * 32, "ContentVariables": {"\udc80": 1}},
                 {**base, "Body": b"\xff\xfe"}):
        with pytest.raises(TwilioError) as caught:
            dispatcher.call("postMessage", args)
        assert caught.value.type == "validation"
    assert len(server.requests) == before
