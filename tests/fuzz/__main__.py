"""``python -m tests.fuzz --seconds 60``: feed LuaHost generated hostile programs (tests/fuzz/grammar.py) on both
engines for a fixed time, in a worker process. Fails (exit 1, the program printed) on a crash of the worker,
a hang (no answer well past the wall-clock limit), a Python exception out of LuaHost, a limit overshoot
(peak Lua heap over 110% of memory_limit, a run more than 0.5 s past its wall-clock limit, output over
output_limit) or a next run that is wrong. Prints the worst overshoot of each at the end."""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from .grammar import programs
from .worker import LIMITS

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ("luajit21", "lua51")
SLACK = 0.5  # seconds a run may go past its wall-clock limit


class _Stop(Exception):
    """Time is up, or something was found."""


class Driver:
    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds
        self.stderr = tempfile.TemporaryFile()
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.worker = subprocess.Popen([sys.executable, "-m", "tests.fuzz.worker"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=self.stderr, text=True, cwd=ROOT, env=env)
        self.runs = {engine: 0 for engine in ENGINES}
        self.kinds: dict[str, int] = {}
        self.worst = {"memory_ratio": 0.0, "wall_over_s": float("-inf"), "time_over_s": float("-inf"),
                      "output_bytes": 0, "elapsed_s": 0.0}
        self.failure: str | None = None

    def run(self, engine: str, source: str) -> None:
        if time.monotonic() > self.ends:
            raise _Stop
        assert self.worker.stdin is not None and self.worker.stdout is not None
        self.worker.stdin.write(json.dumps({"engine": engine, "source": source}) + "\n")
        self.worker.stdin.flush()
        wait = LIMITS["wall_clock_limit"] + 10
        ready, _, _ = select.select([self.worker.stdout], [], [], wait)
        if not ready:
            self.worker.kill()
            self.fail(engine, source, f"hang: no answer in {wait} s")
        line = self.worker.stdout.readline()
        if not line:
            code = self.worker.wait()
            self.fail(engine, source, f"crash: the worker died (exit status {code})")
        out = json.loads(line)
        self.runs[engine] += 1
        self.kinds[out["kind"]] = self.kinds.get(out["kind"], 0) + 1
        ratio = out["peak"] / LIMITS["memory_limit"]
        over = out["elapsed"] - LIMITS["wall_clock_limit"]
        self.worst["memory_ratio"] = max(self.worst["memory_ratio"], ratio)
        self.worst["wall_over_s"] = max(self.worst["wall_over_s"], over)
        self.worst["output_bytes"] = max(self.worst["output_bytes"], out["printed"])
        self.worst["elapsed_s"] = max(self.worst["elapsed_s"], out["elapsed"])
        if out["kind"].startswith("python:"):
            self.fail(engine, source, f"a Python exception escaped LuaHost: {out['kind']}")
        if ratio > 1.1:
            self.fail(engine, source, f"memory overshoot: peak heap {out['peak']} bytes = {ratio:.2f} x limit")
        if out["kind"] == "time_limit":
            # Wall time of a run stopped for its Lua time: an upper bound of how far the last C call ran past.
            time_over = out["elapsed"] - LIMITS["time_limit"]
            self.worst["time_over_s"] = max(self.worst["time_over_s"], time_over)
            if time_over > SLACK:
                self.fail(engine, source, f"time overshoot: stopped {time_over:.2f} s past the time limit")
        if over > SLACK:
            self.fail(engine, source, f"time overshoot: {out['elapsed']:.2f} s against a wall clock limit of "
                                      f"{LIMITS['wall_clock_limit']} s")
        if out["printed"] > LIMITS["output_limit"]:
            self.fail(engine, source, f"output overshoot: {out['printed']} bytes")
        if out["next"] != 2:
            self.fail(engine, source, f"the next run was wrong: {out['next']!r}")

    def fail(self, engine: str, source: str, what: str) -> None:
        self.failure = f"{what}\nengine: {engine}\nprogram:\n{source}"
        raise _Stop

    def close(self) -> str:
        if self.worker.poll() is None:
            assert self.worker.stdin is not None
            self.worker.stdin.close()
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.worker.kill()
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-3000:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to generate programs (default 60)")
    args = parser.parse_args(argv)
    driver = Driver(args.seconds)
    started = time.monotonic()

    @settings(max_examples=10**9, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(source=programs(), engine=st.sampled_from(ENGINES))
    def fuzz(source: str, engine: str) -> None:
        driver.run(engine, source)

    try:
        fuzz()
    except _Stop:
        pass
    log = driver.close()
    total = sum(driver.runs.values())
    print(f"fuzz: {total} programs in {time.monotonic() - started:.0f} s ({driver.runs}); outcomes {driver.kinds}")
    print("fuzz: worst: peak heap {memory_ratio:.3f} x memory_limit, stopped {time_over_s:+.3f} s past the time "
          "limit, wall clock {wall_over_s:+.3f} s past its limit, output {output_bytes} bytes, longest run "
          "{elapsed_s:.2f} s".format(**driver.worst))
    if driver.failure is not None:
        print("fuzz: FAILED: " + driver.failure)
        if log:
            print("worker's standard error (end):\n" + log)
        return 1
    if total == 0:
        print("fuzz: FAILED: no program ran")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
