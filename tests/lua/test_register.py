"""register(): the Twilio table in a runtime the host owns (trusted scripts, no sandbox)."""

from __future__ import annotations

import pytest
from tests.wire import WireMock
from lupa import lua51, luajit21

from adapter import Dispatcher
from adapter.lua import register

from .conftest import ACCOUNT, MOCK_BASE, message_json

MESSAGES = f"{MOCK_BASE}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


@pytest.mark.parametrize("module", [luajit21, lua51], ids=["luajit21", "lua51"])
@pytest.mark.parametrize("encoding", ["utf-8", None])
def test_register_into_a_host_runtime(module, encoding, mocked: WireMock,
                                      mock_dispatcher: Dispatcher) -> None:
    mocked.add("POST", MESSAGES, status=201, json=message_json(body="héllo"))
    lua = module.LuaRuntime(encoding=encoding) if encoding else module.LuaRuntime(encoding=None)
    table = register(lua, mock_dispatcher, name="Sms")
    code = """
        local m = Sms.postMessage{From = "+15005550006", To = "+15558675310", Body = "héllo",
                                  MediaUrl = {"https://example.com/a.png"}}
        local r, e = Sms.postMessage("bad")
        return m.body, e.type, type(Sms.each), Sms.is_error(e), type(python)
    """
    result = lua.execute(code if encoding else code.encode())
    body, err_type, each, is_error, python = result
    if encoding is None:
        body, err_type, each, python = body.decode(), err_type.decode(), each.decode(), python.decode()
    assert (body, err_type, each, is_error) == ("héllo", "validation", "function", True)
    assert python == "table"  # register() does not sandbox: that is LuaHost's job
    assert table is not None
    assert "MediaUrl=https" in mocked.calls[0].request.body


def test_invalid_utf8_in_a_utf8_runtime_never_leaks_an_exception(mock_dispatcher: Dispatcher) -> None:
    lua = luajit21.LuaRuntime()
    register(lua, mock_dispatcher)
    kind, err_type = lua.execute('local r, e = Twilio.postMessage{Body = "\\255"} return type(e), e.type')
    assert kind == "table" and err_type in ("validation", "config")
