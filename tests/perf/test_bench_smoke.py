"""bench/run.py still runs end to end (one round): every contender answers correctly. No timing is asserted;
the figures themselves are for people to read (bench/README.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runs_and_prints_every_row_and_target(tmp_path: Path) -> None:
    pytest.importorskip("twilio")
    out = tmp_path / "figures.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--rounds", "1", "--cold-runs", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for row in ("http.client (floor)", "requests.Session", "twilio SDK", "Dispatcher.call", "Lua via LuaHost",
                "json.loads(body) alone", "cold start"):
        assert row in proc.stdout
    verdicts = [line.split()[0] for line in proc.stdout.splitlines() if line.startswith(("PASS", "FAIL", "n/a"))]
    assert len(verdicts) == 5, proc.stdout
    import json

    figures = json.loads(out.read_text())
    assert figures["us_per_call"]["post/dispatcher"] > 0
