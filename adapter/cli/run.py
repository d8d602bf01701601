"""``twilio-lua run SCRIPT.lua``: run a script written for the original platform.

The script gets the platform's globals: ``request`` (``method``, ``path``, ``parameters``, ``headers``,
``body``; from ``--request FILE.json`` and the chosen endpoint), ``response`` (set ``response.message``, or
replace the whole table), ``data`` (the event of ``--event FILE.json``), ``to_json``/``from_json``, the
``Twilio`` table and the host services (``Keystore``, and those of ``--services``). In a file with
``--#ENDPOINT`` sections, ``--endpoint "POST /sms"`` (or ``--path``) picks one section. The script's return
value, or else the response message, is printed as JSON on standard output; Lua ``print`` goes to standard
error.

Target: ``--live`` (api.twilio.com) or ``--base-url URL`` when given, otherwise the embedded simulator,
started in-process with its test credentials (see :mod:`adapter.cli.targets`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from ..client.errors import TwilioError
from ..lua.errors import LuaScriptError
from ..lua.host import (
    DEFAULT_INSTRUCTION_LIMIT,
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIME_LIMIT,
    ENGINES,
    MIN_INSTRUCTION_LIMIT,
    MIN_MEMORY_LIMIT,
    LuaHost,
)
from ..lua.platform import (
    Endpoint,
    EndpointError,
    find_route,
    load_endpoints,
    make_request,
    response_message,
    split_route,
)
from ..lua.pool import BlockingScriptPool
from ..lua.services import check_service_name, service_operations
from .flags import int_at_least, positive_float
from .targets import TargetError, add_target_arguments, open_keystore, open_target
from .terminal import escape_controls, escape_json_controls

__all__ = ["EXIT_FAILED", "EXIT_OK", "add_arguments", "add_script_arguments", "host_options", "load_preload",
           "load_services", "run"]

EXIT_OK = 0
EXIT_FAILED = 2


class _Failed(Exception):
    """A one-line reason to stop with EXIT_FAILED."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``run`` subcommand's arguments to ``parser``."""
    parser.add_argument("script", metavar="SCRIPT.lua",
                        help="the Lua script to run (a file, with or without --#ENDPOINT sections, or an endpoints "
                             "folder)")
    parser.add_argument("--request", metavar="FILE", help="JSON file with the request table (body, parameters...)")
    parser.add_argument("--endpoint", metavar="ROUTE",
                        help='run one --#ENDPOINT section: "POST /sms", or a concrete path "GET /keystore/key/abc"')
    parser.add_argument("--path", metavar="PATH",
                        help="the request path (and query); fills request.parameters from the route's {names}")
    parser.add_argument("--event", metavar="FILE", help="JSON file with the event: the global `data` of a handler")
    parser.add_argument("--isolated", action="store_true",
                        help="run the script in a worker process that holds no credentials (a ScriptPool of one)")
    add_script_arguments(parser)


def add_script_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments ``run`` and ``serve`` share: modules, services, target, engine and limits."""
    parser.add_argument("--preload", metavar="FILE.lua", action="append", default=[],
                        help="a Lua module to run first in the script's environment (repeatable)")
    parser.add_argument("--services", metavar="MODULE:ATTR", action="append", default=[],
                        help="a Python mapping of service names to objects offered to scripts (repeatable)")
    add_target_arguments(parser)
    sandbox = parser.add_argument_group("sandbox")
    sandbox.add_argument("--engine", choices=ENGINES, default="luajit21", help="Lua engine (default: luajit21)")
    sandbox.add_argument("--memory-limit", type=int_at_least(MIN_MEMORY_LIMIT, "1 MiB"), default=DEFAULT_MEMORY_LIMIT,
                         metavar="BYTES", help=f"memory the script may use (default: {DEFAULT_MEMORY_LIMIT}, at least "
                         f"{MIN_MEMORY_LIMIT})")
    sandbox.add_argument("--instruction-limit", type=int_at_least(MIN_INSTRUCTION_LIMIT), metavar="N",
                         default=DEFAULT_INSTRUCTION_LIMIT,
                         help=f"Lua instructions the script may run (default: {DEFAULT_INSTRUCTION_LIMIT}, at least "
                         f"{MIN_INSTRUCTION_LIMIT})")
    sandbox.add_argument("--time-limit", type=positive_float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                         help=f"wall-clock time the script may take, waiting on Twilio included "
                         f"(default: {DEFAULT_TIME_LIMIT:g})")


def host_options(args: argparse.Namespace) -> dict[str, Any]:
    """LuaHost keyword arguments from the engine and limit flags."""
    return {
        "engine": getattr(args, "engine", "luajit21"),
        "memory_limit": getattr(args, "memory_limit", DEFAULT_MEMORY_LIMIT),
        "instruction_limit": getattr(args, "instruction_limit", DEFAULT_INSTRUCTION_LIMIT),
        "time_limit": getattr(args, "time_limit", DEFAULT_TIME_LIMIT),
    }


def run(args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None,
        environ: Mapping[str, str] | None = None) -> int:
    """Run ``args.script``; return the exit status (0 when the script completed, 2 when it failed)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    env = os.environ if environ is None else environ
    try:
        source, chunk, request, modules = _choose(args)
        event = _read_event(getattr(args, "event", None))
        preload = modules + load_preload(getattr(args, "preload", []))
        services = load_services(getattr(args, "services", []))
        with open_target(args, environ=env, notices=None if getattr(args, "quiet", False) else err) as dispatcher:
            show = lambda line: print(escape_controls(line), file=err, flush=True)  # noqa: E731
            script_globals = {"request": request, "response": {}, "data": event}
            if "Keystore" not in services:
                services["Keystore"] = open_keystore(args)
            if getattr(args, "isolated", False):
                # A pool of one worker process: no credentials in it, a crash of Lua cannot take this one down.
                # Services stay here; the worker's calls of them come back to this process.
                with BlockingScriptPool(dispatcher, processes=1, print=show, services=services,
                                        **host_options(args)) as pool:
                    result = pool.execute(source, name=chunk, globals=script_globals, capture=("response",),
                                          preload=preload)
            else:
                try:
                    host = LuaHost(dispatcher, services=services, print=show, **host_options(args))
                except ValueError as exc:  # a limit outside what the sandbox accepts, named as its flag
                    raise _Failed(re.sub(r"\b(\w+)_limit\b", lambda m: f"--{m.group(1)}-limit", str(exc))) from None
                result = host.execute(
                    source,
                    name=chunk,
                    globals=script_globals,
                    capture=("response",),
                    preload=preload,
                )
    except (_Failed, TargetError, EndpointError) as exc:
        print(f"twilio-lua: {escape_controls(str(exc), keep_lines=False)}", file=err)
        return EXIT_FAILED
    except LuaScriptError as exc:
        print(f"twilio-lua: {exc.kind}: {escape_controls(_one_line(str(exc)), keep_lines=False)}", file=err)
        return EXIT_FAILED
    except TwilioError as exc:  # configuration problems found before the script ran
        print(f"twilio-lua: {exc.type}: {escape_controls(_one_line(exc.error), keep_lines=False)}", file=err)
        return EXIT_FAILED
    value = response_message(result.value, result.globals.get("response"), replaced="response" in result.replaced)
    # JSON escapes C0 controls itself; C1 controls and bidirectional marks are escaped here.
    print(escape_json_controls(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)), file=out)
    return EXIT_OK


def _choose(args: argparse.Namespace) -> tuple[bytes, str, dict[str, Any], list[tuple[bytes, str]]]:
    """The source to run, its chunk name, the request table and the solution's modules (a folder's
    ``modules/``), to run first."""
    script = args.script
    route = getattr(args, "endpoint", None)
    path = getattr(args, "path", None)
    if path is not None and not path.startswith("/"):
        raise _Failed(f"--path must start with /, got {path!r}")
    modules: list[tuple[bytes, str]] = []
    if Path(script).is_dir():
        endpoints, _, modules = load_endpoints([script])
        plain = None
    else:
        source = _read_script(script)
        endpoints, plain_files, _ = load_endpoints([script])
        plain = source if plain_files else None
    given = _read_request(getattr(args, "request", None))
    if plain is not None:
        if route:
            raise _Failed(f"{script} has no --#ENDPOINT sections; run it without --endpoint")
        method = str(given.get("method") or "POST")
        request = _merge(make_request(method, path or "/"), given, {})
        return plain, Path(script).name, request, []
    if not endpoints:
        raise _Failed(f"{script} holds no endpoints (no --#ENDPOINT sections, no <path>.<method>.lua files)")
    endpoint, params, target = _select(script, endpoints, route, path)
    request = _merge(make_request(endpoint.method, target, params=params, route=endpoint.route), given, params)
    return endpoint.source, endpoint.chunk, request, modules


def _select(script: str, endpoints: list[Endpoint], route: str | None,
            path: str | None) -> tuple[Endpoint, dict[str, str], str]:
    routes = "; routes: " + ", ".join(e.route for e in endpoints)
    if route:
        method, route_path = split_route(route)
        found = find_route(endpoints, method, route_path.split("?", 1)[0])
        if found is None:
            raise _Failed(f"no endpoint in {script} matches {method} {route_path}{routes}")
        endpoint, params = found
        target = path or route_path
        if path is not None:
            params_of_path = endpoint.match(path.split("?", 1)[0])
            if params_of_path is None:
                raise _Failed(f"--path {path} does not match the route {endpoint.route}")
            params = params_of_path
        elif params == {} and "{" in endpoint.path:
            target = route_path  # the route as written: its parameters stay unset
        return endpoint, params, target
    if path is not None:
        matches = [(e, p) for e in endpoints if (p := e.match(path.split("?", 1)[0])) is not None]
        if len(matches) != 1:
            what = "no endpoint" if not matches else f"{len(matches)} endpoints (add --endpoint)"
            raise _Failed(f"{what} in {script} for --path {path}{routes}")
        return matches[0][0], matches[0][1], path
    if len(endpoints) == 1:
        return endpoints[0], {}, endpoints[0].path
    raise _Failed(f"{script} has {len(endpoints)} endpoints; choose one with --endpoint \"METHOD /path\"{routes}")


def _merge(request: dict[str, Any], given: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    """The default request with the fields of ``--request`` on top; path parameters always win."""
    merged = dict(request)
    for key, value in given.items():
        if key == "parameters" and isinstance(value, dict):
            merged["parameters"] = {**request.get("parameters", {}), **value, **params}
        elif key == "headers" and isinstance(value, dict):
            merged["headers"] = {str(k).lower(): v for k, v in value.items()}
        else:
            merged[key] = value
    if merged.get("body") is None:
        merged["body"] = {}
    return merged


def load_preload(paths: list[str]) -> list[tuple[bytes, str]]:
    """The ``--preload`` modules as ``(source, chunk name)``."""
    return [(_read_script(path), Path(path).name) for path in paths]


def load_services(specs: list[str]) -> dict[str, Any]:
    """Services from ``--services module:attr`` (a mapping, or a callable returning one); the module is
    imported from the current directory or the Python path."""
    import importlib

    services: dict[str, Any] = {}
    for spec in specs:
        module_name, sep, attribute = spec.partition(":")
        if not sep or not module_name or not attribute:
            raise _Failed(f"--services expects MODULE:ATTR (as in myhost.services:SERVICES), got {spec!r}")
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise _Failed(f"--services {spec}: cannot import {module_name}: {_one_line(str(exc))}") from None
        except Exception as exc:  # noqa: BLE001 - the user's module failed while importing
            raise _Failed(f"--services {spec}: importing {module_name} failed: {type(exc).__name__}: "
                          f"{_one_line(str(exc))}") from None
        value: Any = module
        for part in attribute.split("."):
            if not hasattr(value, part):
                raise _Failed(f"--services {spec}: {module_name} has no attribute {attribute}")
            value = getattr(value, part)
        if callable(value) and not isinstance(value, Mapping):
            try:
                value = value()
            except Exception as exc:  # noqa: BLE001 - the user's factory failed
                raise _Failed(f"--services {spec}: calling it failed: {type(exc).__name__}: "
                              f"{_one_line(str(exc))}") from None
        if not isinstance(value, Mapping):
            raise _Failed(f"--services {spec} must name a mapping of service names to objects (or a function "
                          f"returning one), not a {type(value).__name__}")
        for name, service in value.items():
            try:
                check_service_name(name)
                service_operations(name, service)
            except ValueError as exc:
                raise _Failed(f"--services {spec}: {exc}") from None
            services[name] = service
    return services


def _read_event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    data = _read_json(path)
    if not isinstance(data, dict):
        raise _Failed(f"{path} must hold a JSON object (the event, the global `data`)")
    return data


def _read_script(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise _Failed(f"cannot read {path}: {exc.strerror or exc}") from None


def _read_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise _Failed(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise _Failed(f"{path} is not valid JSON: {_one_line(str(exc))}") from None


def _read_request(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    data = _read_json(path)
    if not isinstance(data, dict):
        raise _Failed(f"{path} must hold a JSON object (the request table)")
    return data


def _one_line(text: str) -> str:
    return " ".join(text.split())
