"""Escape attempts: what an untrusted script must not reach, and what it must still have."""

from __future__ import annotations

import pytest

from adapter.lua import ENGINES, LuaHost, LuaRuntimeError, LuaSyntaxError

REMOVED = [
    "python", "os.execute", "os.getenv", "os.remove", "os.rename", "os.exit", "os.tmpname", "io", "debug",
    "package", "require", "dofile", "loadfile", "string.dump", "jit", "newproxy", "gcinfo", "module",
]
AVAILABLE = [
    "string.format", "string.gsub", "table.insert", "table.concat", "math.floor", "coroutine.wrap", "os.time",
    "os.clock", "os.date", "os.difftime", "pcall", "xpcall", "error", "assert", "tostring", "tonumber", "pairs",
    "ipairs", "next", "select", "type", "unpack", "print", "setmetatable", "getmetatable", "rawget", "rawequal",
    "loadstring", "load",
]


@pytest.fixture(params=ENGINES)
def host(request: pytest.FixtureRequest, mock_dispatcher) -> LuaHost:
    return LuaHost(mock_dispatcher, engine=request.param)


def _kind(host: LuaHost, path: str) -> str:
    return host.run(f"local ok, v = pcall(function() return {path} end) return ok and type(v) or 'error'")


@pytest.mark.parametrize("name", REMOVED)
def test_removed(host: LuaHost, name: str) -> None:
    assert _kind(host, name) in ("nil", "error"), name


@pytest.mark.parametrize("name", AVAILABLE)
def test_available(host: LuaHost, name: str) -> None:
    assert _kind(host, name) == "function", name


def test_string_metatable_is_locked(host: LuaHost) -> None:
    out = host.run("""
        local mt = getmetatable("")
        local ok_set = pcall(setmetatable, "", {})
        string.rep = function() return "hijacked" end   -- only this run's copy
        return {mt = mt, ok_set = ok_set, method = ("ab"):rep(2), index = ("x").__index, dump = ("x").dump}
    """)
    assert out == {"mt": False, "ok_set": False, "method": "abab"}


def test_string_methods_cannot_be_changed_for_later_runs(host: LuaHost) -> None:
    host.run("pcall(function() getmetatable('').__index.upper = nil end) string.upper = nil")
    assert host.run("return ('a'):upper() .. string.upper('b')") == "AB"


def test_bytecode_is_refused(host: LuaHost) -> None:
    with pytest.raises(LuaSyntaxError, match="binary"):
        host.run(b"\x1bLJ\x02\x00\x00")
    out = host.run(r"""
        local f1, e1 = loadstring("\27LJ\2")
        local f2, e2 = load("\27Lua\81")
        local f3, e3 = load(function() local s = "\27LuaQ" ; local done; return nil end)
        local parts = {"\27", "Lua"}
        local i = 0
        local f4, e4 = load(function() i = i + 1 return parts[i] end)
        return {f1 == nil, f2 == nil, f4 == nil, e4}
    """)
    assert out[:3] == [True, True, True] and "binary" in out[3]


def test_loaded_code_runs_in_the_script_environment(host: LuaHost) -> None:
    out = host.run("""
        secret_marker = 42
        local f = loadstring("return secret_marker, type(python), type(debug)")
        local g = load("return x", "chunk", "t", {x = "own env"})
        local a, b, c = f()
        return {a, b, c, g()}
    """)
    assert out == [42, "nil", "nil", "own env"]


def test_host_environments_are_protected(host: LuaHost) -> None:
    out = host.run("""
        local results = {}
        for i, target in ipairs({Twilio.postMessage, print, pcall, string.format, Twilio.each}) do
          local ok, env = pcall(getfenv, target)
          results[i] = ok and (env == _G and "script env" or "leak") or "refused"
        end
        local ok_set = pcall(setfenv, Twilio.postMessage, {})
        local ok_set0 = pcall(setfenv, 0, {})
        results[#results + 1] = tostring(ok_set) .. "," .. tostring(ok_set0)
        results[#results + 1] = tostring(getfenv(0) == _G) .. "," .. tostring(getfenv(1) == _G)
        local function mine() end
        setfenv(mine, {})          -- a script's own function may be changed
        results[#results + 1] = type(getfenv(mine))
        return results
    """)
    assert out == ["refused", "refused", "refused", "refused", "refused", "false,false", "true,true", "table"]


def test_coroutines_do_not_expose_the_host_environment(host: LuaHost) -> None:
    out = host.run("""
        local co = coroutine.create(function() return getfenv(0) == _G, type(loadstring("return debug")()) end)
        local ok, same, dbg = coroutine.resume(co)
        return {ok, same, dbg}
    """)
    assert out == [True, True, "nil"]


def test_python_objects_are_unreachable(host: LuaHost) -> None:
    out = host.run("""
        local found = {}
        local function probe(v, where)
          for _, attr in ipairs({"__class__", "__globals__", "__dict__", "__traceback__", "__builtins__"}) do
            local ok, got = pcall(function() return v[attr] end)
            if ok and got ~= nil then found[#found + 1] = where .. "." .. attr end
          end
        end
        for k, v in pairs(Twilio) do probe(v, "Twilio." .. k) end
        probe(print, "print")
        local r, e = Twilio.postMessage("x")
        for k, v in pairs(e) do probe(v, "err." .. k) end
        local ok, perr = pcall(Twilio.postMessage, setmetatable({}, {__index = function() error("boom") end}))
        probe(perr, "pcall error")
        for k, v in pairs(_G) do if type(v) == "userdata" then found[#found + 1] = "userdata " .. k end end
        return found
    """)
    assert out == {}  # an empty table: nothing found


def test_rawset_and_gc_metamethods(host: LuaHost) -> None:
    out = host.run("""
        local ro = setmetatable({}, {__newindex = function() error("ro") end, __metatable = "locked"})
        local ok, err = pcall(rawset, ro, "k", 1)
        return {ok, err, (pcall(setmetatable, {}, {__gc = print})), (pcall(rawset, {}, "k", 1)),
                (pcall(collectgarbage, "collect")), (pcall(collectgarbage, "stop")), collectgarbage("count") > 0}
    """)
    assert out == [False, "rawset: this table is protected", False, True, False, False, True]


def test_print_goes_to_the_host_callable(mock_dispatcher) -> None:
    lines: list[str] = []
    host = LuaHost(mock_dispatcher, print=lines.append)
    host.run('print("a", 1, nil, true, {}) print() print("é")')
    assert lines[0].startswith("a\t1\tnil\ttrue\ttable: ") and lines[1:] == ["", "é"]


def test_a_failing_print_callable_does_not_break_the_script(mock_dispatcher) -> None:
    def broken(line: str) -> None:
        raise OSError("stderr closed")

    host = LuaHost(mock_dispatcher, print=broken)
    assert host.run('print("x") return "still running"') == "still running"


def test_os_date_time_and_math_work(host: LuaHost) -> None:
    out = host.run("""
        return {year = tonumber(os.date("!%Y", 0)), t = os.time{year = 2020, month = 1, day = 1, hour = 12},
                floor = math.floor(2.7), fmt = string.format("%05.1f", 3.14159), div = tostring(10 / 2)}
    """)
    assert out["year"] == 1970 and out["floor"] == 2 and out["fmt"] == "003.1" and out["div"] == "5"
    assert isinstance(out["t"], int)


def test_runtime_error_in_pcall_is_catchable(host: LuaHost) -> None:
    out = host.run('local ok, e = pcall(error, "mine") return {ok, e}')
    assert out == [False, "mine"]
    with pytest.raises(LuaRuntimeError, match="mine"):
        host.run('error("mine")')
