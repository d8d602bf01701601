"""``twilio-lua run SCRIPT.lua``: run an endpoint script written for the original platform.

The script gets the platform's globals: ``request`` (``request.body``, ``request.parameters``... from
``--request FILE.json``, empty by default) and ``response`` (set ``response.message`` and optionally
``response.code``). The script's return value, or else ``response.message``, is printed as JSON on standard
output; Lua ``print`` goes to standard error.

Target: ``--live`` (api.twilio.com) or ``--base-url URL`` when given, otherwise the embedded simulator,
started in-process with its test credentials (see :mod:`adapter.cli.targets`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from ..client.errors import TwilioError
from ..lua.errors import LuaScriptError
from ..lua.host import DEFAULT_INSTRUCTION_LIMIT, DEFAULT_MEMORY_LIMIT, DEFAULT_TIME_LIMIT, ENGINES, LuaHost
from .targets import TargetError, add_target_arguments, open_target

__all__ = ["EXIT_FAILED", "EXIT_OK", "add_arguments", "run"]

EXIT_OK = 0
EXIT_FAILED = 2


class _Failed(Exception):
    """A one-line reason to stop with EXIT_FAILED."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``run`` subcommand's arguments to ``parser``."""
    parser.add_argument("script", metavar="SCRIPT.lua", help="the Lua script to run")
    parser.add_argument("--request", metavar="FILE", help="JSON file with the request table (body, parameters...)")
    add_target_arguments(parser)
    parser.add_argument("--engine", choices=ENGINES, default="luajit21", help="Lua engine (default: luajit21)")
    parser.add_argument("--memory-limit", type=int, default=DEFAULT_MEMORY_LIMIT, metavar="BYTES",
                        help=argparse.SUPPRESS)
    parser.add_argument("--instruction-limit", type=int, default=DEFAULT_INSTRUCTION_LIMIT, metavar="N",
                        help=argparse.SUPPRESS)
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                        help=argparse.SUPPRESS)


def run(args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None,
        environ: Mapping[str, str] | None = None) -> int:
    """Run ``args.script``; return the exit status (0 when the script completed, 2 when it failed)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    env = os.environ if environ is None else environ
    try:
        source = _read_script(args.script)
        request = _read_request(getattr(args, "request", None))
        with open_target(args, environ=env, notices=err) as dispatcher:
            host = LuaHost(
                dispatcher,
                engine=getattr(args, "engine", "luajit21"),
                memory_limit=getattr(args, "memory_limit", DEFAULT_MEMORY_LIMIT),
                instruction_limit=getattr(args, "instruction_limit", DEFAULT_INSTRUCTION_LIMIT),
                time_limit=getattr(args, "time_limit", DEFAULT_TIME_LIMIT),
                print=lambda line: print(line, file=err, flush=True),
            )
            result = host.execute(
                source,
                name=Path(args.script).name,
                globals={"request": request, "response": {}},
                capture=("response",),
            )
    except (_Failed, TargetError) as exc:
        print(f"twilio-lua: {exc}", file=err)
        return EXIT_FAILED
    except LuaScriptError as exc:
        print(f"twilio-lua: {exc.kind}: {_one_line(str(exc))}", file=err)
        return EXIT_FAILED
    except TwilioError as exc:  # configuration problems found before the script ran
        print(f"twilio-lua: {exc.type}: {_one_line(exc.error)}", file=err)
        return EXIT_FAILED
    value = result.value
    if value is None:
        response = result.globals.get("response")
        value = response.get("message") if isinstance(response, dict) else None
    print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str), file=out)
    return EXIT_OK


def _read_script(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise _Failed(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_request(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise _Failed(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise _Failed(f"{path} is not valid JSON: {_one_line(str(exc))}") from None
    if not isinstance(data, dict):
        raise _Failed(f"{path} must hold a JSON object (the request table)")
    return data


def _one_line(text: str) -> str:
    return " ".join(text.split())
