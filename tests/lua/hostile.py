"""Child-process runner for hostile scripts.

``python -m tests.lua.hostile --serve`` imports everything once, then for each JSON line on standard input
forks a child that runs one script and answers one JSON line on standard output; a child that dies (segfault,
Lua PANIC) or runs past ``deadline`` seconds is reported as ``{"crashed": ...}``. Forking from a process that
has done the imports makes each script's own process cheap (a few milliseconds), so the corpus stays fast.

The JSON names the engine, the script, LuaHost options, and whether a simulator is needed. The child runs the
script once, samples the Lua heap while it runs, then runs a second, ordinary script in the same LuaHost, and
prints one JSON line: what the first run raised, how long it took, the peak heap seen, the host's memory
growth, what the simulator received, and what the second run returned. A crash of the child (segfault,
PANIC/abort) is then a failed test in the parent rather than a dead pytest.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import threading
import time
from typing import Any


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(spec: dict[str, Any]) -> dict[str, Any]:
    from adapter import Dispatcher
    from adapter.lua import LuaHost, LuaScriptError
    from adapter.simulator import Simulator, Timings

    printed = [0, 0]  # lines, bytes

    def collect(line: str) -> None:
        printed[0] += 1
        printed[1] += len(line.encode()) + 1

    simulator = None
    if spec.get("simulator"):
        simulator = Simulator(port=0, timings=Timings(0, 0, 0, 0, 0, 0, 0))
        simulator.start()
        dispatcher = Dispatcher(simulator.account_sid, simulator.auth_token, base_url=simulator.base_url,
                                max_retries=0, environ={})
    else:
        dispatcher = Dispatcher("AC" + "0" * 32, "hostile-test-token", base_url=spec.get("base_url",
                                "http://127.0.0.1:9"), max_retries=0, environ={}, timeout=spec.get("timeout", 5.0))
    host = LuaHost(dispatcher, engine=spec["engine"], print=collect, **spec.get("options", {}))
    for setup in spec.get("before", []):
        host.run(setup)
    host.run("return 1")  # build the runtime, so the sampler sees the script's heap from the start
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            runtime = host._runtime
            if runtime is not None:
                used = runtime.get_memory_used() or 0
                peak[0] = max(peak[0], used)
            time.sleep(0.0005)

    sampler = threading.Thread(target=sample, daemon=True)
    rss_before = _rss_mib()
    sampler.start()
    started = time.monotonic()
    cpu = time.process_time()
    try:
        value = host.run(spec["source"], name="hostile")
        outcome = {"kind": "ok", "value": value if len(json.dumps(value, default=str)) < 2000 else "(large)"}
    except LuaScriptError as exc:
        outcome = {"kind": exc.kind, "message": str(exc)[:500]}
    except BaseException as exc:  # noqa: BLE001 - anything else is what the parent asserts against
        outcome = {"kind": "python:" + type(exc).__name__, "message": str(exc)[:500]}
    elapsed = time.monotonic() - started
    cpu = time.process_time() - cpu
    done.set()
    sampler.join()
    outcome.update(elapsed=elapsed, cpu=cpu, peak_heap=peak[0], rss_growth_mib=_rss_mib() - rss_before,
                   printed_lines=printed[0], printed_bytes=printed[1], memory_limit=host.memory_limit,
                   runtimes_built=host.runtimes_built)
    if simulator is not None:
        outcome["requests"] = len(simulator.requests)
        outcome["request_users"] = sorted({r.username or "" for r in simulator.requests})
    try:
        outcome["next"] = host.run(spec.get("after", "return 1 + 1"))
    except BaseException as exc:  # noqa: BLE001
        outcome["next"] = f"{type(exc).__name__}: {exc}"
    if simulator is not None:
        simulator.stop()
    return outcome


def _serve() -> None:
    import adapter.lua  # noqa: F401 - imported once, before forking
    import adapter.simulator  # noqa: F401

    for line in sys.stdin:
        spec = json.loads(line)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                answer = json.dumps(main(spec), default=str).encode()
            except BaseException as exc:  # noqa: BLE001
                answer = json.dumps({"kind": "python:" + type(exc).__name__, "message": str(exc)[:500]}).encode()
            os.write(write_end, answer)
            os._exit(0)
        os.close(write_end)
        deadline = time.monotonic() + float(spec.get("deadline", 60))
        status = None
        while status is None:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = code
            elif time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                status = "hang"
            else:
                time.sleep(0.005)
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        if status == "hang":
            result: dict[str, Any] = {"crashed": f"no answer in {spec.get('deadline', 60)} s"}
        elif os.WIFSIGNALED(status) or os.WEXITSTATUS(status) != 0 or not data:
            how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}")
            result = {"crashed": how}
        else:
            result = json.loads(data)
        sys.stdout.write(json.dumps(result, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        _serve()
    else:
        print(json.dumps(main(json.loads(sys.stdin.read())), default=str), flush=True)
