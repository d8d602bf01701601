"""Data across the boundary: Lua tables to Python arguments, results to real Lua tables, and back."""

from __future__ import annotations

import pytest
from tests.wire import WireMock
from lupa import luajit21

from adapter.lua import LuaHost
from adapter.lua.convert import ConversionError, fresh, to_lua, to_python

from .conftest import ACCOUNT, MOCK_BASE, message_json

MESSAGES = f"{MOCK_BASE}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


def test_lua_values_become_plain_python(mock_host: LuaHost) -> None:
    out = mock_host.run("""
        return {
          list = {"a", "b", "c"}, nested = {x = {y = {1, 2, {z = true}}}}, whole = 30.0, half = 2.5,
          neg = -7, yes = true, no = false, text = "héllo ☃", empty = {}, sparse = {[1] = "a", [3] = "c"},
          mixed = {1, 2, k = "v"}, numkeys = {[10] = "ten"},
        }
    """)
    assert out == {
        "list": ["a", "b", "c"], "nested": {"x": {"y": [1, 2, {"z": True}]}}, "whole": 30, "half": 2.5,
        "neg": -7, "yes": True, "no": False, "text": "héllo ☃", "empty": {}, "sparse": {"1": "a", "3": "c"},
        "mixed": {"1": 1, "2": 2, "k": "v"}, "numkeys": {"10": "ten"},
    }
    assert isinstance(out["whole"], int)


def test_script_arguments_keep_their_types(mocked: WireMock, mock_host: LuaHost) -> None:
    calls = MESSAGES.replace("Messages", "Calls")
    mocked.add("POST", calls, status=201, json={"sid": "CA" + "1" * 32})
    mock_host.run('Twilio.createCall{From = "+15005550006", To = "+15558675310", Url = "https://e.com/x", '
                  "Timeout = 30.0, Record = true, TimeLimit = 600}")
    body = mocked.calls[0].request.body
    assert "Timeout=30&" in body and "Record=true" in body and "TimeLimit=600" in body


def test_a_boolean_is_not_a_number(mocked: WireMock, mock_host: LuaHost) -> None:
    out = mock_host.run('local r, e = Twilio.listMessage{PageSize = true} return e')
    assert out["type"] == "validation" and "PageSize" in out["error"]
    assert not mocked.calls


def test_results_are_real_tables_with_one_based_arrays(mocked: WireMock, mock_host: LuaHost) -> None:
    page = {"messages": [message_json("SM" + "a" * 32, body="first"), message_json("SM" + "b" * 32)],
            "page": 0, "next_page_uri": None, "previous_page_uri": None}
    mocked.add("GET", MESSAGES, json=page)
    out = mock_host.run("""
        local page = Twilio.listMessage()
        local m = page.messages
        return {
          first = m[1].sid, body = m[1].body, count = #m, zero = m[0], kind = type(m), mt = getmetatable(m),
          next_is_nil = page.next_page_uri == nil, error_code_is_nil = m[1].error_code == nil,
          has_next_key = (function() for k in pairs(page) do if k == "next_page_uri" then return true end end
                                     return false end)(),
        }
    """)
    assert out == {"first": "SM" + "a" * 32, "body": "first", "count": 2, "kind": "table", "next_is_nil": True,
                   "error_code_is_nil": True, "has_next_key": False}


def test_unicode_bodies_round_trip(mocked: WireMock, mock_host: LuaHost) -> None:
    text = "Ünïcødé ☃ 日本語 🚀 \u0000 nul"
    mocked.add("POST", MESSAGES, status=201, json=message_json(body=text))
    out = mock_host.run('local m = Twilio.postMessage{From = "+15005550006", To = "+15558675310", Body = body}'
                        " return {body = m.body, len = #m.body}", globals={"body": text})
    assert out["body"] == text and out["len"] == len(text.encode())
    assert "Body=%C3%9Cn%C3%AF" in mocked.calls[0].request.body


def test_a_thousand_item_page(mocked: WireMock, mock_host: LuaHost) -> None:
    items = [message_json("SM" + f"{i:032x}", body=f"message {i}") for i in range(1000)]
    mocked.add("GET", MESSAGES, json={"messages": items, "page": 0, "page_size": 1000, "next_page_uri": None})
    out = mock_host.run("""
        local page = Twilio.listMessage{PageSize = 1000}
        local bodies = 0
        for i, m in ipairs(page.messages) do bodies = bodies + #m.body end
        return {n = #page.messages, last = page.messages[1000].body, bodies = bodies}
    """)
    assert out["n"] == 1000 and out["last"] == "message 999"
    assert out["bodies"] == sum(len(f"message {i}") for i in range(1000))


def test_invalid_utf8_is_a_validation_error(mocked: WireMock, mock_host: LuaHost) -> None:
    out = mock_host.run('local r, e = Twilio.postMessage{From = "+15005550006", To = "+15558675310", '
                        'Body = "bad \\255 byte"} return e')
    assert out["type"] == "validation" and out["details"] == [{"field": "Body", "error": "is not valid UTF-8 text"}]
    assert not mocked.calls


@pytest.mark.parametrize("value, problem", [
    ("function() end", "is a function"),
    ("coroutine.create(print)", "is a coroutine"),
    ("cyclic", "contains itself"),
])
def test_values_that_are_not_data(value: str, problem: str, mocked: WireMock,
                                  mock_host: LuaHost) -> None:
    out = mock_host.run(f"""
        local cyclic = {{}} cyclic.self = cyclic
        local r, e = Twilio.postMessage{{From = "+15005550006", To = "+15558675310", Body = "x",
                                          MediaUrl = {value}}}
        return e
    """)
    assert out["type"] == "validation" and out["status"] == 400 and problem in out["error"]
    assert out["details"][0]["field"].startswith("MediaUrl")
    assert not mocked.calls


def test_the_walker_directly() -> None:
    lua = luajit21.LuaRuntime(encoding=None)
    table = lua.eval('{a = {1, 2, {b = "c"}}, [true] = 1}')
    with pytest.raises(ConversionError) as caught:
        to_python(table, luajit21.lua_type)
    assert "key that is not a string or a number" in str(caught.value)
    deep = lua.execute("local t = {} local cur = t for i = 1, 40 do cur.n = {} cur = cur.n end return t")
    with pytest.raises(ConversionError, match="nested more than 32"):
        to_python(deep, luajit21.lua_type)
    big = lua.execute("local t = {} for i = 1, 200 do t[i] = i end return t")
    with pytest.raises(ConversionError, match="more than 100 values"):
        to_python(big, luajit21.lua_type, max_nodes=100)
    assert to_python(lua.eval("{1, 2, 3}"), luajit21.lua_type) == [1, 2, 3]


def test_python_to_lua_copies_shared_objects_and_drops_nulls() -> None:
    lua = luajit21.LuaRuntime(encoding=None)
    shared = {"x": 1}
    table = to_lua(lua, {"a": shared, "b": shared, "n": None, "l": [shared, shared]}, encode=True)
    check = lua.eval("function(t) return t.a.x + t.b.x + t.l[1].x + t.l[2].x, t.n == nil, t.a ~= t.b end")
    assert check(table) == (4, True, True)
    with pytest.raises(TypeError):
        fresh({"x": object()}, encode=True)


def test_host_globals_are_converted(mock_host: LuaHost) -> None:
    out = mock_host.run("return {n = #items, first = items[1].name, cfg = config.level, kind = type(items)}",
                        globals={"items": [{"name": "a"}, {"name": "b"}], "config": {"level": 3}})
    assert out == {"n": 2, "first": "a", "cfg": 3, "kind": "table"}


def test_returned_values_that_are_not_data_fail_the_run(mock_host: LuaHost) -> None:
    from adapter.lua import LuaResultError

    with pytest.raises(LuaResultError) as caught:
        mock_host.run("return {f = print}", name="bad.lua")
    assert caught.value.kind == "result" and "f is a function" in str(caught.value)


def test_nothing_returned_is_none(mock_host: LuaHost) -> None:
    assert mock_host.run("local x = 1") is None
    assert mock_host.run("return nil, 5") is None
    assert mock_host.run("return 'a', 'b'") == "a"
