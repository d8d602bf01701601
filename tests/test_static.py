"""Static checks: mypy over the package (strict, pyproject.toml) and over a user's scripts that call the
generated typed methods, and ruff over the repository. One mypy process for both, with its cache in tmp."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GOOD = '''\
from adapter import Dispatcher
from adapter.client.operations import AsyncOperations

message = Dispatcher().postMessage(To="+15558675310", Body="Pump 3 overheated")
sid: str = message["sid"]
page = Dispatcher().listMessage({"DateSent>": "2026-11-01"}, PageSize=20)
Dispatcher().deleteCall(CallSid="CA" + "0" * 32)


async def send(d: AsyncOperations) -> str:
    sent = await d.postMessage(To="+15558675310", Body="hi", MediaUrl=["https://example.com/a.png"])
    return str(sent["sid"])
'''

# Each line is one mistake mypy must report.
BAD = '''\
from adapter import Dispatcher
from adapter.client.operations import AsyncOperations
Dispatcher().postMesage(To="+15558675310", Body="hi")
Dispatcher().postMessage(To="+15558675310", body="hi")
Dispatcher().postMessage(Body="hi")
Dispatcher().listMessage(PageSize="20")
Dispatcher().listCall(Status="finished")
x: int = Dispatcher().deleteCall(CallSid="CA" + "0" * 32)
async def send(d: AsyncOperations) -> None: await d.postMesage(To="+15558675310", Body="hi")
'''


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *args], capture_output=True, text=True, timeout=600,
                          cwd=ROOT)


def test_mypy_passes_on_the_package_and_sees_the_typed_operations(tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "good.py").write_text(GOOD)
    (scripts / "bad.py").write_text(BAD)
    done = _mypy("--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache"),
                 "adapter", str(scripts / "good.py"), str(scripts / "bad.py"))
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    elsewhere = [line for line in errors if not re.match(r".*bad\.py:\d+: error:", line)]
    assert not elsewhere, done.stdout  # the package and good.py type-check
    lines = {int(re.match(r".*bad\.py:(\d+):", line).group(1)) for line in errors}  # type: ignore[union-attr]
    assert lines == set(range(3, 10)), done.stdout
    assert 'has no attribute "postMesage"' in done.stdout


def test_ruff_passes() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
