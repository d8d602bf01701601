"""The quick mode of bench/load.py in CI: sustained use leaks nothing and reuses connections, and parallel
scripts overlap. Bounds are generous and functional; nothing here is a speed target."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load.py"
CALLS = 1_000
WARMUP = 200


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(LOAD), "--quick", "--json"], capture_output=True, text=True, timeout=300,
        cwd=str(LOAD.parents[1]),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _phase(report: dict[str, Any], name: str) -> dict[str, Any]:
    found = [p for p in report["phases"] if p["phase"] == name]
    if not found:
        pytest.skip(f"the {name} phase did not run (adapter.lua missing?)")
    return found[0]


@pytest.mark.parametrize("name", ["dispatcher", "luahost"])
def test_sustained_calls_leak_nothing(report: dict[str, Any], name: str):
    phase = _phase(report, name)
    assert phase["calls"] == CALLS
    # Every call ended as a result or the error object its slot in the mix calls for.
    assert phase["outcomes"] == {"ok": CALLS * 8 // 10, "api": CALLS // 10, "validation": CALLS // 10}
    # Invalid calls sent nothing: 9 requests per 10 calls, warm-up included.
    assert phase["http_requests"] == (CALLS + WARMUP) * 9 // 10
    before, after = phase["before"], phase["after"]
    assert phase["rss_growth_kib"] < 32 * 1024, f"RSS grew {phase['rss_growth_kib']} KiB over {CALLS} calls"
    assert after["threads"] == before["threads"]
    assert after["fds"] <= before["fds"] + 2
    # One pooled keep-alive connection serves the sequential calls.
    assert phase["connections_opened"] <= 5, phase


def test_nothing_left_behind_after_close(report: dict[str, Any]):
    base, final = report["baseline"], report["final"]
    assert final["threads"] == base["threads"]
    assert final["fds"] <= base["fds"] + 2


def test_parallel_scripts_do_not_serialize(report: dict[str, Any]):
    phase = _phase(report, "threads")
    assert phase["outcomes"] == {"ok": phase["calls"]}
    assert phase["http_requests"] == phase["calls"]
    assert phase["connections_opened"] <= phase["threads"]
    # Functional bound from the issue: well under the fully serialized time (ratio == threads).
    assert phase["wall_seconds"] < phase["ideal_seconds"] * 2.5, phase
