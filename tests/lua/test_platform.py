"""The platform around a script: endpoint sections, routes, the request table, the HTTP answer, to_json /
from_json, --preload modules and `response = ...`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter.lua import LuaHost, LuaInstructionLimitError, LuaRuntimeError, LuaSyntaxError
from adapter.lua.platform import (
    EndpointError,
    answer,
    find_route,
    load_endpoints,
    make_request,
    parse_endpoints,
    response_message,
    split_route,
)

FILE = b"""-- a solution's API
local function ok(v) return {ok = true, value = v} end

--#ENDPOINT GET /keystore/key/{key}
return ok(request.parameters.key)

--#ENDPOINT POST /keystore/set/{first}/{last}
  --#ENDPOINT   put   /users/me   text/plain
return "me"
--#ENDPOINT PUT /users/{id}
local broken = nil
return broken.field
"""


@pytest.fixture(scope="module", params=["luajit21", "lua51"])
def host(request: pytest.FixtureRequest) -> LuaHost:
    return LuaHost(None, services={"Probe": {"ping": lambda: "pong"}}, engine=request.param)


def test_sections_keep_their_route_line_and_content_type() -> None:
    endpoints = parse_endpoints(FILE, "dir/api.lua")
    assert [(e.route, e.line, e.content_type, e.chunk) for e in endpoints] == [
        ("GET /keystore/key/{key}", 4, None, "api.lua"),
        ("POST /keystore/set/{first}/{last}", 7, None, "api.lua"),
        ("PUT /users/me", 8, "text/plain", "api.lua"),
        ("PUT /users/{id}", 10, None, "api.lua"),
    ]


def test_a_section_runs_with_the_shared_lines_and_errors_give_the_files_line(host: LuaHost) -> None:
    first, _, me, broken = parse_endpoints(FILE, "api.lua")
    request = make_request("GET", "/keystore/key/abc", params={"key": "abc"})
    assert host.run(first.source, name=first.chunk, globals={"request": request}) == {"ok": True, "value": "abc"}
    assert host.run(me.source, name=me.chunk) == "me"
    with pytest.raises(LuaRuntimeError, match=r"^api\.lua:12: attempt to index local 'broken'"):
        host.run(broken.source, name=broken.chunk)


def test_a_file_without_sections_has_no_endpoints() -> None:
    assert parse_endpoints(b"return Twilio.listCall()", "x.lua") == []


@pytest.mark.parametrize(("source", "message"), [
    (b"--#ENDPOINT /sms\nreturn 1", "x.lua:1: the section header needs a method and a path"),
    (b"--#ENDPOINT POST\nreturn 1", "needs a method and a path"),
    (b"--#ENDPOINT\n", "needs a method and a path"),
    (b"--#ENDPOINT POST sms\n", "needs a method and a path"),
    (b"--#ENDPOINT GET /a/{x}\n--#ENDPOINT POST /a/{x}\n--#ENDPOINT GET /a/{y}\n",
     "x.lua:3: the route GET /a/{y} repeats GET /a/{x} of x.lua:1"),
])
def test_bad_files_are_one_clear_line(source: bytes, message: str) -> None:
    with pytest.raises(EndpointError, match=message.replace("{", r"\{").replace("}", r"\}")) as caught:
        parse_endpoints(source, "x.lua")
    assert "\n" not in str(caught.value)


def test_routes_literal_segments_win_and_parameters_are_decoded() -> None:
    endpoints = parse_endpoints(FILE, "api.lua")
    found = find_route(endpoints, "put", "/users/me")
    assert found is not None and found[0].path == "/users/me" and found[1] == {}
    found = find_route(endpoints, "PUT", "/users/a%20b")
    assert found is not None and found[1] == {"id": "a b"}
    found = find_route(endpoints, "GET", "/keystore/key/{key}")  # the route as written
    assert found is not None and found[1] == {}
    assert find_route(endpoints, "GET", "/keystore/key") is None
    assert find_route(endpoints, "DELETE", "/users/me") is None


def test_split_route() -> None:
    assert split_route(" post  /sms ") == ("POST", "/sms")
    for bad in ("/sms", "POST", "POST sms", "POST /a /b"):
        with pytest.raises(EndpointError):
            split_route(bad)


def test_the_one_endpoint_per_file_layout(tmp_path: Path) -> None:
    folder = tmp_path / "endpoints"
    (folder / "keystore").mkdir(parents=True)
    (folder / "sms.post.lua").write_text("return 'sms'")
    (folder / "keystore" / "{key}.get.lua").write_text("return request.parameters.key")
    (folder / "index.get.lua").write_text("return 'home'")
    (folder / "helpers.lua").write_text("x = 1")
    (folder / "more.lua").write_text("--#ENDPOINT DELETE /things/{id}\nreturn nil")
    endpoints, plain, modules = load_endpoints([folder])
    assert sorted(e.route for e in endpoints) == ["DELETE /things/{id}", "GET /", "GET /keystore/{key}", "POST /sms"]
    assert [Path(p).name for p, _ in plain] == ["helpers.lua"] and modules == []
    assert load_endpoints([folder / "sms.post.lua"])[0][0].route == "POST /sms"
    (folder / "dup.lua").write_text("--#ENDPOINT POST /sms\nreturn 2")
    with pytest.raises(EndpointError, match="repeats"):
        load_endpoints([folder])


def test_a_solution_folder_with_modules(tmp_path: Path) -> None:
    (tmp_path / "endpoints" / "users").mkdir(parents=True)
    (tmp_path / "modules" / "lib").mkdir(parents=True)
    (tmp_path / "endpoints" / "users" / "{id}.get.lua").write_text("return greet(request.parameters.id)")
    (tmp_path / "modules" / "b.lua").write_text("function greet(who) return PREFIX .. who end")
    (tmp_path / "modules" / "lib" / "a.lua").write_text("PREFIX = 'hi '")
    loaded = load_endpoints([tmp_path])
    assert [e.route for e in loaded.endpoints] == ["GET /users/{id}"]
    assert [name for _, name in loaded.modules] == ["modules/b.lua", "modules/lib/a.lua"] and loaded.plain == []


def test_make_request_has_the_platforms_shape() -> None:
    request = make_request("post", "/users/7?tag=a&tag=b&q=", params={"id": "7"}, headers={"X-Twilio-Signature": "s"},
                           url="https://h.example/users/7?tag=a&tag=b&q=", route="POST /users/{id}")
    assert request == {
        "method": "POST", "path": "/users/7", "uri": "/users/7?tag=a&tag=b&q=",
        "parameters": {"tag": ["a", "b"], "q": "", "id": "7"}, "headers": {"x-twilio-signature": "s"},
        "body": {}, "url": "https://h.example/users/7?tag=a&tag=b&q=", "route": "POST /users/{id}",
    }


@pytest.mark.parametrize(("value", "response", "replaced", "status", "headers", "body"), [
    (None, {}, False, 200, [], b""),  # a delete's nil: an empty 200
    ({"a": 1}, {}, False, 200, [("Content-Type", "application/json")], b'{"a": 1}'),
    (None, {"message": "hi", "code": 201}, False, 201, [("Content-Type", "text/plain; charset=utf-8")], b"hi"),
    (None, {"message": "<Response><Message>ok</Message></Response>"}, False, 200,
     [("Content-Type", "text/xml; charset=utf-8")], b"<Response><Message>ok</Message></Response>"),
    (None, {"message": [1, 2], "headers": {"X-Count": 2, "content-type": "application/x"}}, False, 200,
     [("X-Count", "2"), ("content-type", "application/x")], b"[1, 2]"),
    (None, {"sid": "SM1", "status": "queued"}, True, 200, [("Content-Type", "application/json")],
     b'{"sid": "SM1", "status": "queued"}'),  # response = Twilio.postMessage{...}
    (None, {"code": 404, "message": "gone"}, True, 404, [("Content-Type", "text/plain; charset=utf-8")], b"gone"),
    ("returned", {"message": "ignored", "code": "202"}, False, 202, [("Content-Type", "text/plain; charset=utf-8")],
     b"returned"),
])
def test_answer(value: Any, response: Any, replaced: bool, status: int, headers: list[tuple[str, str]],
                body: bytes) -> None:
    http = answer(value, response, replaced=replaced)
    assert (http.status, http.headers, http.body) == (status, headers, body)


@pytest.mark.parametrize(("response", "message"), [
    ({"code": 99}, "response.code must be an HTTP status"),
    ({"code": True}, "response.code must be an HTTP status"),
    ({"headers": "x"}, "response.headers must be a table"),
    ({"headers": {"X-A": {"nested": 1}}}, "must be text or a number"),
    ({"headers": {"X-A": "a\r\nSet-Cookie: x"}}, "is not a valid HTTP header"),
    ({"headers": {"Bad Name": "x"}}, "is not a valid HTTP header"),
    ({"headers": {"Content-Length": "1"}}, "is set by the server"),
    ({"headers": {"transfer-encoding": "chunked"}}, "is set by the server"),
    ({"message": {"x": math.nan}}, "NaN or infinity"),
])
def test_answers_that_cannot_be_sent_are_one_line_reasons(response: dict[str, Any], message: str) -> None:
    with pytest.raises(EndpointError, match=message):
        answer(None, response, replaced=False)


def test_response_replaced_by_a_twilio_result_is_the_message(host: LuaHost) -> None:
    run = host.execute('response = {sid = "SM1", status = "queued"}', globals={"response": {}}, capture=("response",))
    assert run.replaced == {"response"}
    assert response_message(run.value, run.globals["response"], replaced=True) == {"sid": "SM1", "status": "queued"}
    run = host.execute('response.message = {n = 1}', globals={"response": {}}, capture=("response",))
    assert run.replaced == frozenset()
    assert response_message(run.value, run.globals["response"], replaced=False) == {"n": 1}


def test_preload_runs_modules_first_in_the_same_environment_and_limits(host: LuaHost) -> None:
    modules = [("function double(x) return 2 * x end", "util.lua"), ("BASE = double(21)", "config.lua")]
    assert host.run("return BASE", globals=None) is None  # nothing leaks between runs
    assert host.execute("return {BASE, double(2), Probe.ping()}", preload=modules).value == [42, 4, "pong"]
    with pytest.raises(LuaSyntaxError, match=r"^broken\.lua:1:"):
        host.execute("return 1", preload=[("function (", "broken.lua")])
    with pytest.raises(LuaRuntimeError, match=r"^bad\.lua:1: boom"):
        host.execute("return 1", preload=[("error('boom')", "bad.lua")])
    small = LuaHost(None, services={"Probe": {"ping": lambda: "pong"}}, instruction_limit=100_000)
    with pytest.raises(LuaInstructionLimitError):
        small.execute("return 1", preload=[("while true do end", "loop.lua")])


# to_json / from_json

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children.filter(lambda v: v is not None), min_size=1, max_size=5)
    | st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: not k.isdigit()),
                      children.filter(lambda v: v is not None), max_size=5),
    max_leaves=20,
)


def _normal(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()} if value else {}
    return value


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(JSON_VALUES)
def test_json_round_trips_through_lua_and_pythons_json(host: LuaHost, value: Any) -> None:
    text = json.dumps(value)
    out = host.run("local v, err = from_json(text) assert(err == nil, err) "
                   "local again = to_json(v) return {again = again, same = to_json(from_json(again)) == again}",
                   globals={"text": text})
    assert out["same"] is True
    assert _normal(json.loads(out["again"])) == _normal(value) if value is not None else out["again"] == "null"


def test_json_details(host: LuaHost) -> None:
    out = host.run(r"""
        local t = from_json(text)
        return {t = t, encoded = to_json({b = {1, 2, {c = "é\n\"\\"}}, a = true, n = 1.5, e = {}}),
                big = to_json(2^53), neg = to_json(-0.25)}
    """, globals={"text": '{"s": "\\u00e9\\ud83d\\ude00\\/", "n": -1.5e3, "arr": [1, null, 3], "o": {}}'})
    assert out["t"] == {"s": "é😀/", "n": -1500, "arr": {"1": 1, "3": 3}, "o": {}}
    assert out["encoded"] == '{"a":true,"b":[1,2,{"c":"é\\n\\"\\\\"}],"e":{},"n":1.5}'
    assert out["big"] == "9007199254740992" and out["neg"] == "-0.25"


@pytest.mark.parametrize(("text", "message"), [
    ("{bad", "expected a string key at line 1 column 2"),
    ("[1, 2", "expected ',' or ']'"),
    ("1-2", "unexpected text after the value"),
    ("01", "malformed number"),
    ("1.", "malformed number"),
    ('"\\x"', "bad escape"),
    ('"abc', "unterminated string"),
    ("", "unexpected end"),
    ("[" * 300 + "]" * 300, "nested more than 200"),
])
def test_invalid_json_is_nil_and_a_message(host: LuaHost, text: str, message: str) -> None:
    out = host.run("local v, err = from_json(text) return {v == nil, err}", globals={"text": text})
    assert out[0] is True and message in out[1] and out[1].startswith("from_json: ")


@pytest.mark.parametrize(("code", "message"), [
    ("return to_json(print)", "cannot encode a function"),
    ("local t = {} t.t = t return to_json(t)", "contains itself"),
    ("return to_json(0/0)", "NaN"),
    ("return to_json({[true] = 1})", "key of type boolean"),
    ("return from_json(42)", "expected a string"),
])
def test_what_cannot_be_converted_is_nil_and_a_message(host: LuaHost, code: str, message: str) -> None:
    out = host.run(f"local f = function() {code} end local v, err = f() return {{v == nil, err}}")
    assert out[0] is True and message in out[1]


def test_the_runs_limits_apply_to_json(host: LuaHost) -> None:
    small = LuaHost(None, services={"Probe": {"ping": lambda: "pong"}}, instruction_limit=200_000)
    text = json.dumps([{"k": i} for i in range(50_000)])
    with pytest.raises(LuaInstructionLimitError):
        small.run("while true do pcall(from_json, text) end", globals={"text": text})
    assert host.run("return #from_json(text)", globals={"text": text}) == 50_000
