"""The fuzz job's worker: one LuaHost per engine, fed programs line by line (JSON on standard input), answering
one JSON line each with what the run raised, its wall time, the peak Lua heap seen while it ran, and what it
printed. A crash of this process is what the driver looks for."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

LIMITS = {
    "memory_limit": 16 * 1024 * 1024,
    "instruction_limit": 20_000_000,
    "time_limit": 1.0,
    "wall_clock_limit": 2.0,
    "call_limit": 20,
    "output_limit": 256 * 1024,
    "result_limit": 1024 * 1024,
}


def main() -> None:
    from adapter import Dispatcher
    from adapter.lua import LuaHost, LuaScriptError
    from adapter.simulator import Simulator, Timings

    printed = [0]

    def collect(line: str) -> None:
        printed[0] += len(line.encode()) + 1

    with Simulator(port=0, timings=Timings(0, 0, 0, 0, 0, 0, 0)) as sim:
        dispatcher = Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, max_retries=0, environ={})
        hosts = {engine: LuaHost(dispatcher, engine=engine, print=collect, **LIMITS)
                 for engine in ("luajit21", "lua51")}
        current: list[Any] = [None]
        peak = [0]
        running = threading.Event()

        def sample() -> None:
            while True:
                running.wait()
                host = current[0]
                runtime = host._runtime if host is not None else None
                if runtime is not None:
                    peak[0] = max(peak[0], runtime.get_memory_used() or 0)
                time.sleep(0.0005)

        threading.Thread(target=sample, daemon=True).start()
        for line in sys.stdin:
            job = json.loads(line)
            host = hosts[job["engine"]]
            host.run("return 1")  # a runtime exists before the sampler starts
            printed[0], peak[0] = 0, 0
            current[0] = host
            running.set()
            started = time.monotonic()
            try:
                host.run(job["source"], name="fuzz")
                kind = "ok"
            except LuaScriptError as exc:
                kind = exc.kind
            except Exception as exc:  # noqa: BLE001 - the driver reports it
                kind = f"python:{type(exc).__name__}: {exc}"
            elapsed = time.monotonic() - started
            running.clear()
            after = host.run("return 1 + 1")
            sys.stdout.write(json.dumps({"kind": kind, "elapsed": elapsed, "peak": peak[0], "printed": printed[0],
                                         "next": after}) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
