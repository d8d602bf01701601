"""Where a command-line simulator keeps its records, and what it starts with.

``twilio-lua call``, ``run`` and ``simulate`` share one default state file under the user's state
directory (``$XDG_STATE_HOME``, default ``~/.local/state``), so what one command creates the next one
finds. A new state starts with the default account's history (:mod:`.history`); ``--fresh`` starts over
from that history, ``--empty`` from nothing, and ``--state :memory:`` keeps records for one process only.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .history import DEFAULT_HISTORY
from .server import Simulator

__all__ = [
    "MEMORY", "StateError", "add_state_arguments", "default_state_path", "describe", "open_simulator", "state_path",
]

MEMORY = ":memory:"
_FOLDER = "twilio-lua-adapter"
_FILE = "simulator.sqlite"


class StateError(Exception):
    """The state cannot be opened; the message is one line for the user."""


def default_state_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_STATE_HOME/twilio-lua-adapter/simulator.sqlite`` (``~/.local/state`` when unset)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME", "")
    # The XDG specification says a relative path in these variables is invalid and must be ignored.
    if not base or not os.path.isabs(base):
        home = env.get("HOME") or os.path.expanduser("~")
        base = os.path.join(home, ".local", "state")
    return Path(base) / _FOLDER / _FILE


def add_state_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--state", metavar="PATH",
        help=f"SQLite file the simulator keeps its records in (default: $XDG_STATE_HOME/{_FOLDER}/{_FILE}, "
        f"shared by call, run and simulate; {MEMORY} keeps them for this process only)",
    )
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--fresh", action="store_true",
                       help="forget the simulator's records and start again from the default history")
    start.add_argument("--empty", action="store_true", help="forget the simulator's records and start with none")


def state_path(args: argparse.Namespace) -> Path | None:
    """The state file the flags name (None for ``:memory:``); the default one's folder is created. It follows
    this process's environment (``environ`` arguments elsewhere are for credentials, not for where files go).
    The command line's host services (the Keystore) keep their data in the same file."""
    state = getattr(args, "state", None)
    if state == MEMORY:
        return None
    if state:
        path = Path(state).expanduser()
        if path.is_dir():
            raise StateError(f"--state {state}: is a directory, not a file")
        return path
    path = default_state_path()
    try:
        # Private to the user: a state file holds every message body the simulator was sent.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StateError(f"cannot create {path.parent}: {exc.strerror or exc} (give --state PATH)") from None
    return path


def open_simulator(args: argparse.Namespace, **options: Any) -> Simulator:
    """A (not yet started) Simulator on the state the flags name, its default account initialised."""
    state = getattr(args, "state", None)
    empty = bool(getattr(args, "empty", False))
    fresh = bool(getattr(args, "fresh", False)) or empty
    path = state_path(args)
    try:
        return Simulator(state_path=path, history=() if empty else DEFAULT_HISTORY, fresh=fresh, **options)
    except sqlite3.Error as exc:
        where = state if state else str(path)
        raise StateError(f"cannot use {where} as the simulator's state: {exc}") from None
    except OSError as exc:
        raise StateError(f"cannot open {state or path}: {exc.strerror or exc}") from None


def describe(args: argparse.Namespace) -> str:
    """Where the records are, for a one-line notice."""
    state = getattr(args, "state", None)
    if state == MEMORY:
        return "records in memory"
    return f"records in {state or default_state_path()}"
