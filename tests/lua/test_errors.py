"""Both error-return forms, wrong call shapes, and host failures that must never reach Lua."""

from __future__ import annotations

import logging

import pytest
from tests.wire import WireMock

from adapter import Dispatcher
from adapter.lua import LuaHost

from .conftest import ACCOUNT, MOCK_BASE

MESSAGE = f"{MOCK_BASE}/2010-04-01/Accounts/{ACCOUNT}/Messages/SM{'a' * 32}.json"
GET_MESSAGE = f'Twilio.getMessage{{MessageSid = "SM{"a" * 32}"}}'


def test_api_error_in_both_positions(mocked: WireMock, mock_host: LuaHost) -> None:
    mocked.add("GET", MESSAGE, status=404, json={
        "code": 20404, "message": "The requested resource was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404,
    })
    out = mock_host.run(f"""
        local out = {GET_MESSAGE}
        local res, err = {GET_MESSAGE}
        return {{
          first_form = out.error ~= nil, second_form = err ~= nil, same = res == err,
          type = err.type, status = err.status, code = err.code, error = err.error, operation = err.operation,
          is_error = Twilio.is_error(res), ok_is_error = Twilio.is_error({{sid = "x"}}),
        }}
    """)
    assert out == {
        "first_form": True, "second_form": True, "same": True, "type": "api", "status": 404, "code": 20404,
        "error": "The requested resource was not found", "operation": "getMessage", "is_error": True,
        "ok_is_error": False,
    }


def test_success_returns_one_value(mocked: WireMock, mock_host: LuaHost) -> None:
    mocked.add("GET", MESSAGE, json={"sid": "SM" + "a" * 32})
    out = mock_host.run(f"return select('#', {GET_MESSAGE}), (select(2, {GET_MESSAGE})) == nil")
    assert out == 1


def test_network_error_is_an_error_object(mock_host: LuaHost, mocked: WireMock) -> None:
    import requests

    mocked.add("GET", MESSAGE, body=requests.ConnectionError("connection refused"))
    out = mock_host.run(f"local r, e = {GET_MESSAGE} return e")
    assert out["type"] in ("network", "timeout") and out["status"] >= 500


@pytest.mark.parametrize("call, field", [
    ('Twilio.postMessage("hello")', "(arguments)"),
    ("Twilio.postMessage(42)", "(arguments)"),
    ("Twilio.postMessage(print)", "(arguments)"),
    ('Twilio.postMessage({To = "+15558675310", Body = "x", From = "+15005550006"}, "extra")', "(arguments)"),
    ('Twilio:postMessage{To = "+15558675310", Body = "x", From = "+15005550006"}', "(arguments)"),
    ('Twilio.postMessage{To = "+15558675310", Body = "x", From = "+15005550006", Colour = "red"}', "Colour"),
    ('Twilio.postMessage{To = "+15558675310", Body = "x", From = "+15005550006", MediaUrl = {f = print}}',
     "MediaUrl.f"),
    ("Twilio.getCall()", "CallSid"),
])
def test_wrong_call_shapes_are_validation_errors(call: str, field: str, mocked: WireMock,
                                                  mock_host: LuaHost) -> None:
    out = mock_host.run(f"local r, e = {call} return {{r = r, e = e, same = r == e}}")
    assert out["same"] is True
    err = out["e"]
    assert err["type"] == "validation" and err["status"] == 400
    assert field in [d["field"] for d in err["details"]], err
    assert not mocked.calls


def test_colon_call_gets_a_hint(mock_host: LuaHost) -> None:
    out = mock_host.run("local r, e = Twilio:listMessage{} return e.error")
    assert "with a dot" in out


def test_unexpected_host_failure_is_a_generic_error_object(mock_dispatcher: Dispatcher, monkeypatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    class Boom(RuntimeError):
        pass

    def explode(*args, **kwargs):
        raise Boom("/secret/path/in/the/host.py exploded")

    monkeypatch.setattr(mock_dispatcher, "call", explode)
    host = LuaHost(mock_dispatcher)
    with caplog.at_level(logging.ERROR, logger="adapter"):
        out = host.run("""
            local r, e = Twilio.listMessage()
            local ok, perr = pcall(Twilio.listMessage)
            return {e = e, same = r == e, pcall_ok = ok, pcall_type = type(perr)}
        """)
    assert out["same"] is True and out["pcall_ok"] is True and out["pcall_type"] == "table"
    assert out["e"] == {"type": "config", "status": 500, "operation": "listMessage",
                        "error": "The Twilio adapter failed on the host; the host's log has the details"}
    assert "secret" not in str(out)
    assert any("Boom" in (r.exc_text or "") for r in caplog.records)


def test_keyboard_interrupt_in_a_call_stops_the_script_and_reaches_the_host(mock_dispatcher: Dispatcher,
                                                                            monkeypatch) -> None:
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(mock_dispatcher, "call", interrupt)
    host = LuaHost(mock_dispatcher)
    with pytest.raises(KeyboardInterrupt):
        host.run("while true do pcall(Twilio.listMessage) end")
    monkeypatch.undo()
    assert host.run("return 1") == 1


def test_lua_errors_carry_chunk_and_line_but_no_host_details(mock_host: LuaHost) -> None:
    from adapter.lua import LuaRuntimeError, LuaSyntaxError

    with pytest.raises(LuaRuntimeError) as caught:
        mock_host.run("local x = 1\nlocal t = nil\nreturn t.field", name="alarm.lua")
    text = str(caught.value)
    assert text == "alarm.lua:3: attempt to index local 't' (a nil value)"
    assert "Traceback" not in text and "stack traceback" not in text and ".py" not in text
    assert caught.value.kind == "runtime" and caught.value.chunk == "alarm.lua"
    with pytest.raises(LuaSyntaxError) as syntax:
        mock_host.run("x = = 1", name="broken.lua")
    assert str(syntax.value).startswith("broken.lua:1:") and syntax.value.kind == "syntax"
    with pytest.raises(LuaRuntimeError, match=r"^t\.lua: custom failure$"):
        mock_host.run("error({error = 'custom failure'})", name="t.lua")
