"""Text that is not UTF-8, in every place a script can put it, on LuaHost's runtime (``encoding="utf-8"``).

lupa decodes a Lua string on its way to Python and raises on one that is not UTF-8: raised while converting
a Python callable's arguments, the exception would reach the script's ``pcall`` as a live Python object. So
what a script gets is always a validation error object (or its run ends with a ``LuaScriptError``), never a
Python object; and the host never sees a ``UnicodeDecodeError``.
"""

from __future__ import annotations

import itertools

import pytest
from tests.wire import WireMock
from lupa import lua51, luajit21

from adapter import Dispatcher
from adapter.lua import ENGINES, LuaHost, LuaResultError, LuaRuntimeError, LuaSyntaxError, register
from adapter.lua.bridge import lua_module
from adapter.client.spec import default_spec

from .conftest import ACCOUNT, MOCK_BASE, Lines, message_json

MESSAGES = f"{MOCK_BASE}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
SEND = 'From = "+15005550006", To = "+15558675310"'
OPERATIONS = sorted(default_spec().operations)
BAD = r"\255\254"  # Lua source for two bytes that are not UTF-8


@pytest.fixture(params=ENGINES)
def host(request: pytest.FixtureRequest, mock_dispatcher: Dispatcher, printed: Lines) -> LuaHost:
    return LuaHost(mock_dispatcher, engine=request.param, print=printed)


def _error_of(host: LuaHost, call: str) -> dict:
    """Run ``call`` plainly and under pcall; both must give the same validation error object, twice."""
    out = host.run(f"""
        local r, e = {call}
        local ok, pr, pe = pcall(function() return {call} end)
        return {{r = r, e = e, same = r == e, ok = ok, kinds = type(r) .. type(e) .. type(pr) .. type(pe),
                 pe = pe}}
    """)
    assert out["ok"] is True and out["same"] is True and out["kinds"] == "table" * 4, out
    assert out["pe"] == out["e"]
    err = out["e"]
    assert err["type"] == "validation" and err["status"] == 400, err
    return err


@pytest.mark.parametrize("args, field, problem", [
    (f'{{{SEND}, Body = "{BAD}"}}', "Body", "is not valid UTF-8 text"),
    (f'{{{SEND}, Body = "x", ["{BAD}"] = "y"}}', "(arguments)", "has a key that is not valid UTF-8 text"),
    (f'{{{SEND}, Body = "x", MediaUrl = {{"https://e.com/a.png", "{BAD}"}}}}', "MediaUrl[2]",
     "is not valid UTF-8 text"),
    (f'{{{SEND}, ContentSid = "HX" .. string.rep("a", 32), ContentVariables = {{["{BAD}"] = 1}}}}',
     "ContentVariables", "has a key that is not valid UTF-8 text"),
    (f'{{{SEND}, ContentSid = "HX" .. string.rep("a", 32), ContentVariables = {{a = {{b = "{BAD}"}}}}}}',
     "ContentVariables.a.b", "is not valid UTF-8 text"),
])
def test_argument_tables(host: LuaHost, mocked: WireMock, args: str, field: str,
                         problem: str) -> None:
    err = _error_of(host, f"Twilio.postMessage({args})")
    assert err["details"] == [{"field": field, "error": problem}]
    assert not mocked.calls


@pytest.mark.parametrize("call, field", [
    (f'Twilio.postMessage("{BAD}")', "(arguments)"),
    (f'Twilio.postMessage({{{SEND}, Body = "x"}}, "{BAD}")', "(arguments)"),
    (f'Twilio.postMessage({{{SEND}, Body = "x"}}, {{"{BAD}"}})', "(arguments)"),
])
def test_strings_outside_the_argument_table(host: LuaHost, mocked: WireMock, call: str,
                                            field: str) -> None:
    err = _error_of(host, call)
    assert [d["field"] for d in err["details"]] == [field]
    assert not mocked.calls


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation(operation: str, mock_dispatcher: Dispatcher, mocked: WireMock) -> None:
    host = LuaHost(mock_dispatcher)
    for args in (f'{{X = "{BAD}"}}', f'{{["{BAD}"] = 1}}', f'{{X = {{"{BAD}"}}}}', f'"{BAD}"'):
        err = _error_of(host, f"Twilio.{operation}({args})")
        assert err["operation"] == operation
    assert not mocked.calls


def test_each(host: LuaHost, mocked: WireMock) -> None:
    out = host.run(f"""
        local seen = {{}}
        for _, spec in ipairs({{
          {{"listMessage", {{To = "{BAD}"}}}}, {{"{BAD}"}}, {{"list{BAD}" .. string.rep("x", 500)}}, {{42}}, {{{{}}}},
          {{"listMessage", "{BAD}"}},
        }}) do
          local n, kinds, last = 0, "", nil
          local ok, err = pcall(function()
            for item, e in Twilio.each(spec[1], spec[2]) do
              n = n + 1
              kinds = kinds .. type(item) .. type(e)
              last = e
            end
          end)
          seen[#seen + 1] = {{ok = ok, n = n, kinds = kinds, err = last}}
        end
        return seen
    """)
    for case in out:
        assert case["ok"] is True and case["n"] == 1 and case["kinds"] == "tabletable", case
        assert case["err"]["type"] == "validation"
    assert out[0]["err"]["details"] == [{"field": "To", "error": "is not valid UTF-8 text"}]
    assert "\ufffd\ufffd" in out[1]["err"]["error"] and "is not a list operation" in out[1]["err"]["error"]
    assert len(out[2]["err"]["error"]) < 400  # the name is shortened
    assert "'42'" in out[3]["err"]["error"] and "(a table)" in out[4]["err"]["error"]
    assert out[5]["err"]["details"][0]["field"] == "(arguments)"
    assert not mocked.calls


def test_print(host: LuaHost, printed: Lines) -> None:
    host.run(f'print("a{BAD}b", "é", "\\237\\160\\128", "\\192\\175") print("ok ☃")')
    assert printed == ["a\ufffd\ufffdb\té\t\ufffd\ufffd\ufffd\t\ufffd\ufffd", "ok ☃"]


@pytest.mark.parametrize("source, error", [
    (f'error("bad {BAD} text")', LuaRuntimeError),
    (f'error({{error = "{BAD}"}})', LuaRuntimeError),
    (f'error({{["{BAD}"] = 1}})', LuaRuntimeError),
    (f'local t = setmetatable({{}}, {{__tostring = function() return "{BAD}" end}}) error(t)', LuaRuntimeError),
    (f'return "{BAD}"', LuaResultError),
    (f'return {{a = {{"{BAD}"}}}}', LuaResultError),
    (f'return {{["{BAD}"] = 1}}', LuaResultError),
    (f'x = "{BAD}"', LuaSyntaxError),  # "x = \255\254" as source text, not in a string
])
def test_errors_and_results(host: LuaHost, source: str, error: type) -> None:
    if error is LuaSyntaxError:
        source = source.replace('"', "")
    with pytest.raises(error) as caught:
        host.run(source, name="bad.lua")
    text = str(caught.value)
    text.encode("utf-8")  # printable: no lone surrogates
    assert text.startswith("bad.lua")
    if source.startswith('error("bad'):
        assert "bad \ufffd\ufffd text" in text


def test_captured_globals(mock_dispatcher: Dispatcher) -> None:
    host = LuaHost(mock_dispatcher)
    with pytest.raises(LuaResultError, match=r"response\.message is not valid UTF-8"):
        host.execute(f'response = {{message = "{BAD}"}}', capture=("response",))
    with pytest.raises(LuaResultError, match="response is not valid UTF-8"):
        host.execute(f'response = "{BAD}"', capture=("response",))
    assert host.execute('response = "é"', capture=("response",)).globals == {"response": "é"}


def test_host_text_that_utf8_cannot_carry(mocked: WireMock, mock_host: LuaHost) -> None:
    # JSON can carry a lone surrogate (\ud800); it reaches the script as the bytes Python's surrogatepass
    # gives, as it did on a runtime without an encoding.
    mocked.add("POST", MESSAGES, status=201, body='{"sid": "SM' + "a" * 32 + '", "body": "x\\ud800y"}',
               content_type="application/json")
    out = mock_host.run(f"local m = Twilio.postMessage{{{SEND}, Body = 'x'}} return {{#m.body, m.sid}}",
                        globals={"g": {"k": "\ud800"}})
    assert out == [5, "SM" + "a" * 32]
    assert mock_host.run("return #g.k", globals={"g": {"k": "\ud800"}}) == 3


def test_results_are_still_converted_from_a_fresh_parse(mocked: WireMock,
                                                        mock_host: LuaHost) -> None:
    # Nulls, nested objects, arrays and unicode straight from Dispatcher.call (no defensive copy).
    mocked.add("POST", MESSAGES, status=201, json=message_json(body="héllo ☃", extra={"a": [1, None, 3]},
                                                                 error_code=None))
    out = mock_host.run(f"""
        local m = Twilio.postMessage{{{SEND}, Body = "x"}}
        return {{body = m.body, code_is_nil = m.error_code == nil, a1 = m.extra.a[1], a2 = m.extra.a[2],
                 a3 = m.extra.a[3], kind = type(m.extra)}}
    """)
    assert out == {"body": "héllo ☃", "code_is_nil": True, "a1": 1, "a3": 3, "kind": "table"}


@pytest.mark.parametrize("module", [luajit21, lua51], ids=["luajit21", "lua51"])
def test_register_on_a_utf8_runtime(module, mock_dispatcher: Dispatcher, mocked: WireMock) -> None:
    lua = module.LuaRuntime()  # encoding="utf-8", the default
    register(lua, mock_dispatcher)
    out = lua.execute(f"""
        local kinds = {{}}
        local function add(...) for i = 1, select("#", ...) do kinds[#kinds + 1] = type((select(i, ...))) end end
        local r, e = Twilio.postMessage{{Body = "{BAD}"}}
        add(r, e)
        add(pcall(Twilio.postMessage, "{BAD}"))
        add(pcall(Twilio.postMessage, {{}}, "{BAD}"))
        for item, err in Twilio.each("{BAD}") do add(item, err) end
        for item, err in Twilio.each("listMessage", {{To = "{BAD}"}}) do add(item, err) end
        return table.concat(kinds, ","), e.details[1].field
    """)
    assert out == ("table,table,boolean,table,table,boolean,table,table,table,table,table,table", "Body")
    assert not mocked.calls


def test_an_unknown_python_dispatcher_result_is_copied(mock_dispatcher: Dispatcher, monkeypatch) -> None:
    # A dispatcher whose call was replaced may return anything: the result is copied (and refused when it is
    # not JSON-like data), never handed to table_from as it is.
    class Opaque:
        pass

    monkeypatch.setattr(mock_dispatcher, "call", lambda op, args=None: {"sid": "SM1", "obj": Opaque()})
    host = LuaHost(mock_dispatcher)
    out = host.run("local r, e = Twilio.listMessage() return {type(r), e and e.type, e and e.status}")
    assert out == ["table", "config", 500]


# -- the Lua-side text() against Python's strict UTF-8 decoder -------------------------------------------------


@pytest.fixture(scope="module")
def lua_text():
    lua = luajit21.LuaRuntime(encoding=None)
    module = lua.execute(lua_module("twilio").encode())
    check = lua.eval("""
        function(text, cases)
          local same, out = {}, {}
          for i = 1, #cases do
            local t = text(cases[i])
            same[i] = t == cases[i]
            out[i] = t
          end
          return same, out
        end
    """)

    def run(cases: list[bytes]) -> list[tuple[bool, bytes]]:
        same, out = check(module.text, lua.table_from(cases))
        return [(same[i + 1], out[i + 1]) for i in range(len(cases))]

    return run


def _strict(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check(lua_text, cases: list[bytes]) -> None:
    for case, (same, out) in zip(cases, lua_text(cases), strict=True):
        assert same == _strict(case), case
        assert _strict(out), (case, out)  # whatever came in, valid UTF-8 comes out
        assert out.decode("utf-8").replace("\ufffd", "") == case.decode("utf-8", "replace").replace("\ufffd", "")


def test_text_on_every_one_and_two_byte_string(lua_text) -> None:
    _check(lua_text, [bytes([a]) for a in range(256)] + [bytes([a, b]) for a in range(256) for b in range(256)])


def test_text_on_three_and_four_byte_sequences(lua_text) -> None:
    edges = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF]
    cases = [bytes([a, b, c]) for a in range(0xE0, 0x100) for b in range(256) for c in edges]
    cases += [bytes([a, b, c, d]) for a in range(0xF0, 0x100) for b in range(256) for c, d in
              itertools.product((0x80, 0xBF, 0x7F, 0xC0), repeat=2)]
    cases += [b"abc\xe2\x98\x83def", b"\xf0\x9f\x9a\x80", b"\xed\xa0\x80\xed\xb0\x80", b"\xf4\x90\x80\x80",
              b"\xc0\x80", b"\xe0\x80\xaf", b"x" * 100 + b"\xff"]
    _check(lua_text, cases)
