"""LuaHost.execute_async: the same LuaRun (or exception) as execute, each Twilio call suspending only its own
script, calls from every place a script can make them, per-run budgets on one shared runtime, cancellation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from adapter import AsyncDispatcher, Dispatcher
from adapter.lua import (
    LuaCallLimitError,
    LuaHost,
    LuaInstructionLimitError,
    LuaMemoryLimitError,
    LuaResultError,
    LuaRuntimeError,
    LuaSyntaxError,
    LuaTimeLimitError,
    ServiceError,
)
from adapter.simulator import Simulator

from .conftest import FAST_TIMINGS

SEND = 'Twilio.postMessage{From = "+15005550006", To = "+15558675310", Body = "pump " .. n}'


@pytest.fixture
def slow_sim() -> Iterator[Simulator]:
    """Every request takes 100 ms: long enough that runs which did not overlap would show it."""
    with Simulator(port=0, timings=FAST_TIMINGS, latency_ms=100) as simulator:
        yield simulator


def posts(sim: Simulator) -> list[Any]:
    return [r for r in sim.requests if r.method == "POST"]


def run_all(host_factory: Any, *scripts: tuple[str, dict[str, Any]]) -> list[Any]:
    """Run scripts concurrently with execute_async; each outcome is a LuaRun or the exception."""

    async def go() -> list[Any]:
        host = await host_factory()
        try:
            return await asyncio.gather(
                *(host.execute_async(src, globals=g, capture=("response",)) for src, g in scripts),
                return_exceptions=True,
            )
        finally:
            host.close()
            await host.dispatcher.close() if isinstance(host.dispatcher, AsyncDispatcher) else None

    return asyncio.run(go())


def async_host(sim: Simulator, **options: Any) -> Any:
    async def make() -> LuaHost:
        dispatcher = AsyncDispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={})
        return LuaHost(dispatcher, **options)

    return make


def test_same_run_as_execute_and_the_request_on_the_wire(sim: Simulator) -> None:
    script = f"""
        local msg = {SEND}
        response = {{sid = msg.sid, to = msg.to}}
        return {{status = msg.status, body = msg.body, n = n}}
    """
    (run,) = run_all(async_host(sim), (script, {"n": 7}))
    with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as sync_dispatcher:
        sync_run = LuaHost(sync_dispatcher).execute(script, globals={"n": 7}, capture=("response",))
    assert run.value == sync_run.value
    assert run.value["body"] == "pump 7" and run.value["n"] == 7
    assert run.globals["response"]["to"] == "+15558675310"
    first, _second = posts(sim)
    assert first.path.endswith(f"/Accounts/{sim.account_sid}/Messages.json")
    assert first.form.to_dict(flat=False) == {"From": ["+15005550006"], "To": ["+15558675310"], "Body": ["pump 7"]}
    assert first.username == sim.account_sid


def test_calls_from_pcall_xpcall_each_nested_functions_coroutines_and_c_callbacks(sim: Simulator) -> None:
    script = f"""
        local msg = {SEND}
        local sid = msg.sid
        local function nested(depth)
          if depth == 0 then return Twilio.getMessage{{MessageSid = sid}} end
          return nested(depth - 1)
        end
        local ok1, a = pcall(function() return Twilio.getMessage{{MessageSid = sid}} end)
        local ok2, b = xpcall(function() return nested(5) end, debug and debug.traceback or tostring)
        local seen = 0
        for m, err in Twilio.each("listMessage", {{PageSize = 1}}) do
          if err then error(err.error) end
          seen = seen + 1
        end
        local co = coroutine.wrap(function()
          coroutine.yield(Twilio.getMessage{{MessageSid = sid}}.sid)
          return "second"
        end)
        local via_gsub = string.gsub("x", "x", function() return Twilio.getMessage{{MessageSid = sid}}.status end)
        local bad = Twilio.getMessage{{MessageSid = "nope"}}
        return {{ok1 = ok1, a = a.sid, ok2 = ok2, b = b.sid, seen = seen, co1 = co(), co2 = co(),
                 gsub = via_gsub, bad = bad.type}}
    """
    with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as d:
        d.postMessage(From="+15005550006", To="+15558675310", Body="earlier")
    (run,) = run_all(async_host(sim), (script, {"n": 1}))
    sid = run.value["a"]
    assert sid.startswith("SM") and run.value.pop("gsub") in ("queued", "sent", "delivered")
    assert run.value == {"ok1": True, "a": sid, "ok2": True, "b": sid, "seen": 2, "co1": sid, "co2": "second",
                         "bad": "validation"}


def test_each_call_suspends_only_its_script(slow_sim: Simulator) -> None:
    scripts = [(f"return {SEND}.sid", {"n": i}) for i in range(20)]
    lua_threads: list[int] = []

    async def go() -> tuple[list[Any], float]:
        dispatcher = AsyncDispatcher(slow_sim.account_sid, slow_sim.auth_token, base_url=slow_sim.base_url,
                                     environ={})
        host = LuaHost(dispatcher)
        loop = asyncio.get_running_loop()
        started = loop.time()
        runs = await asyncio.gather(*(host.execute_async(src, globals=g) for src, g in scripts))
        elapsed = loop.time() - started
        lua_threads.append(sum(t.name.startswith(f"lua-host-{id(host):x}") for t in threading.enumerate()))
        host.close()
        await dispatcher.close()
        return runs, elapsed

    runs, elapsed = asyncio.run(go())
    assert len({r.value for r in runs}) == 20
    assert len(posts(slow_sim)) == 20
    # 20 calls of 100 ms one after another would take 2 s; overlapped they take a few hundred ms at most.
    assert elapsed < 1.5
    assert lua_threads == [1]  # one Lua thread, not a thread per script


def test_failures_are_the_same_exceptions_as_execute(sim: Simulator) -> None:
    cases = [
        ("return +", {}, LuaSyntaxError),
        ("error('boom')", {}, LuaRuntimeError),
        ("return function() end", {}, LuaResultError),
        ("coroutine.yield(1)", {}, LuaRuntimeError),  # a yield that is not a command: not a way out
        ("while true do end", {}, LuaInstructionLimitError),
        ("local t = {} for i = 1, 1e8 do t[i] = i end", {}, LuaMemoryLimitError),
        (f"return {SEND}.sid", {"n": 1}, None),
    ]
    results = run_all(async_host(sim, memory_limit=8 * 1024 * 1024), *[(s, g) for s, g, _ in cases])
    for (source, _, expected), result in zip(cases, results, strict=True):
        if expected is None:
            assert result.value.startswith("SM"), source
        else:
            assert type(result) is expected, (source, result)
    assert len(posts(sim)) == 1


def test_budgets_are_per_run_while_others_wait_on_twilio(slow_sim: Simulator) -> None:
    spin = "local i = 0 while true do i = i + 1 end"
    grow = "local t = {} for i = 1, 1e6 do t[i] = string.rep(\"x\", 1000) .. i end"
    calls = [(f"local out = {SEND}; return out.sid", {"n": i}) for i in range(10)]
    results = run_all(
        async_host(slow_sim, memory_limit=16 * 1024 * 1024, instruction_limit=2_000_000),
        *calls[:5], (spin, {}), (grow, {}), *calls[5:],
    )
    assert [type(r) for r in results[5:7]] == [LuaInstructionLimitError, LuaMemoryLimitError]
    done = results[:5] + results[7:]
    assert all(str(r.value).startswith("SM") for r in done), done
    assert len(posts(slow_sim)) == 10


def test_instruction_budget_counts_only_the_runs_own_instructions(sim: Simulator) -> None:
    # Each run uses ~60% of the budget in two halves around a Twilio call; interleaved with 10 others, a
    # budget shared by all would be spent ten times over.
    half = "local x = 0 for i = 1, 300000 do x = x + i end"
    script = f"{half}\nlocal sid = {SEND}.sid\n{half}\nreturn sid"
    results = run_all(async_host(sim, instruction_limit=2_000_000), *[(script, {"n": i}) for i in range(10)])
    assert all(str(r.value).startswith("SM") for r in results), results


def test_time_limit_counts_lua_time_not_time_waiting_on_twilio(slow_sim: Simulator) -> None:
    script = "local out\nfor i = 1, 3 do out = " + SEND + " end\nreturn out.sid"
    (run,) = run_all(async_host(slow_sim, time_limit=0.25), (script, {"n": 1}))
    assert str(run.value).startswith("SM")  # 300 ms waiting, well under 0.25 s of Lua
    (stopped,) = run_all(async_host(slow_sim, time_limit=0.05),
                         ("local s = string.rep('a', 5000) while true do s:upper() end", {}))
    assert type(stopped) is LuaTimeLimitError


def test_the_loop_keeps_running_while_a_script_spins(sim: Simulator) -> None:
    async def go() -> tuple[int, Any]:
        host = LuaHost(AsyncDispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}),
                       instruction_limit=200_000_000)
        ticks = 0
        spinner = asyncio.ensure_future(host.execute_async("while true do end"))
        while not spinner.done():
            ticks += 1
            await asyncio.sleep(0.005)
        host.close()
        await host.dispatcher.close()
        return ticks, spinner.exception()

    ticks, error = asyncio.run(go())
    assert isinstance(error, LuaInstructionLimitError)
    assert ticks >= 5  # the loop served this task all along


def test_cancelling_an_awaiting_run_stops_it_and_frees_it(slow_sim: Simulator) -> None:
    async def go() -> tuple[int, int, Any]:
        host = LuaHost(AsyncDispatcher(slow_sim.account_sid, slow_sim.auth_token, base_url=slow_sim.base_url,
                                       environ={}), instruction_limit=10**9, time_limit=None)
        waiting = asyncio.ensure_future(host.execute_async(f"return {SEND}", globals={"n": 1}))
        spinning = asyncio.ensure_future(host.execute_async("while true do end"))
        await asyncio.sleep(0.05)
        live_before = host._driver.live
        waiting.cancel()
        spinning.cancel()
        for task in (waiting, spinning):
            with pytest.raises(asyncio.CancelledError):
                await task
        after = await host.execute_async("return 42")
        await asyncio.sleep(0.05)
        live_after = host._driver.live
        host.close()
        await host.dispatcher.close()
        return live_before, live_after, after.value

    assert asyncio.run(go()) == (2, 0, 42)


def test_a_blocking_dispatcher_is_run_off_the_loop(sim: Simulator) -> None:
    async def make() -> LuaHost:
        return LuaHost(Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}))

    async def go() -> list[Any]:
        host = await make()
        runs = await asyncio.gather(*(host.execute_async(f"return {SEND}.sid", globals={"n": i}) for i in range(5)))
        host.close()
        host.dispatcher.close()
        return runs

    assert len({r.value for r in asyncio.run(go())}) == 5


def test_lua51_runs_calls_at_once_on_the_lua_thread(sim: Simulator) -> None:
    script = f"local ok, out = pcall(function() return {SEND} end) return out.sid"
    results = run_all(async_host(sim, engine="lua51"), *[(script, {"n": i}) for i in range(3)])
    assert len({r.value for r in results}) == 3


class Keystore:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def get(self, key: str) -> dict[str, Any]:
        await asyncio.sleep(0.01)
        return {"value": self.values.get(key)}

    async def fail(self) -> None:
        raise ServiceError("no such key", status=404)

    def set(self, key: str, value: Any) -> dict[str, Any]:
        self.values[key] = value
        return {}


def test_host_services_async_methods_are_awaited_and_sync_ones_called(sim: Simulator) -> None:
    store = Keystore()

    async def go() -> Any:
        host = LuaHost(None, services={"Keystore": store})
        run = await host.execute_async("""
            Keystore.set{key = "a", value = 5}
            local got = Keystore.get{key = "a"}
            local out, err = Keystore.fail()
            return {value = got.value, err = err.error, status = err.status}
        """)
        host.close()
        return run.value

    assert asyncio.run(go()) == {"value": 5, "err": "no such key", "status": 404}
    with pytest.raises(LuaRuntimeError):
        LuaHost(None, services={"Keystore": store}).execute("local _, e = Keystore.get{key='a'} error(e.error)")


def test_call_quota_and_output_are_counted_per_run(sim: Simulator) -> None:
    two = f"print('x') local a = {SEND} local b = {SEND} return b.sid"
    three = f"local a = {SEND} local b = {SEND} local c = {SEND} return c.sid"
    lines: list[str] = []

    async def make() -> LuaHost:
        dispatcher = AsyncDispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={})
        return LuaHost(dispatcher, call_limit=2, output_limit=4, print=lines.append)

    results = run_all(make, *[(two, {"n": i}) for i in range(5)], (three, {"n": 9}))
    assert all(str(r.value).startswith("SM") for r in results[:5]), results
    assert type(results[5]) is LuaCallLimitError
    assert lines == ["x"] * 5
    assert len(posts(sim)) == 12  # 5 x 2, and the third run's first two


def test_preload_runs_first_in_the_runs_environment(sim: Simulator) -> None:
    async def go() -> Any:
        host = LuaHost(AsyncDispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}))
        run = await host.execute_async(f"return helper() .. {SEND}.status", globals={"n": 1},
                                       preload=[("function helper() return 'sent:' end", "helpers.lua")])
        host.close()
        await host.dispatcher.close()
        return run.value

    assert asyncio.run(go()).startswith("sent:")


def test_a_call_that_never_gets_an_answer_ends_at_the_wall_clock() -> None:
    async def go() -> tuple[Any, float]:
        async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()

        server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        dispatcher = AsyncDispatcher("AC" + "0" * 32, "token", base_url=f"http://127.0.0.1:{port}", environ={})
        host = LuaHost(dispatcher, wall_clock_limit=0.5)
        loop = asyncio.get_running_loop()
        started = loop.time()
        run = await host.execute_async(
            'local out = Twilio.getMessage{MessageSid = "SM' + "a" * 32 + '"} return out.type')
        elapsed = loop.time() - started
        host.close()
        await dispatcher.close()
        server.close()
        return run.value, elapsed

    value, elapsed = asyncio.run(go())
    assert value == "timeout"
    assert elapsed < 5  # the dispatcher's own read timeout is 30 s


@pytest.mark.parametrize("engine", ["luajit21", "lua51"])
def test_the_nesting_corpus_of_the_hardening_issue_runs_concurrently_in_process(engine: str) -> None:
    """Every script of tests/lua/test_hostile.py's NESTING at once through execute_async, in a child process
    (a crash there fails this test instead of killing pytest): each ends as a result or a LuaScriptError and
    the host runs the next script."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    program = f"""
import asyncio, sys
sys.path.insert(0, {str(root)!r})
from tests.lua.test_hostile import NESTING
from adapter import AsyncDispatcher
from adapter.lua import LuaHost, LuaScriptError

async def main():
    host = LuaHost(AsyncDispatcher("AC" + "0" * 32, "x", base_url="http://127.0.0.1:9"), engine={engine!r})
    results = await asyncio.gather(*(host.execute_async(s, name=n) for n, s in NESTING.items()),
                                   return_exceptions=True)
    bad = [n for n, r in zip(NESTING, results) if isinstance(r, BaseException) and not isinstance(r, LuaScriptError)]
    assert not bad, bad
    print((await host.execute_async("return 'alive'")).value)
    host.close()

asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "alive"
