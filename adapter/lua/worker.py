"""A ScriptPool worker process: ``python -m adapter.lua.worker`` (started by :mod:`adapter.lua.pool`).

It runs many scripts at once with :meth:`LuaHost.execute_async`, on a dispatcher that holds no credentials:
every operation call goes to the parent over the pipe, which validates it and sends it with its own
dispatcher. Messages are JSON lines (never pickles: the parent must not trust what a worker sends).

At start, before any thread exists, the worker applies its OS limits (address space, CPU seconds) and tries
to leave the network: a new network namespace (``unshare(CLONE_NEWNET)``, as root; else inside a new user
namespace where the kernel allows one). It reports what it achieved in its first message.
"""

from __future__ import annotations

import asyncio
import base64
import ctypes
import json
import os
import resource
import sys
from typing import Any

__all__ = ["main"]

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def leave_network() -> str:
    """Move this process into a network namespace of its own (only a loopback that is down): "isolated",
    "isolated (user namespace)", or why not."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as exc:
        return f"not isolated: {exc}"
    if libc.unshare(_CLONE_NEWNET) == 0:
        return "isolated"
    first = os.strerror(ctypes.get_errno())
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
        return "isolated (user namespace)"
    return f"not isolated: unshare(CLONE_NEWNET): {first}; with a user namespace: {os.strerror(ctypes.get_errno())}"


def apply_limits(address_space: int | None, cpu_seconds: int | None) -> None:
    if address_space:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


class RemoteDispatcher:
    """What a LuaHost in the worker sees as its dispatcher: the spec, and a ``call`` carried out by the
    parent, and a list's next pages, which the parent fetches at the links the pages gave."""

    def __init__(self, spec: Any, send: Any, allow_credential_override: bool, account_sid: str | None) -> None:
        self.spec = spec
        self.allow_credential_override = allow_credential_override
        self.account_sid = account_sid
        self.webhook_validator: Any = None  # the Auth Token stays in the parent (see _RemoteValidator)
        self._send = send
        self._next = 0
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._run_of: dict[int, int] = {}

    def _operation(self, operation: Any) -> Any:
        from ..client.dispatcher import DispatcherBase

        return DispatcherBase._operation(self, operation)  # type: ignore[arg-type]

    async def call(self, operation: str, args: Any = None) -> Any:
        return await self._forward({"operation": operation, "args": args})

    async def follow(self, operation: str, args: Any, next_page_uri: str) -> Any:
        """The next page of a list, at the link its last page gave (the parent follows it and checks it)."""
        return await self._forward({"operation": operation, "args": args, "link": next_page_uri})

    async def service(self, service: str, operation: str, args: dict[str, Any]) -> Any:
        """A host service's operation (or ``Twilio.validateRequest``), carried out by the parent."""
        from ..client.errors import TwilioError
        from .services import ServiceError

        ok, value = await self._ask({"service": service, "operation": operation, "args": args})
        if ok:
            return value
        data = dict(value) if isinstance(value, dict) else {}
        kind, text = str(data.pop("type", "config")), str(data.pop("error", "failed"))
        if service == "Twilio":
            raise TwilioError(kind, text, **{k: v for k, v in data.items()  # type: ignore[arg-type]
                                             if k in ("status", "code", "details", "operation")})
        raise ServiceError(text, type=kind, **{k: v for k, v in data.items() if k in ("status", "code", "details")})

    async def _forward(self, request: dict[str, Any]) -> Any:
        from ..client.errors import TwilioError

        ok, value = await self._ask(request)
        if ok:
            return value
        data = dict(value)
        raise TwilioError(data.pop("type", "config"), str(data.pop("error", "failed")), **{
            k: v for k, v in data.items() if k in ("status", "code", "more_info", "details", "operation", "attempts")
        })

    async def _ask(self, message: dict[str, Any]) -> tuple[bool, Any]:
        self._next += 1
        number = self._next
        future = asyncio.get_running_loop().create_future()
        self._waiting[number] = future
        self._send({"op": "call", "call": number, **message})
        try:
            return await future
        finally:
            self._waiting.pop(number, None)

    def answer(self, number: int, ok: bool, value: Any) -> None:
        future = self._waiting.get(number)
        if future is not None and not future.done():
            future.set_result((ok, value))


class _RemoteValidator:
    """``Twilio.validateRequest`` in a worker: the parent, which holds the Auth Token, checks."""

    def __init__(self, dispatcher: RemoteDispatcher) -> None:
        self._dispatcher = dispatcher

    async def check_request_async(self, request: Any) -> Any:
        return await self._dispatcher.service("Twilio", "validateRequest", {"request": request})


def _remote_service(dispatcher: RemoteDispatcher, name: str, operations: list[str]) -> dict[str, Any]:
    """A host service as the worker's LuaHost sees it: coroutine functions carried out by the parent."""

    def forward(operation: str) -> Any:
        async def call(**args: Any) -> Any:
            return await dispatcher.service(name, operation, args)

        return call

    return {operation: forward(operation) for operation in operations}


async def serve(options: dict[str, Any]) -> None:
    from ..client.spec import default_spec
    from .errors import LuaScriptError
    from .host import LuaHost

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=256 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer

    def send(message: dict[str, Any]) -> None:
        out.write(json.dumps(message, separators=(",", ":"), default=str).encode() + b"\n")
        out.flush()

    dispatcher = RemoteDispatcher(default_spec(), send, options.get("allow_credential_override", True),
                                  options.get("account_sid"))
    def forward_print(line: str) -> None:
        send({"op": "print", "line": line})

    if options.get("validate"):
        dispatcher.webhook_validator = _RemoteValidator(dispatcher)
    services = {name: _remote_service(dispatcher, name, operations)
                for name, operations in (options.get("services") or {}).items()}
    host = LuaHost(dispatcher, print=forward_print, services=services, **options.get("host", {}))
    tasks: dict[int, asyncio.Task[Any]] = {}

    async def run(number: int, message: dict[str, Any]) -> None:
        try:
            result = await host.execute_async(
                base64.b64decode(message["source"]), name=message.get("name"), globals=message.get("globals"),
                capture=message.get("capture") or (),
                preload=[(base64.b64decode(source), name) for source, name in message.get("preload") or ()],
            )
            send({"op": "done", "id": number, "ok": True, "value": result.value, "globals": result.globals,
                  "replaced": sorted(result.replaced)})
        except LuaScriptError as exc:
            send({"op": "done", "id": number, "ok": False, "class": type(exc).__name__, "message": exc.message,
                  "chunk": exc.chunk})
        except asyncio.CancelledError:
            send({"op": "done", "id": number, "ok": False, "class": "cancelled", "message": "cancelled"})
        except Exception as exc:  # noqa: BLE001 - the parent reports it; the worker goes on
            send({"op": "done", "id": number, "ok": False, "class": "LuaScriptError",
                  "message": f"the worker could not run the script: {type(exc).__name__}"})
        finally:
            tasks.pop(number, None)

    send({"op": "hello", "pid": os.getpid(), "network": options.get("network_status", "not requested")})
    while True:
        line = await reader.readline()
        if not line:
            break
        message = json.loads(line)
        kind = message.get("op")
        if kind == "run":
            number = message["id"]
            tasks[number] = asyncio.ensure_future(run(number, message))
        elif kind == "answer":
            dispatcher.answer(message["call"], message["ok"], message["value"])
        elif kind == "cancel":
            task = tasks.get(message["id"])
            if task is not None:
                task.cancel()
        elif kind == "stop":
            break
    for task in list(tasks.values()):
        task.cancel()
    host.close()


def main() -> None:
    # The options come as the first line on standard input (the environment is the host's, minus TWILIO_*).
    options = json.loads(sys.stdin.buffer.readline() or b"{}")
    options["network_status"] = leave_network() if options.get("isolate_network", True) else "not requested"
    apply_limits(options.get("address_space"), options.get("cpu_seconds"))
    asyncio.run(serve(options))


if __name__ == "__main__":
    main()
