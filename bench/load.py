"""Load check: many operations through one Dispatcher and through LuaHost against the simulator.

    python bench/load.py            # full: 10,000 operations per phase (for the notes)
    python bench/load.py --quick    # CI: 1,000 per phase, a few seconds
    python bench/load.py --json     # machine-readable figures (tests/reliability/test_load.py)
    python bench/load.py --pool     # the same mix as scripts through a ScriptPool of 2 worker processes

Pool mode adds, per phase, the worker processes (how many are alive, and their RSS summed) before and after;
every 20th run is cancelled while it waits (a slot freed, the worker told), and every 50th spins until its
instruction limit: over 10,000 runs nothing may grow (parent fds, threads, RSS; worker count and RSS).

The simulator runs in a child process (``--serve``); it keeps HTTP/1.1 connections alive as Twilio does and
counts the TCP connections it accepts (``Simulator.connections_accepted``) and the requests it answers. The
client process measures itself:

* RSS (VmRSS from /proc/self/status) after a warm-up and after the run, and the growth;
* threads (threading.active_count) and open file descriptors (/proc/self/fd) before and after;
* connections the simulator accepted against HTTP requests it received, counted from the start of each phase
  (its warm-up included; a connection pooled by an earlier phase carries over, so a later phase may open 0);
* parallel scripts: N threads, each with its own LuaHost (sharing one Dispatcher), against a simulator
  answering after ``--latency-ms``; ideal wall time is calls x latency / N, and the ratio wall / ideal
  shows whether unrelated scripts serialize each other (1.0 = perfect overlap, N = fully serialized).

Calls/s is the round trip, client and simulator together (both on this machine); the client's own cost is
reported as CPU ms per call. The simulator's list reads only the page it returns, so its cost no longer grows
with the thousands of messages the run posts (it used to render every stored message, ~40 us each).

Measured (full mode, 2 cores, shared machine): 10,000 calls per phase; Dispatcher 1,156 calls/s (0.38 ms
client CPU per call), LuaHost 986 calls/s (0.51 ms); RSS +0.1 MiB (Dispatcher) and +0.6 MiB (LuaHost);
threads 1 -> 1; fds 9 -> 9 (6 after close, as at the start); 1 connection for 9,180 requests; 8 LuaHosts x
25 calls at 50 ms latency: wall 1.37 s for an ideal 1.25 s (ratio 1.10; fully serialized would be 10 s).
Before the simulator kept connections alive itself and paged lazily (the counting then went through a
keep-alive proxy in front of it): 108 calls/s (Dispatcher) and 45 calls/s (LuaHost), the list dominating.

Mix per 10 operations: 4 postMessage, 3 getMessage, 1 listMessage (PageSize=5), 1 getMessage of a missing
SID (a 404 error object), 1 invalid call (a validation error object, nothing sent).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEND = {"To": "+15551234567", "From": "+15557654321", "Body": "load test: disk 91% full on db-1"}
MISSING = "SM" + "0" * 32

# -- the server side (child process) ----------------------------------------------------------------------


def serve(latency_ms: float) -> None:
    """Child process: the simulator. Prints one JSON line, then obeys stdin commands: ``stats`` (prints the
    connections accepted and requests received since the last ``reset``), ``reset``, ``latency <ms>``;
    exits at EOF."""
    from adapter.simulator import Simulator

    with Simulator(latency_ms=latency_ms) as sim:
        print(json.dumps({"base_url": sim.base_url, "account_sid": sim.account_sid, "auth_token": sim.auth_token}),
              flush=True)
        base = {"connections": 0, "requests": 0}

        def counters() -> dict[str, int]:
            return {"connections": sim.connections_accepted, "requests": len(sim.requests)}

        for line in sys.stdin:
            command = line.split()
            if not command:
                continue
            if command[0] == "stats":
                now = counters()
                print(json.dumps({key: now[key] - base[key] for key in now}), flush=True)
            elif command[0] == "reset":
                base = counters()
                print("{}", flush=True)
            elif command[0] == "latency":
                sim.faults.latency_ms = float(command[1])
                print("{}", flush=True)


class Server:
    """The parent's handle on the child process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(ROOT),
        )
        assert self.process.stdout is not None
        info = json.loads(self.process.stdout.readline())
        self.base_url: str = info["base_url"]
        self.account_sid: str = info["account_sid"]
        self.auth_token: str = info["auth_token"]

    def command(self, text: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


# -- the client side ----------------------------------------------------------------------------------------


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def workers() -> dict[str, int]:
    """This process's child processes (a pool's workers): how many, and their RSS summed."""
    me = str(os.getpid())
    count = rss = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read()
        except OSError:
            continue
        if fields.get("PPid", "").strip() == me and b"adapter.lua.worker" in command:
            count += 1
            rss += int(fields.get("VmRSS", "0 kB").split()[0])
    return {"workers": count, "workers_rss_kib": rss}


def snapshot() -> dict[str, int]:
    gc.collect()
    return {"rss_kib": rss_kib(), "threads": threading.active_count(), "fds": fds()}


class Mix:
    """The operation mix, as Python calls and as Lua scripts."""

    def __init__(self) -> None:
        self.sid: str | None = None

    def python_call(self, dispatcher: Any, i: int) -> str:
        from adapter import TwilioError

        slot = i % 10
        try:
            if slot < 4 or self.sid is None:
                self.sid = dispatcher.call("postMessage", SEND)["sid"]
            elif slot < 7:
                dispatcher.call("getMessage", {"MessageSid": self.sid})
            elif slot == 7:
                dispatcher.call("listMessage", {"PageSize": 5})
            elif slot == 8:
                dispatcher.call("getMessage", {"MessageSid": MISSING})
            else:
                dispatcher.call("postMessage", {"To": "not a number", "Body": "x"})
        except TwilioError as err:
            return err.type
        return "ok"

    def lua_script(self, i: int) -> str:
        slot = i % 10
        if slot < 4 or self.sid is None:
            call = 'Twilio.postMessage{To = "%(To)s", From = "%(From)s", Body = "%(Body)s"}' % SEND
        elif slot < 7:
            call = f'Twilio.getMessage{{MessageSid = "{self.sid}"}}'
        elif slot == 7:
            call = "Twilio.listMessage{PageSize = 5}"
        elif slot == 8:
            call = f'Twilio.getMessage{{MessageSid = "{MISSING}"}}'
        else:
            call = 'Twilio.postMessage{To = "not a number", Body = "x"}'
        return (
            f"local r, err = {call}\n"
            "if err then return {kind = err.type} end\n"
            "return {kind = 'ok', sid = r.sid}\n"
        )

    def pool_run(self, pool: Any, i: int) -> str:
        """One run through a BlockingScriptPool (its loop in its own thread)."""
        import asyncio

        from adapter.lua import LuaScriptError

        if i % 50 == 49:
            try:
                pool.run("local i = 0 while true do i = i + 1 end")
            except LuaScriptError as exc:
                return exc.kind
            return "?"
        if i % 20 == 19:
            async def cancelled() -> str:
                task = asyncio.ensure_future(pool.pool.execute(self.lua_script(i)))
                await asyncio.sleep(0)
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    return "cancelled"
                return "finished"

            return asyncio.run_coroutine_threadsafe(cancelled(), pool._loop).result()
        return self.lua_run(pool, i)

    def lua_run(self, host: Any, i: int) -> str:
        out = host.run(self.lua_script(i))
        if isinstance(out, dict) and out.get("sid"):
            self.sid = out["sid"]
        return out.get("kind", "?") if isinstance(out, dict) else "?"


def _tally(outcomes: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def phase(name: str, server: Server, calls: int, warmup: int, step: Any) -> dict[str, Any]:
    server.command("reset")  # connections are counted from here, warm-up included
    for i in range(warmup):
        step(i)
    before = snapshot()
    started, cpu = time.perf_counter(), time.process_time()
    outcomes = [step(i) for i in range(calls)]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = snapshot()
    stats = server.command("stats")
    return {
        "phase": name,
        "calls": calls,
        "seconds": round(elapsed, 3),
        "calls_per_second": round(calls / elapsed, 1),
        "client_cpu_ms_per_call": round(cpu * 1000 / calls, 3),
        "outcomes": _tally(outcomes),
        "before": before,
        "after": after,
        "rss_growth_kib": after["rss_kib"] - before["rss_kib"],
        "http_requests": stats["requests"],
        "connections_opened": stats["connections"],
    }


def threaded(server: Server, dispatcher: Any, threads: int, calls_per_thread: int, latency_ms: float) -> dict[str, Any]:
    from adapter.lua import LuaHost

    sid = dispatcher.call("postMessage", SEND)["sid"]
    script = f'local r, err = Twilio.getMessage{{MessageSid = "{sid}"}}\nreturn err and err.type or "ok"\n'
    hosts = [LuaHost(dispatcher, call_limit=None) for _ in range(threads)]
    for host in hosts:
        host.run("return 1")  # build each runtime before the clock starts
    server.command(f"latency {latency_ms}")
    server.command("reset")
    results: list[list[str]] = [[] for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def work(index: int) -> None:
        barrier.wait()
        for _ in range(calls_per_thread):
            results[index].append(hosts[index].run(script))

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    server.command("latency 0")
    stats = server.command("stats")
    calls = threads * calls_per_thread
    ideal = calls * latency_ms / 1000 / threads
    return {
        "phase": "threads",
        "threads": threads,
        "calls": calls,
        "latency_ms": latency_ms,
        "wall_seconds": round(wall, 3),
        "ideal_seconds": round(ideal, 3),
        "serial_seconds": round(calls * latency_ms / 1000, 3),
        "ratio": round(wall / ideal, 2),
        "outcomes": _tally([r for rs in results for r in rs]),
        "http_requests": stats["requests"],
        "connections_opened": stats["connections"],
    }


def run_pool(calls: int, warmup: int = 200) -> dict[str, Any]:
    from adapter import Dispatcher
    from adapter.lua import BlockingScriptPool

    baseline = snapshot()
    server = Server()
    report: dict[str, Any] = {"baseline": baseline, "phases": []}
    try:
        dispatcher = Dispatcher(server.account_sid, server.auth_token, base_url=server.base_url)
        mix = Mix()
        pool = BlockingScriptPool(dispatcher, processes=2, call_limit=None, instruction_limit=5_000_000)
        try:
            before_workers = workers()
            result = phase("pool", server, calls, warmup, lambda i: mix.pool_run(pool, i))
            result["workers_before"], result["workers_after"] = before_workers, workers()
            result["workers_started"] = pool.pool.workers_started
            report["phases"].append(result)
        finally:
            pool.close()
        dispatcher.close()
    finally:
        server.close()
    time.sleep(0.2)
    report["final"] = {**snapshot(), **workers()}
    return report


def run(calls: int, threads: int, calls_per_thread: int, latency_ms: float, warmup: int = 200,
        lua: bool = True) -> dict[str, Any]:
    from adapter import Dispatcher

    baseline = snapshot()
    server = Server()
    report: dict[str, Any] = {"baseline": baseline, "phases": []}
    try:
        dispatcher = Dispatcher(server.account_sid, server.auth_token, base_url=server.base_url,
                                pool_size=max(10, threads))
        mix = Mix()
        report["phases"].append(phase("dispatcher", server, calls, warmup, lambda i: mix.python_call(dispatcher, i)))  # noqa: F821 - called before the del below
        try:
            from adapter.lua import LuaHost
        except ImportError:
            lua = False
        if lua:
            host = LuaHost(dispatcher, call_limit=None)
            report["phases"].append(phase("luahost", server, calls, warmup, lambda i: mix.lua_run(host, i)))
            report["phases"].append(threaded(server, dispatcher, threads, calls_per_thread, latency_ms))
            del host
        dispatcher.close()
        del dispatcher
    finally:
        server.close()
    time.sleep(0.1)  # let finished threads be reaped
    report["final"] = snapshot()
    return report


def _print(report: dict[str, Any]) -> None:
    base = report["baseline"]
    print(f"baseline: RSS {base['rss_kib'] / 1024:.1f} MiB, {base['threads']} threads, {base['fds']} fds")
    for p in report["phases"]:
        if p["phase"] == "threads":
            print(
                f"threads: {p['threads']} LuaHosts x {p['calls'] // p['threads']} calls at {p['latency_ms']:.0f} ms: "
                f"wall {p['wall_seconds']:.2f} s, ideal {p['ideal_seconds']:.2f} s, serial {p['serial_seconds']:.2f} s, "
                f"ratio {p['ratio']:.2f}; connections {p['connections_opened']} for {p['http_requests']} requests; "
                f"{p['outcomes']}"
            )
            continue
        b, a = p["before"], p["after"]
        if "workers_before" in p:
            wb, wa = p["workers_before"], p["workers_after"]
            print(f"pool workers: {wb['workers']} -> {wa['workers']} alive ({p['workers_started']} started), "
                  f"RSS {wb['workers_rss_kib'] / 1024:.1f} -> {wa['workers_rss_kib'] / 1024:.1f} MiB")
        print(
            f"{p['phase']}: {p['calls']} calls in {p['seconds']:.1f} s ({p['calls_per_second']:.0f}/s, client CPU "
            f"{p['client_cpu_ms_per_call']:.2f} ms/call) {p['outcomes']}\n"
            f"  RSS {b['rss_kib'] / 1024:.1f} -> {a['rss_kib'] / 1024:.1f} MiB ({p['rss_growth_kib'] / 1024:+.1f}); "
            f"threads {b['threads']} -> {a['threads']}; fds {b['fds']} -> {a['fds']}; "
            f"connections opened {p['connections_opened']} for {p['http_requests']} HTTP requests"
        )
    final = report["final"]
    print(f"after close: RSS {final['rss_kib'] / 1024:.1f} MiB, {final['threads']} threads, {final['fds']} fds")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 operations per phase (CI)")
    parser.add_argument("--calls", type=int, help="operations per phase (default 10,000; 1,000 with --quick)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--calls-per-thread", type=int, help="default 25 (10 with --quick)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--no-lua", action="store_true")
    parser.add_argument("--pool", action="store_true", help="the mix as scripts through a ScriptPool")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(0)
        return 0
    calls = args.calls or (1_000 if args.quick else 10_000)
    per_thread = args.calls_per_thread or (10 if args.quick else 25)
    if args.pool:
        report = run_pool(calls)
    else:
        report = run(calls, args.threads, per_thread, args.latency_ms, lua=not args.no_lua)
    if args.json:
        print(json.dumps(report))
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
