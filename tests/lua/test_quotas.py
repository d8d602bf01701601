"""Run quotas (wall clock, Twilio calls, output, result bytes), the credentials rule and per-run randomness."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from adapter import Dispatcher
from adapter.lua import (
    LuaCallLimitError,
    LuaHost,
    LuaOutputLimitError,
    LuaResultSizeError,
    LuaWallClockLimitError,
)
from adapter.simulator import Simulator

from .conftest import Lines

SEND = '{From = "+15005550006", To = "+15558675310", Body = "hi"}'
OTHER = "AC" + "f" * 32


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


@pytest.mark.parametrize("engine", ["luajit21", "lua51"])
def test_wall_clock_includes_waiting_on_twilio(silent_server: str, engine: str) -> None:
    # Before: three calls to a server that never answers took 27 s with time_limit=1.
    with Dispatcher("AC" + "0" * 32, "token", base_url=silent_server, max_retries=0, environ={},
                    timeout=(5.0, 30.0)) as dispatcher:
        host = LuaHost(dispatcher, engine=engine, time_limit=1.0, wall_clock_limit=1.0)
        started = time.monotonic()
        with pytest.raises(LuaWallClockLimitError, match="wall clock limit exceeded"):
            host.run(f"for i = 1, 3 do Twilio.postMessage{SEND} end return 1")
        assert time.monotonic() - started < 1.5
        assert host.run("return 1 + 1") == 2


def test_wall_clock_stops_a_script_that_only_waits(sim_dispatcher: Dispatcher) -> None:
    host = LuaHost(sim_dispatcher, wall_clock_limit=0.3, call_limit=None, time_limit=None)
    started = time.monotonic()
    with pytest.raises(LuaWallClockLimitError):
        host.run("while true do Twilio.listMessage{PageSize = 1} end")
    assert time.monotonic() - started < 0.8


def test_call_limit_sends_nothing_more(sim: Simulator, sim_dispatcher: Dispatcher) -> None:
    host = LuaHost(sim_dispatcher, call_limit=3)
    with pytest.raises(LuaCallLimitError, match=r"Twilio call limit exceeded \(3 calls per run\)") as caught:
        host.run(f"while true do pcall(Twilio.postMessage, {SEND}) end")
    assert caught.value.kind == "call_limit"
    assert [r.method for r in sim.requests] == ["POST"] * 3
    sim.clear_requests()
    # The quota is per run: the next run may call again.
    assert host.run(f"return Twilio.postMessage{SEND}.status") in ("queued", "accepted", "sent", "delivered")
    assert len(sim.requests) == 1


def test_output_limit_counts_bytes(sim_dispatcher: Dispatcher) -> None:
    lines = Lines()
    host = LuaHost(sim_dispatcher, output_limit=100, print=lines)
    with pytest.raises(LuaOutputLimitError, match=r"output limit exceeded \(100 bytes"):
        host.run('for i = 1, 100 do print(("x"):rep(9)) end')
    assert sum(len(line) + 1 for line in lines) <= 100
    assert len(lines) == 10
    lines.clear()
    assert host.run('print("again") return 1') == 1 and lines == ["again"]


def test_result_limit(sim_dispatcher: Dispatcher) -> None:
    host = LuaHost(sim_dispatcher, result_limit=64 * 1024)
    with pytest.raises(LuaResultSizeError, match="larger than this host allows") as caught:
        host.run('local s = ("x"):rep(1000) local t = {} for i = 1, 100 do t[i] = s end return t')
    assert caught.value.kind == "result_size_limit"
    with pytest.raises(LuaResultSizeError):
        host.run('return ("x"):rep(100000)')
    assert len(host.run('return ("x"):rep(1000)')) == 1000


def test_quota_options_are_checked(sim_dispatcher: Dispatcher) -> None:
    for options in ({"wall_clock_limit": 0}, {"call_limit": -1}, {"output_limit": -5}, {"result_limit": 10}):
        with pytest.raises(ValueError):
            LuaHost(sim_dispatcher, **options)


def test_account_sid_without_its_own_token_is_refused(sim: Simulator, sim_dispatcher: Dispatcher) -> None:
    host = LuaHost(sim_dispatcher)
    out = host.run(f'local r, e = Twilio.listMessage{{AccountSid = "{OTHER}"}} return e')
    assert out["type"] == "validation" and out["status"] == 400
    assert out["details"] == [{"field": "AccountSid", "error": "needs its own AuthToken on this host"}]
    assert sim.requests == []
    # The host's own account is always fine.
    assert host.run(f'return Twilio.listMessage{{AccountSid = "{sim.account_sid}"}}.messages ~= nil') is True
    assert len(sim.requests) == 1


def test_subaccounts_the_host_names_use_its_credentials(sim: Simulator, sim_dispatcher: Dispatcher) -> None:
    host = LuaHost(sim_dispatcher, subaccounts=[OTHER])
    host.run(f'return Twilio.listMessage{{AccountSid = "{OTHER}"}}')
    assert [r.path for r in sim.requests] == [f"/2010-04-01/Accounts/{OTHER}/Messages.json"]
    assert sim.requests[0].username == sim.account_sid  # signed with the host's credentials
    out = host.run(f'local r, e = Twilio.listMessage{{AccountSid = "AC{"e" * 32}"}} return e')
    assert out["type"] == "validation"
    assert len(sim.requests) == 1


@pytest.mark.parametrize("engine", ["luajit21", "lua51"])
def test_random_is_seeded_from_the_os_per_run(sim_dispatcher: Dispatcher, engine: str) -> None:
    script = "local t = {} for i = 1, 4 do t[i] = math.random(1, 1000000) end return table.concat(t, ',')"
    first = {LuaHost(sim_dispatcher, engine=engine).run(script) for _ in range(4)}
    assert len(first) == 4  # fresh hosts do not share a first value
    host = LuaHost(sim_dispatcher, engine=engine)
    seeded = host.run("math.randomseed(42) " + script)
    again = host.run("math.randomseed(42) " + script)
    assert seeded == again  # within a run, a seed gives a repeatable sequence
    # ...but it does not carry into the next run
    assert host.run(script) != seeded
    values = host.run("local t = {} for i = 1, 2000 do t[i] = math.random() end return t")
    assert all(0 <= v < 1 for v in values) and len(set(values)) == 2000
    assert set(host.run("local t = {} for i = 1, 500 do t[i] = math.random(3) end return t")) == {1, 2, 3}
    assert host.run("return math.random(5, 5)") == 5
    for bad in ("math.random(0)", "math.random(3, 1)", "math.random('x')", "math.randomseed({})"):
        assert host.run(f"return (pcall(function() return {bad} end))") is False
