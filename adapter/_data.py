"""Where the spec and the Lua modules are read from.

They live in the checkout's top-level ``specs/`` and ``lua/`` folders and ship in the wheel as the data
packages ``adapter.specs`` and ``adapter.lua.modules``. Running from a checkout without installing it
(``python -m adapter`` at the root) has no such packages, so the folders are found next to ``adapter/``.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

__all__ = ["data_directory", "read_data"]

_PACKAGES = {"specs": "adapter.specs", "lua": "adapter.lua.modules"}


def data_directory(kind: str) -> Path:
    """The folder holding ``kind``'s files (``"specs"`` or ``"lua"``): the checkout's own folder when the
    package runs from one (so a worktree never reads another checkout's spec through an editable
    install's mapping), otherwise the installed data package."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / kind).is_dir():
        return checkout / kind
    package = _PACKAGES[kind]
    try:
        module = importlib.import_module(package)
    except ImportError:
        module = None
    if module is not None and module.__file__:
        return Path(os.path.dirname(module.__file__))
    return Path(__file__).resolve().parent.parent / kind


def read_data(kind: str, name: str) -> str:
    return (data_directory(kind) / name).read_text(encoding="utf-8")
