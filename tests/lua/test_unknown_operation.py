"""A misspelt operation from Lua (`Twilio.sendSms{}`): a Lua error naming the closest operations, never a
nil-call error; the work and the message stay bounded whatever the script passes."""

from __future__ import annotations

import pytest
from lupa import lua51, luajit21

from adapter import Dispatcher
from adapter.lua import LuaHost, LuaRuntimeError, register
from tests.wire import WireMock


@pytest.fixture(params=["luajit21", "lua51"])
def host(request: pytest.FixtureRequest, mock_dispatcher: Dispatcher) -> LuaHost:
    return LuaHost(mock_dispatcher, engine=request.param)


@pytest.mark.parametrize("script, message", [
    ("Twilio.sendSms{}", "Twilio.sendSms is not an operation; did you mean Twilio.postMessage?"),
    ("Twilio.makeCall{}", "Twilio.makeCall is not an operation; did you mean Twilio.createCall?"),
    ("Twilio.postmessage{}", "Twilio.postmessage is not an operation; did you mean Twilio.postMessage?"),
    ("Twilio.listMessages()", "Twilio.listMessages is not an operation; did you mean Twilio.listMessage?"),
    ("for m in Twilio.Each('listMessage') do end", "Twilio.Each is not an operation; did you mean Twilio.each?"),
    ("Twilio.sendFax{}", "Twilio.sendFax is not an operation; `twilio-lua ops` lists the 16 operations"),
    ("local f = Twilio[1]", "Twilio[1] is not an operation"),
])
def test_a_misspelt_operation_is_a_lua_error_naming_the_closest(host: LuaHost, mocked: WireMock, script: str,
                                                               message: str) -> None:
    with pytest.raises(LuaRuntimeError) as info:
        host.run(script)
    assert str(info.value) == f"script:1: {message}"
    assert "nil value" not in str(info.value)
    assert not mocked.calls


def test_the_error_is_caught_by_pcall_and_points_at_the_script_line(host: LuaHost) -> None:
    out = host.run("""
        local ok, err = pcall(function()
          return Twilio.sendSms{To = "+15558675310"}
        end)
        return {ok, err}
    """)
    assert out == [False, "script:3: Twilio.sendSms is not an operation; did you mean Twilio.postMessage?"]


def test_rawget_tests_for_a_field_and_the_metatable_is_locked(host: LuaHost) -> None:
    assert host.run("return {rawget(Twilio, 'sendSms') == nil, type(rawget(Twilio, 'postMessage')),"
                    " getmetatable(Twilio)}") == [True, "function", False]
    with pytest.raises(LuaRuntimeError, match="protected metatable"):
        host.run("setmetatable(Twilio, nil)")
    with pytest.raises(LuaRuntimeError, match="did you mean Twilio.postMessage"):
        host.run("Twilio.sendSms{}")  # the next run's copy still names it


def test_a_script_may_still_add_its_own_fields(host: LuaHost) -> None:
    assert host.run("Twilio.mine = 7 return Twilio.mine") == 7
    with pytest.raises(LuaRuntimeError, match="Twilio.mine is not an operation"):
        host.run("return Twilio.mine")  # each run starts from the prototype


@pytest.mark.parametrize("key, shown", [
    ('string.rep("a", 2^24)', "Twilio." + "a" * 61 + "... is not an operation"),
    ('"post\\255Message"', "Twilio.post\ufffdMessage is not an operation"),
    ("{}", "Twilio[table] is not an operation"),
])
def test_any_key_gives_a_short_message(host: LuaHost, key: str, shown: str) -> None:
    with pytest.raises(LuaRuntimeError) as info:
        host.run(f"local k = {key} return Twilio[k]")
    assert shown in str(info.value) and len(str(info.value)) < 200


@pytest.mark.parametrize("module", [luajit21, lua51], ids=["luajit21", "lua51"])
@pytest.mark.parametrize("encoding", ["utf-8", None])
def test_register_gives_the_same_error(module, encoding, mock_dispatcher: Dispatcher) -> None:
    lua = module.LuaRuntime(encoding=encoding) if encoding else module.LuaRuntime(encoding=None)
    register(lua, mock_dispatcher)
    ok, err = lua.execute("return pcall(function() return Twilio.sendSms{} end)")
    if isinstance(err, bytes):
        err = err.decode()
    assert ok is False and err.endswith("Twilio.sendSms is not an operation; did you mean Twilio.postMessage?")
