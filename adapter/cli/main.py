"""The ``twilio-lua`` command line: ``ops``, ``call``, ``run``, ``endpoints``, ``serve``, ``simulate`` and
``docs``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from .. import __version__
from ..client.errors import TwilioError
from ..client.spec import OperationSpec, default_spec
from ..client.validation import unknown_operation as client_unknown_operation
from .flags import ArgumentParser
from .targets import TargetError, add_target_arguments, open_target

__all__ = ["main"]


def _log_level(loudness: int) -> int:
    # Default: retries and other warnings. -v: one line per HTTP attempt. -q: errors only.
    return logging.DEBUG if loudness > 0 else logging.WARNING if loudness == 0 else logging.ERROR


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # `call postMessage --state X To=...`: Key=Value pairs may follow options; argparse hands the ones
        # after the first option back unparsed, in order.
        if getattr(args, "handler", None) is _call and not any(item.startswith("-") for item in extra):
            args.arguments = [*args.arguments, *extra]
        else:
            getattr(args, "command_parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    loudness = getattr(args, "louder", 0) + getattr(args, "louder_here", 0)
    args.quiet = loudness < 0
    logger = logging.getLogger("adapter")
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("twilio-lua: %(levelname)s: %(message)s"))
    saved_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(_log_level(loudness))
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`twilio-lua ops | head`): stop quietly, as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    finally:
        # main() is a process boundary for the CLI, but tests call it in-process: leave logging as found.
        logger.removeHandler(handler)
        logger.setLevel(saved_level)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted (pytest swaps it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class _Louder(argparse.Action):
    """``-v`` adds one, ``-q`` takes one away; counted wherever they stand on the line."""

    def __init__(self, option_strings: Sequence[str], dest: str, step: int = 1, **kwargs: Any) -> None:
        self.step = step
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, getattr(namespace, self.dest, 0) + self.step)


def _loudness_flags(parser: argparse.ArgumentParser, dest: str) -> None:
    # A subcommand's parser fills a namespace of its own that then overwrites the top level's values, so
    # the flags before and after the command count under two names, added up in main().
    parser.add_argument("-v", "--verbose", action=_Louder, dest=dest, step=1,
                        help="more output: one log line per HTTP attempt")
    parser.add_argument("-q", "--quiet", action=_Louder, dest=dest, step=-1,
                        help="less output: errors only, no notices")


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="twilio-lua", description="Call Twilio from Lua scripts (and from the shell), driven by one spec."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _loudness_flags(parser, "louder")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    ops = sub.add_parser("ops", help="list the operations and their arguments")
    ops.add_argument("operation", nargs="?", help="show one operation in detail")
    ops.add_argument("--json", action="store_true", help="machine-readable output")
    ops.set_defaults(handler=_ops)

    call = sub.add_parser(
        "call",
        help="run one operation: twilio-lua call postMessage To=+1... From=+1... Body=hi",
        description="Run one operation and print its JSON result or error object (exit 1 on an error object). "
        "Repeat a key for a list (MediaUrl=a MediaUrl=b). Without --live or --base-url the call goes to "
        "an embedded simulator.",
    )
    call.add_argument("operation")
    call.add_argument("arguments", nargs="*", metavar="Key=Value")
    add_target_arguments(call)
    call.set_defaults(handler=_call)

    from ..simulator import cli as simulator_cli
    from . import docgen
    from . import run as runner

    run = sub.add_parser("run", help="run a Lua script with the Twilio table (default: embedded simulator)")
    runner.add_arguments(run)
    run.set_defaults(handler=runner.run)

    endpoints = sub.add_parser("endpoints", help="list the --#ENDPOINT sections of endpoint files or folders")
    endpoints.add_argument("paths", nargs="+", metavar="PATH")
    endpoints.set_defaults(handler=_endpoints)

    from . import serve as server

    serve = sub.add_parser("serve", help="serve endpoint scripts over HTTP on loopback (default: embedded simulator)")
    server.add_arguments(serve)
    serve.set_defaults(handler=server.run)

    simulate = sub.add_parser("simulate", help="serve the Twilio simulator on loopback until interrupted")
    simulator_cli.add_arguments(simulate)
    simulate.set_defaults(handler=simulator_cli.run)

    docs = sub.add_parser("docs", help="regenerate docs/operations.md and lua/twilio.d.lua from the spec")
    docgen.add_arguments(docs)
    docs.set_defaults(handler=docgen.run)
    for command in (ops, call, run, endpoints, serve, simulate, docs):
        _loudness_flags(command, "louder_here")
        command.set_defaults(command_parser=command)
    return parser


def _endpoints(args: argparse.Namespace) -> int:
    from ..lua.platform import EndpointError, load_endpoints

    try:
        endpoints, plain, modules = load_endpoints(args.paths)
    except EndpointError as exc:
        print(f"twilio-lua: {exc}", file=sys.stderr)
        return 2
    for endpoint in endpoints:
        print(f"{endpoint.method:<7} {endpoint.path:<40} {endpoint.file}:{endpoint.line}")
    for _, name in modules:
        print(f"twilio-lua: {name} is a module (run before each script)", file=sys.stderr)
    for file, _ in plain:
        print(f"twilio-lua: {file} has no --#ENDPOINT sections (twilio-lua run runs it whole)", file=sys.stderr)
    return 0


def unknown_operation(name: str, operations: Mapping[str, OperationSpec]) -> str:
    """One line for an operation name that is not in the spec: the client's own message (closest names by
    case, the spec's ``x-aliases`` and spelling), so the shell and Lua suggest the same operations."""
    return client_unknown_operation(name, operations)


def _ops(args: argparse.Namespace) -> int:
    spec = default_spec()
    ops = spec.operations
    if args.operation and args.operation not in ops:
        print(f"twilio-lua: {unknown_operation(args.operation, ops)}", file=sys.stderr)
        return 2
    chosen = [ops[args.operation]] if args.operation else list(ops.values())
    if args.json:
        print(json.dumps([_op_json(op) for op in chosen], indent=2))
        return 0
    for op in chosen:
        print(f"{op.name:<14} {op.method:<6} {op.server}{op.path}")
        print(f"{'':<14} {op.summary}")
        for arg in op.arguments.values():
            mark = "*" if arg.required else " "
            print(f"{'':<16}{mark} {arg.name:<30} {_type(arg)}")
        for group in (*op.require_one_of, *op.require_given):
            print(f"{'':<16}  one of: {', '.join(group)}")
        if args.operation:
            print("\nExample:\n" + op.lua_example)
    return 0


def _type(arg: Any) -> str:
    if arg.type == "array":
        return f"list of {_type(arg.items)}" + (" (or one)" if arg.accept_single else "")
    if arg.enum:
        return " | ".join(map(str, arg.enum))
    return arg.format or arg.type


def _op_json(op: OperationSpec) -> dict[str, Any]:
    return {
        "name": op.name,
        "method": op.method,
        "server": op.server,
        "path": op.path,
        "summary": op.summary,
        "arguments": [
            {"name": a.name, "in": a.location, "type": a.type, "required": a.required} for a in op.arguments.values()
        ],
        "require_one_of": [list(g) for g in (*op.require_one_of, *op.require_given)],
    }


def _call(args: argparse.Namespace) -> int:
    operations = default_spec().operations
    if args.operation not in operations:
        print(f"twilio-lua: {unknown_operation(args.operation, operations)}", file=sys.stderr)
        return 2
    try:
        call_args = parse_key_values(args.arguments)
    except ValueError as exc:
        print(f"twilio-lua: {exc}", file=sys.stderr)
        return 2
    try:
        with open_target(args, notices=None if args.quiet else sys.stderr) as dispatcher:
            result = dispatcher.call(args.operation, call_args)
    except TargetError as exc:
        print(f"twilio-lua: {exc}", file=sys.stderr)
        return 2
    except TwilioError as err:
        print(json.dumps(err.to_dict(), indent=2, ensure_ascii=False))
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def parse_key_values(items: Sequence[str]) -> dict[str, Any]:
    """``Key=Value`` pairs; a repeated key becomes a list. Values stay strings: validation converts them."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"expected Key=Value, got {item!r}")
        if key in out:
            previous = out[key]
            out[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[key] = value
    return out
