"""The core modules must at least compile on the oldest Python that pyproject.toml admits."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _oldest_python() -> tuple[int, int]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'requires-python\s*=\s*">=\s*(\d+)\.(\d+)', text)
    assert match, "pyproject.toml names no minimum Python"
    return int(match.group(1)), int(match.group(2))


def _interpreter(version: tuple[int, int]) -> str | None:
    name = "python%d.%d" % version
    candidates = [shutil.which(name)]
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates += sorted(glob.glob(os.path.join(pyenv, "versions", "%d.%d.*" % version, "bin", name)))
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                                 text=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode == 0 and out.stdout.strip() == str(version):
            return candidate
    return None


def test_core_modules_compile_on_the_oldest_supported_python() -> None:
    version = _oldest_python()
    python = _interpreter(version)
    if python is None:
        pytest.skip("no Python %d.%d interpreter on this machine" % version)
    files = [str(path) for path in sorted((ROOT / "adapter").rglob("*.py"))]
    script = "import sys\nfor f in sys.argv[1:]:\n    compile(open(f, encoding='utf-8').read(), f, 'exec')\n"
    out = subprocess.run([python, "-c", script, *files], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
