"""Runaway scripts end within seconds with a clear error, and the same LuaHost keeps working."""

from __future__ import annotations

import time

import pytest

from adapter.lua import (
    ENGINES,
    LuaHost,
    LuaInstructionLimitError,
    LuaLimitError,
    LuaMemoryLimitError,
    LuaRuntimeError,
    LuaTimeLimitError,
)

CASES = [
    ("endless loop", "while true do end", LuaInstructionLimitError),
    ("endless pcall loop", "while true do pcall(function() while true do end end) end", LuaInstructionLimitError),
    ("xpcall with an endless handler",
     "while true do xpcall(function() while true do end end, function() while true do end end) end",
     LuaInstructionLimitError),
    ("error in a pcall loop", "while true do pcall(error, 'x') end", LuaInstructionLimitError),
    ("coroutine loop", "local co = coroutine.wrap(function() while true do end end) co()", LuaInstructionLimitError),
    ("coroutine creation loop",
     "while true do coroutine.resume(coroutine.create(function() while true do end end)) end",
     LuaInstructionLimitError),
    ("tail recursion", "local function f(n) return f(n + 1) end return f(1)", LuaInstructionLimitError),
    ("deep recursion", "local function f(n) return 1 + f(n + 1) end return f(1)", LuaRuntimeError),
    ("table memory bomb", "local t = {} for i = 1, 1e9 do t[i] = {} end", LuaMemoryLimitError),
    ("memory bomb in pcall",
     "while true do pcall(function() local t = {} for i = 1, 1e9 do t[i] = i end end) end", LuaMemoryLimitError),
    ("string doubling", "local s = 'x' while true do s = s .. s end", LuaMemoryLimitError),
    ("string.rep bomb", "return string.rep('x', 1e12)", LuaRuntimeError),
    ("string.rep method bomb", "return ('abc'):rep(1e10, ',')", LuaRuntimeError),
    # Patterns that could backtrack for long run in the matcher written in Lua, which the budget stops.
    ("pathological pattern", "return string.find(string.rep('a', 3e4), '.-.-.-.-b$')", LuaInstructionLimitError),
    ("pathological pattern, short subject", "return ('a'):rep(200):match('.-.-.-.-b$')", LuaInstructionLimitError),
    ("gsub pattern bomb", "return (('a'):rep(5000)):gsub('a*a*a*b', '')", LuaInstructionLimitError),
    ("gmatch pattern bomb", "for x in (('a'):rep(3000)):gmatch('a-a-a-b') do end", LuaInstructionLimitError),
    ("pattern in a pcall loop",
     "while true do pcall(string.find, ('a'):rep(300), '.-.-.-.-b$') end", LuaInstructionLimitError),
    ("long plain needle", "local s = ('a'):rep(4e6) return s:find(('a'):rep(5e4) .. 'b', 1, true)",
     LuaTimeLimitError),
]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def host(engine: str, mock_dispatcher) -> LuaHost:
    return LuaHost(mock_dispatcher, engine=engine, memory_limit=16 * 1024 * 1024, instruction_limit=5_000_000,
                   time_limit=2.0)


@pytest.mark.parametrize("name, code, error", CASES, ids=[c[0] for c in CASES])
def test_runaway_script_is_stopped(host: LuaHost, name: str, code: str, error: type) -> None:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        host.run(code, name="runaway.lua")
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert caught.value.chunk == "runaway.lua"
    if error is LuaInstructionLimitError:
        assert message == "runaway.lua: instruction limit exceeded (5000000 Lua instructions)"
    elif error is LuaMemoryLimitError:
        assert message == f"runaway.lua: memory limit exceeded ({16 * 1024 * 1024} bytes)"
    elif "rep" in name:
        assert "string.rep: the result would be" in message
    # The same host runs the next script normally.
    assert host.run("local t = {} for i = 1, 1000 do t[i] = i * 2 end return t[1000]") == 2000


def test_costly_c_calls_in_a_loop_hit_the_time_limit(host: LuaHost) -> None:
    started = time.monotonic()
    with pytest.raises(LuaTimeLimitError, match="time limit exceeded"):
        host.run("local s = string.rep('x', 1e6) while true do local u = s:upper() end")
    assert time.monotonic() - started < 5
    assert host.run("return 1") == 1


def test_limit_errors_share_a_base_class(host: LuaHost) -> None:
    with pytest.raises(LuaLimitError) as caught:
        host.run("while true do end")
    assert caught.value.kind == "instruction_limit"


def test_memory_failure_rebuilds_the_runtime_transparently(host: LuaHost) -> None:
    host.run("return 1")
    built = host.runtimes_built
    with pytest.raises(LuaMemoryLimitError):
        host.run("local t = {} for i = 1, 1e9 do t[i] = {} end")
    assert host.run("return 'fresh'") == "fresh"
    assert host.runtimes_built == built + 1


def test_ordinary_work_fits_the_defaults(mock_dispatcher) -> None:
    host = LuaHost(mock_dispatcher)
    out = host.run("""
        local words = {}
        for i = 1, 20000 do words[#words + 1] = string.format("w%05d", i) end
        local text = table.concat(words, " ")
        local n = 0
        for w in text:gmatch("w%d+") do n = n + 1 end
        local trimmed = ("   " .. ("x"):rep(500) .. "   "):match("^%s*(.-)%s*$")
        return {n = n, len = #trimmed}
    """)
    assert out == {"n": 20000, "len": 500}


def test_memory_limit_survives_a_big_result(mocked, mock_dispatcher) -> None:
    from .conftest import ACCOUNT, MOCK_BASE, message_json

    items = [message_json("SM" + f"{i:032x}", body="x" * 1500) for i in range(1000)]
    mocked.add("GET", f"{MOCK_BASE}/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
               json={"messages": items, "next_page_uri": None})
    host = LuaHost(mock_dispatcher, memory_limit=2 * 1024 * 1024)
    with pytest.raises(LuaMemoryLimitError):
        host.run("local pages = {} for i = 1, 10 do pages[i] = Twilio.listMessage{PageSize = 1000} end")
    assert host.run("return 7") == 7
