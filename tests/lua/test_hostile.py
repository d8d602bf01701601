"""The regression corpus of issue 10: every hostile script found, and the classes around it, on both engines.

Each script runs in a child process (tests/lua/hostile.py): a crash there (segfault, Lua PANIC) fails the
test instead of killing pytest. Every case must end in a LuaScriptError subclass (or complete), with the
limits held, and the same LuaHost must run the next script correctly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ("luajit21", "lua51")
MIB = 1024 * 1024
FROM = "+15005550006"
TO = "+15558675310"

# Every way Lua re-enters itself through C, nested until something gives.
NESTING = {
    "gsub_function": 'local function h(s) return (string.gsub(s, ".", h)) end return h("ab")',
    "gsub_method": 'local function h(s) return (s:gsub(".", h)) end return h("ab")',
    "gsub_table_index": 'local t t = setmetatable({}, {__index = function(_, k) return (string.gsub(k, ".", t)) end}) '
                        'return string.gsub("a", ".", t)',
    "coroutine_resume": "local function f() local co = coroutine.create(f) return coroutine.resume(co) end "
                        "local ok, e = f() return ok",
    "coroutine_wrap": "local f f = function() return coroutine.wrap(f)() end return f()",
    "coroutine_resume_inside_gsub": 'local function f() return coroutine.resume(coroutine.create(function() '
                                    'return string.gsub("a", ".", f) end)) end return f()',
    "sort_comparator": "local function cmp(a, b) table.sort({3, 2, 1}, cmp) return a < b end "
                       "table.sort({3, 2, 1}, cmp)",
    "sort_lt_metamethod": "local mt = {} mt.__lt = function() table.sort({setmetatable({}, mt), setmetatable({}, mt)}) "
                          "return false end table.sort({setmetatable({}, mt), setmetatable({}, mt)})",
    "format_tostring": 'local mt = {} mt.__tostring = function(s) return string.format("%s", s) end '
                       "return tostring(setmetatable({}, mt))",
    "tostring_metamethod": "local mt = {} mt.__tostring = function(s) return tostring(s) end "
                           "return tostring(setmetatable({}, mt))",
    "foreach": "local function f() table.foreach({1}, f) end f()",
    "pcall": "local function f() return pcall(f) end return f()",
    "xpcall": "local function f() return xpcall(f, f) end return f()",
    "xpcall_handler_errors": "local function h(e) error(e) end local function f() error('x') end return xpcall(f, h)",
    "load_reader": "local function r() load(r) return nil end return load(r)",
    "index_metamethod": "local t t = setmetatable({}, {__index = function(_, k) return t[k] end}) return t.x",
    "newindex_metamethod": "local t t = setmetatable({}, {__newindex = function(_, k, v) t[k] = v end}) t.x = 1",
    "call_metamethod": "local c c = setmetatable({}, {__call = function(self) return self() end}) return c()",
    "concat_metamethod": "local mt = {} mt.__concat = function(a, b) return a .. b end "
                         "return setmetatable({}, mt) .. 'a'",
    "eq_in_sort": "local mt = {} mt.__lt = function(a, b) return a < b end "
                  "local t = {} for i = 1, 50 do t[i] = setmetatable({}, mt) end table.sort(t)",
    "deep_recursion": "local function f(n) return 1 + f(n + 1) end return f(1)",
    "error_in_error_handling": "local function f() return xpcall(f, function(e) return f() end) end return f()",
}

# Expected outcome: (kinds allowed, host options, extra checks).
LIMITS: dict[str, dict[str, Any]] = {
    "pattern_subject_times_pattern": {
        "source": 'return string.find(("a"):rep(200000), ("a"):rep(60000) .. "%d")',
        "options": {"time_limit": 1.0}, "kinds": {"instruction_limit", "time_limit"}, "time": 1.0,
    },
    "gfind": {
        "source": 'local n = 0 for x in string.gfind(("a"):rep(200000), ("a"):rep(60000) .. "%d") do n = n + 1 end '
                  "return n",
        "options": {"time_limit": 1.0}, "kinds": {"instruction_limit", "time_limit", "runtime"}, "time": 1.0,
    },
    "backtracking_pattern": {
        "source": 'return string.find(("a"):rep(30000), ".-.-.-.-b$")',
        "options": {"time_limit": 1.0}, "kinds": {"instruction_limit", "time_limit"}, "time": 1.0,
    },
    "plain_find_long_needle": {
        "source": 'local s = ("a"):rep(4 * 2^20) local p = ("a"):rep(2^16) .. "b" '
                  "for i = 1, 100 do string.find(s, p, 1, true) end",
        "options": {"time_limit": 1.0, "instruction_limit": 10**9},
        "kinds": {"time_limit", "instruction_limit"}, "time": 1.0,
    },
    "costly_c_calls_in_a_loop": {
        "source": 'local s = ("x"):rep(2^22) while true do local u = s:upper() end',
        "options": {"time_limit": 1.0, "instruction_limit": 10**9}, "kinds": {"time_limit"}, "time": 1.0,
    },
    "print_flood": {
        "source": 'local s = ("x"):rep(2^20) while true do print(s) end',
        "options": {"output_limit": 4 * MIB}, "kinds": {"output_limit"},
    },
    "result_string_referenced_many_times": {
        "source": 'local s = ("x"):rep(8 * 2^20) local t = {} for i = 1, 150 do t[i] = s end return t',
        "options": {"memory_limit": 32 * MIB}, "kinds": {"result_size_limit"}, "rss": 200,
    },
    "result_many_references_nested": {
        "source": 'local s = ("x"):rep(2^20) local t = {} for i = 1, 1000 do t[i] = {s, s} end return t',
        "options": {"memory_limit": 32 * MIB}, "kinds": {"result_size_limit"}, "rss": 200,
    },
    "captured_global_too_large": {
        "source": 'local s = ("x"):rep(2^20) response = {} for i = 1, 100 do response[i] = s end',
        "options": {"result_limit": 4 * MIB}, "kinds": {"ok"}, "rss": 200,
    },
    "error_table_referenced_many_times": {
        "source": 'local s = ("x"):rep(8 * 2^20) local t = {} for i = 1, 150 do t[i] = s end error(t)',
        "options": {"memory_limit": 32 * MIB}, "kinds": {"runtime"}, "rss": 200,
        "message": "larger than",
    },
    "huge_error_string": {
        "source": 'error(("x"):rep(30 * 2^20))',
        "options": {"memory_limit": 64 * MIB}, "kinds": {"runtime"}, "rss": 200,
    },
    "huge_returned_string": {
        "source": 'return ("x"):rep(8 * 2^20) .. "y"',
        "options": {"memory_limit": 64 * MIB, "result_limit": 4 * MIB}, "kinds": {"result_size_limit"}, "rss": 100,
    },
    "memory_fill_with_pcall": {
        "source": "local t = {} while true do pcall(function() t[#t + 1] = {} end) end",
        "options": {"memory_limit": 4 * MIB}, "kinds": {"memory_limit"},
    },
    "memory_fill_exactly_with_load": {
        # load() reports running out of memory as a value: the heap is filled to the limit and kept.
        "source": "G = {} local n = 4096 while n >= 1 do local f = load('return ' .. ('1'):rep(n)) "
                  "if f then G[#G + 1] = f else n = math.floor(n / 2) end end return #G",
        "options": {"memory_limit": 4 * MIB}, "kinds": {"ok", "memory_limit"},
    },
    "memory_fill_then_global_kept": {
        "source": "X = {} local ok = true while ok do ok = load('return 1') X[#X + 1] = ok end",
        "options": {"memory_limit": 4 * MIB}, "kinds": {"memory_limit", "ok"},
    },
    "huge_source": {
        "source": "return 1 --" + "x" * (2 * MIB),
        "options": {"memory_limit": 4 * MIB}, "kinds": {"memory_limit"},
    },
    "coroutines_filling_memory": {
        "source": "local t = {} while true do t[#t + 1] = coroutine.create(function() end) end",
        "options": {"memory_limit": 4 * MIB}, "kinds": {"memory_limit"},
    },
}

# Scripts that call Twilio (the embedded simulator answers).
TWILIO: dict[str, dict[str, Any]] = {
    "huge_argument_name_at_the_heap_limit": {
        # Fill the heap to just under the limit, then make the host build an error object quoting a 3 MiB
        # argument name.
        "source": "local keep = {} local ok = true "
                  "while collectgarbage('count') * 1024 < 16 * 2^20 - 1.2 * 2^20 do keep[#keep + 1] = ('x'):rep(2^16) .. #keep end "
                  "return Twilio.getMessage{[('k'):rep(3 * 2^20)] = 1}",
        "options": {"memory_limit": 16 * MIB}, "kinds": {"ok", "memory_limit"},
    },
    "unknown_argument_name_of_16_mib": {
        "source": 'local r, e = Twilio.postMessage{From = "%s", To = "%s", Body = "x", [("k"):rep(16 * 2^20)] = 1} '
                  "return e.type" % (FROM, TO),
        "options": {"memory_limit": 64 * MIB}, "kinds": {"ok"}, "value": "validation", "cpu": 1.0,
    },
    "arguments_referencing_one_string_many_times": {
        "source": 'local s = ("x"):rep(8 * 2^20) local t = {} for i = 1, 150 do t[i] = s end '
                  'local r, e = Twilio.postMessage{From = "%s", To = "%s", Body = "x", MediaUrl = t} '
                  "return e.type" % (FROM, TO),
        "options": {"memory_limit": 32 * MIB}, "kinds": {"ok"}, "value": "validation", "rss": 200, "requests": 0,
    },
    "results_kept_past_the_limit": {
        "source": 'local m = assert(Twilio.postMessage{From = "%s", To = "%s", Body = ("b"):rep(1500)}) '
                  "local keep = {} while true do keep[#keep + 1] = Twilio.getMessage{MessageSid = m.sid} end"
                  % (FROM, TO),
        "options": {"memory_limit": 2 * MIB, "call_limit": None}, "kinds": {"memory_limit"},
    },
    "pages_kept_past_the_limit": {
        # Results are built with the limit lifted: a script that stores them without allocating (slots made
        # beforehand, one argument table) kept 160 MiB under a 64 MiB limit.
        "source": 'for i = 1, 40 do assert(Twilio.postMessage{From = "%s", To = "%s", Body = ("b"):rep(1500)}) end '
                  "local keep, args = {}, {PageSize = 40} for i = 1, 200 do keep[i] = false end "
                  "for i = 1, 200 do keep[i] = Twilio.listMessage(args) end return #keep" % (FROM, TO),
        "options": {"memory_limit": 2 * MIB, "call_limit": None}, "kinds": {"memory_limit"},
    },
    "call_flood": {
        "source": 'while true do Twilio.postMessage{From = "%s", To = "%s", Body = "spam"} end' % (FROM, TO),
        "options": {"call_limit": 25}, "kinds": {"call_limit"}, "requests": 25,
    },
    "call_flood_in_pcall": {
        "source": 'while true do pcall(Twilio.postMessage, {From = "%s", To = "%s", Body = "spam"}) end' % (FROM, TO),
        "options": {"call_limit": 10}, "kinds": {"call_limit"}, "requests": 10,
    },
    "each_flood": {
        "source": 'while true do for m in Twilio.each("listMessage") do end end',
        "options": {"call_limit": 7}, "kinds": {"call_limit"}, "requests": 7,
    },
    "account_sid_without_token": {
        "source": 'local r, e = Twilio.listMessage{AccountSid = "AC' + "f" * 32 + '"} return e and e.type',
        "kinds": {"ok"}, "value": "validation", "requests": 0,
    },
}


class Forker:
    """tests/lua/hostile.py --serve: one process that has imported everything and forks a child per script."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
            env.pop(name, None)
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.lua.hostile", "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                                     env=env)

    def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(spec) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the forking runner itself died"
        return json.loads(line)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def forker() -> Iterator[Forker]:
    runner = Forker()
    yield runner
    runner.close()


def run_child(forker: Forker, engine: str, spec: dict[str, Any]) -> dict[str, Any]:
    out = forker.run({"engine": engine, "deadline": 60, **spec})
    assert "crashed" not in out, f"the host process died: {out['crashed']}"
    return out


def check_common(out: dict[str, Any]) -> None:
    assert out["next"] == 2, f"the next run in the same LuaHost failed: {out['next']}"
    assert out["peak_heap"] <= 1.1 * out["memory_limit"], out
    assert not out["kind"].startswith("python:"), out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", sorted(NESTING))
def test_nesting_through_c_never_crashes(forker: Forker, engine: str, name: str) -> None:
    out = run_child(forker, engine, {"source": NESTING[name]})
    check_common(out)
    assert out["kind"] in ("ok", "runtime", "instruction_limit"), out
    assert out["elapsed"] < 5, out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", sorted(LIMITS))
def test_limits_hold(forker: Forker, engine: str, name: str) -> None:
    case = LIMITS[name]
    out = run_child(forker, engine, {"source": case["source"], "options": case.get("options", {}),
                             "after": "return 1 + 1"})
    check_common(out)
    assert out["kind"] in case["kinds"], out
    if "time" in case:
        assert out["elapsed"] <= case["time"] + 0.5, out
    if "rss" in case:
        assert out["rss_growth_mib"] <= case["rss"], out
    if "message" in case:
        assert case["message"] in out["message"], out
    limit = case.get("options", {}).get("output_limit")
    if limit:
        assert out["printed_bytes"] <= limit, out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", sorted(TWILIO))
def test_twilio_calls_within_quotas(forker: Forker, engine: str, name: str) -> None:
    case = TWILIO[name]
    out = run_child(forker, engine, {"source": case["source"], "options": case.get("options", {}), "simulator": True})
    check_common(out)
    assert out["kind"] in case["kinds"], out
    if "value" in case:
        assert out["value"] == case["value"], out
    if "requests" in case:
        assert out["requests"] == case["requests"], out
    if "rss" in case:
        assert out["rss_growth_mib"] <= case["rss"], out
    if "cpu" in case:
        assert out["cpu"] <= case["cpu"], out
