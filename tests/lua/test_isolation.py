"""Runs do not see each other, and several LuaHosts work from threads at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from adapter.lua import LuaHost, LuaLimitError
from adapter.simulator import Simulator


def test_globals_do_not_leak_between_runs(mock_host: LuaHost) -> None:
    mock_host.run("""
        leaked = "yes"
        string.custom = function() return "mine" end
        table.insert = nil
        Twilio.postMessage = function() return "fake" end
        math.pi = 3
        _G.print = nil
    """)
    out = mock_host.run("""
        return {leaked = leaked, custom = string.custom, insert = type(table.insert),
                post = type(Twilio.postMessage), fake = Twilio.postMessage == nil, pi = math.pi > 3.14,
                print = type(print)}
    """)
    assert out == {"insert": "function", "post": "function", "fake": False, "pi": True, "print": "function"}


def test_host_globals_are_per_run(mock_host: LuaHost) -> None:
    assert mock_host.run("return request.body", globals={"request": {"body": "first"}}) == "first"
    assert mock_host.run("return request") is None


def test_state_after_a_stop_does_not_leak(mock_host: LuaHost) -> None:
    with pytest.raises(LuaLimitError):
        mock_host.run("x = 1 while true do end")
    assert mock_host.run("return x") is None


def test_several_hosts_from_threads(sim: Simulator, sim_dispatcher) -> None:
    barrier = threading.Barrier(4)

    def worker(n: int) -> list:
        host = LuaHost(sim_dispatcher)  # one LuaHost per worker thread; they share the Dispatcher
        barrier.wait()
        results = []
        for i in range(5):
            results.append(host.run("""
                local m, err = Twilio.postMessage{From = "+15005550006", To = to, Body = body}
                if err then return err.error end
                local spin = 0 for j = 1, 20000 do spin = spin + j end
                return Twilio.getMessage{MessageSid = m.sid}.body
            """, globals={"to": f"+1555867{n:04d}", "body": f"worker {n} message {i}"}))
        return results

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(worker, range(4)))
    assert outcomes == [[f"worker {n} message {i}" for i in range(5)] for n in range(4)]
    assert sum(1 for r in sim.requests if r.method == "POST") == 20


def test_one_host_shared_by_threads_serializes(mock_host: LuaHost) -> None:
    def work(n: int) -> int:
        return mock_host.run("local s = 0 for i = 1, n do s = s + i end return s", globals={"n": n})

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(1, 200)))
    assert results == [n * (n + 1) // 2 for n in range(1, 200)]


def test_captured_globals_ignore_metamethods(mock_host: LuaHost) -> None:
    script = "response = {message = 'ok'} setmetatable(_G, {__index = function() while true do end end})"
    run = mock_host.execute(script, capture=("response", "missing"))
    assert run.globals == {"response": {"message": "ok"}, "missing": None}
