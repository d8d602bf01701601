"""ScriptPool: scripts in worker processes that hold no credentials; a dead worker fails exactly its runs
(kind ``crash``) and is replaced; deadlines, cancellation, backpressure and draining; the blocking API."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from adapter import AsyncDispatcher, Dispatcher
from adapter.lua import (
    BlockingScriptPool,
    LuaCrashError,
    LuaInstructionLimitError,
    LuaRuntimeError,
    LuaScriptError,
    LuaSyntaxError,
    LuaWallClockLimitError,
    ScriptPool,
)
from adapter.simulator import Simulator

from .conftest import FAST_TIMINGS

SEND = 'Twilio.postMessage{From = "+15005550006", To = "+15558675310", Body = "pump " .. n}'


@pytest.fixture
def slow_sim() -> Iterator[Simulator]:
    with Simulator(port=0, timings=FAST_TIMINGS, latency_ms=150) as simulator:
        yield simulator


def posts(sim: Simulator) -> list[Any]:
    return [r for r in sim.requests if r.method == "POST"]


def in_pool(sim: Simulator, body: Any, **options: Any) -> Any:
    """Run ``await body(pool)`` with a pool on an AsyncDispatcher against ``sim``."""

    async def go() -> Any:
        async with AsyncDispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as d:
            options.setdefault("processes", 2)
            async with ScriptPool(d, **options) as pool:
                return await body(pool)

    return asyncio.run(go())


def test_a_run_in_a_worker_and_its_call_on_the_wire(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", sim.auth_token)
    monkeypatch.setenv("TWILIO_API_SECRET", "not-for-workers")
    lines: list[str] = []

    async def body(pool: ScriptPool) -> tuple[Any, list[bytes]]:
        run = await pool.execute(f"local m = {SEND} print('sent ' .. m.body) response = {{sid = m.sid}} return m.to",
                                 globals={"n": 3}, capture=["response"], name="alert.lua")
        environs = []
        for pid in pool.pids:
            with open(f"/proc/{pid}/environ", "rb") as f:
                environs.append(f.read())
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                environs.append(f.read())
        return run, environs

    run, environs = in_pool(sim, body, print=lines.append)
    assert run.value == "+15558675310" and run.globals["response"]["sid"].startswith("SM")
    assert lines == ["sent pump 3"]
    (post,) = posts(sim)
    assert post.form.to_dict(flat=False) == {"From": ["+15005550006"], "To": ["+15558675310"], "Body": ["pump 3"]}
    assert post.username == sim.account_sid
    for text in environs:
        assert b"TWILIO_" not in text
        assert sim.auth_token.encode() not in text and b"not-for-workers" not in text


def test_script_failures_come_back_as_the_same_exceptions(sim: Simulator) -> None:
    async def body(pool: ScriptPool) -> list[Any]:
        return await asyncio.gather(
            pool.execute("return +"), pool.execute("error('boom')"), pool.execute("while true do end"),
            pool.execute("return 42"), return_exceptions=True)

    results = in_pool(sim, body, instruction_limit=1_000_000)
    assert [type(r) for r in results[:3]] == [LuaSyntaxError, LuaRuntimeError, LuaInstructionLimitError]
    assert "boom" in str(results[1])
    assert results[3].value == 42


def test_sigkill_with_runs_in_flight_fails_exactly_that_workers_runs(slow_sim: Simulator) -> None:
    script = f"local m = {SEND} return m.sid"

    async def body(pool: ScriptPool) -> tuple[list[Any], int]:
        tasks = [asyncio.ensure_future(pool.execute(script, globals={"n": i})) for i in range(1000)]
        while sum(len(w.runs) for w in pool._workers) < 1000:
            await asyncio.sleep(0.01)
        victim = pool._workers[0]
        held = len(victim.runs)
        os.kill(victim.process.pid, signal.SIGKILL)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        after = await pool.execute("return 'still serving'")
        assert after.value == "still serving"
        return results, held

    results, held = in_pool(slow_sim, body)
    crashed = [r for r in results if isinstance(r, LuaCrashError)]
    done = [r for r in results if not isinstance(r, Exception)]
    assert len(crashed) == held and len(done) == 1000 - held
    assert all(e.kind == "crash" and "SIGKILL" in str(e) for e in crashed)
    bodies = [p.form["Body"] for p in posts(slow_sim)]
    assert len(bodies) == len(set(bodies))  # no message was sent twice
    assert len({r.value for r in done}) == len(done)  # each completed run got its own message
    assert len(bodies) >= len(done)  # and every one of them reached the server


def test_never_yielding_and_never_answered_runs_end_at_the_deadline() -> None:
    async def go() -> list[Any]:
        async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()

        server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        dispatcher = AsyncDispatcher("AC" + "0" * 32, "token", base_url=f"http://127.0.0.1:{port}", environ={})
        async with ScriptPool(dispatcher, processes=1, run_timeout=0.5, instruction_limit=10**12, time_limit=None,
                              wall_clock_limit=None) as pool:
            spin = pool.execute("while true do end")
            wait = pool.execute('return Twilio.getMessage{MessageSid = "SM' + "a" * 32 + '"}')
            results = await asyncio.gather(spin, wait, return_exceptions=True)
            results.append(await pool.execute("return 'after'"))
        await dispatcher.close()
        server.close()
        return results

    spin, wait, after = asyncio.run(go())
    assert type(spin) is LuaWallClockLimitError and type(wait) is LuaWallClockLimitError
    assert after.value == "after"


def test_a_worker_that_cannot_stop_a_run_is_killed_and_replaced(sim: Simulator) -> None:
    async def body(pool: ScriptPool) -> tuple[Any, Any, int]:
        worker = pool._workers[0]
        os.kill(worker.process.pid, signal.SIGSTOP)  # as stuck as a script inside a C function
        stuck = await asyncio.gather(pool.execute("return 1"), return_exceptions=True)
        await asyncio.sleep(0.3)
        after = await pool.execute("return 2")
        return stuck[0], after, pool.workers_started

    stuck, after, started = in_pool(sim, body, processes=1, run_timeout=0.5)
    assert type(stuck) is LuaWallClockLimitError
    assert after.value == 2 and started == 2


CRASHERS = {
    "recursive gsub": 'local function h(s) return (string.gsub(s, ".", h)) end return h("ab")',
    "nested resume": """
        local function nest(n)
          if n == 0 then return 0 end
          local co = coroutine.create(function() return nest(n - 1) end)
          local ok, v = coroutine.resume(co)
          return v
        end
        return nest(100000)""",
}


@pytest.mark.parametrize("source", list(CRASHERS.values()), ids=list(CRASHERS))
def test_the_parent_survives_known_crashers(sim: Simulator, source: str) -> None:
    async def body(pool: ScriptPool) -> tuple[Any, Any]:
        outcome = (await asyncio.gather(pool.execute(source), return_exceptions=True))[0]
        return outcome, await pool.execute("return 'alive'")

    outcome, after = in_pool(sim, body, processes=1, engine="luajit21")
    assert isinstance(outcome, LuaScriptError) or outcome.value is not None
    assert after.value == "alive"


def test_cancelling_an_awaiting_execute_frees_its_slot(slow_sim: Simulator) -> None:
    async def body(pool: ScriptPool) -> Any:
        first = asyncio.ensure_future(pool.execute(f"return {SEND}.sid", globals={"n": 1}))
        await asyncio.sleep(0.05)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await asyncio.wait_for(pool.execute("return 'next'"), 5)

    assert in_pool(slow_sim, body, processes=1, max_in_flight=1).value == "next"


def test_backpressure_and_a_bounded_queue(slow_sim: Simulator) -> None:
    async def body(pool: ScriptPool) -> list[Any]:
        tasks = [asyncio.ensure_future(pool.execute(f"return {SEND}.sid", globals={"n": i})) for i in range(3)]
        await asyncio.sleep(0.05)
        with pytest.raises(LuaScriptError) as busy:
            await pool.execute("return 1")
        assert busy.value.kind == "busy"
        return await asyncio.gather(*tasks)

    runs = in_pool(slow_sim, body, processes=1, max_in_flight=2, max_waiting=1)
    assert len({r.value for r in runs}) == 3


def test_close_drains_runs_in_progress(slow_sim: Simulator) -> None:
    async def go() -> Any:
        async with AsyncDispatcher(slow_sim.account_sid, slow_sim.auth_token, base_url=slow_sim.base_url,
                                   environ={}) as d:
            pool = ScriptPool(d, processes=1)
            await pool.start()
            task = asyncio.ensure_future(pool.execute(f"return {SEND}.sid", globals={"n": 1}))
            await asyncio.sleep(0.05)
            pids = pool.pids
            await pool.close(timeout=5)
            with pytest.raises(LuaScriptError):
                await pool.execute("return 1")
            return await task, pids

    run, pids = asyncio.run(go())
    assert run.value.startswith("SM")
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_blocking_pool_from_threads_with_a_blocking_dispatcher(sim: Simulator) -> None:
    with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as d:
        with BlockingScriptPool(d, processes=2) as pool:
            results: list[Any] = []

            def worker(i: int) -> None:
                results.append(pool.run(f"return {SEND}.sid", globals={"n": i}))

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    assert len(set(results)) == 8 and len(posts(sim)) == 8


def test_network_isolation_is_reported(sim: Simulator) -> None:
    async def body(pool: ScriptPool) -> list[str]:
        return pool.network

    network = in_pool(sim, body, processes=1)
    assert network and (network[0].startswith("isolated") or network[0].startswith("not isolated"))


def test_cli_run_isolated_runs_the_script_in_a_pool_of_one(tmp_path: Any) -> None:
    import json
    import subprocess
    import sys

    script = tmp_path / "alert.lua"
    script.write_text(f"local n = 1 local m = {SEND} print('in a worker') return {{sid = m.sid}}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env["XDG_STATE_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "adapter", "run", str(script), "--isolated"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sid"].startswith("SM")
    assert "in a worker" in done.stderr


def test_every_nesting_crasher_of_the_hardening_corpus_through_one_pool(sim: Simulator) -> None:
    from .test_hostile import NESTING

    async def body(pool: ScriptPool) -> tuple[list[Any], Any, int]:
        outcomes = await asyncio.gather(*(pool.execute(source, name=f"{name}.lua") for name, source in
                                          NESTING.items()), return_exceptions=True)
        after = await pool.execute(f"return {SEND}.sid", globals={"n": 1})
        return outcomes, after, pool.workers_started

    outcomes, after, _started = in_pool(sim, body, processes=2)
    for name, outcome in zip(NESTING, outcomes, strict=True):
        assert isinstance(outcome, LuaScriptError) or not isinstance(outcome, BaseException), (name, outcome)
    assert after.value.startswith("SM")
