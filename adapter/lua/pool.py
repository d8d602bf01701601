"""``ScriptPool``: untrusted scripts in worker processes, so that a script that crashes Lua (a segfault, a
PANIC, the OS killing it) takes down only its worker, and a script never runs where credentials are.

Each worker (:mod:`adapter.lua.worker`) runs many scripts at once with ``LuaHost.execute_async``. A
script's operation calls come to this process over the worker's pipe; the pool checks them and sends them
with its own dispatcher, and answers with the result or error object. The pool enforces a wall-clock
deadline per run (asking the worker to stop the run, then killing the worker if it does not), replaces a
worker that died, and fails exactly the runs that worker held with :class:`LuaCrashError`, never retrying
one (it may have sent a message).
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from ..client.errors import TwilioError
from . import errors as _errors
from .errors import LuaCrashError, LuaScriptError, LuaWallClockLimitError
from .host import LuaRun
from .services import ServiceError, ServiceOperation, check_service_name, service_operations

__all__ = ["BlockingScriptPool", "ScriptPool"]

log = logging.getLogger("adapter")

_INTERNAL = "The Twilio adapter failed on the host; the host's log has the details"
# LuaHost options a worker accepts (JSON-able; the rest of LuaHost's options are the pool's own).
_HOST_OPTIONS = ("engine", "memory_limit", "instruction_limit", "time_limit", "pattern_input_limit",
                 "wall_clock_limit", "call_limit", "output_limit", "result_limit", "subaccounts")
# How long a worker gets to stop a run that passed its deadline before the pool kills it.
_GRACE = 1.0


class _Worker:
    """One worker process and the runs it holds."""

    def __init__(self, process: asyncio.subprocess.Process, number: int) -> None:
        self.process = process
        self.number = number
        self.runs: dict[int, asyncio.Future[Any]] = {}
        self.network = "unknown"
        self.cause: str | None = None  # why the pool killed it, when it did
        self.reader: asyncio.Task[Any] | None = None
        self.alive = True

    def send(self, message: dict[str, Any]) -> None:
        stdin = self.process.stdin
        if stdin is None or stdin.is_closing():
            return
        stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    def kill(self, cause: str) -> None:
        if self.cause is None:
            self.cause = cause
        if self.process.returncode is None:
            try:
                self.process.kill()
            except ProcessLookupError:
                pass


class ScriptPool:
    """``async with ScriptPool(dispatcher, processes=2) as pool: run = await pool.execute(source, ...)``.

    ``dispatcher`` (an :class:`~adapter.AsyncDispatcher`, or a blocking ``Dispatcher`` run in threads) sends
    every call; workers never see its credentials, and their environment holds no ``TWILIO_*`` variable.
    ``run_timeout`` is the wall-clock deadline per run, enforced here. ``max_in_flight`` bounds the runs
    going at once (``execute`` waits for a slot: backpressure); ``max_waiting`` bounds the callers waiting
    for one (beyond it, ``execute`` raises ``LuaScriptError`` of kind ``busy`` at once). ``address_space``
    (bytes, RLIMIT_AS) and ``cpu_seconds`` (RLIMIT_CPU, over the worker's life) are OS limits per worker;
    ``isolate_network`` puts each worker in a network namespace of its own where the OS allows it
    (:attr:`network` says what each worker got). Other keyword arguments are LuaHost's (engine and limits),
    applied in every worker. ``services`` are host services as on ``LuaHost``: they stay in this process,
    and a worker's call of one is carried out here (a blocking method in a thread, a coroutine function on
    the loop), as is ``Twilio.validateRequest`` (the Auth Token stays here too).
    """

    def __init__(
        self,
        dispatcher: Any,
        *,
        processes: int = 2,
        run_timeout: float = 60.0,
        max_in_flight: int = 2000,
        max_waiting: int = 10000,
        address_space: int | None = 2 * 1024 * 1024 * 1024,
        cpu_seconds: int | None = None,
        isolate_network: bool = True,
        print: Any = None,  # noqa: A002 - as LuaHost's
        services: Mapping[str, Any] | None = None,
        **host_options: Any,
    ) -> None:
        unknown = set(host_options) - set(_HOST_OPTIONS)
        if unknown:
            raise TypeError(f"unknown ScriptPool options: {', '.join(sorted(unknown))}")
        if processes < 1:
            raise ValueError("processes must be at least 1")
        if not run_timeout > 0:
            raise ValueError("run_timeout must be a positive number of seconds")
        self.dispatcher = dispatcher
        self._services: dict[str, dict[str, ServiceOperation]] = {}
        for service_name, service in (services or {}).items():
            check_service_name(service_name)
            if service_name == "Twilio":
                raise ValueError("'Twilio' is the Twilio table's name; give the service another name")
            self._services[service_name] = {op.name: op for op in service_operations(service_name, service)}
        self.processes = processes
        self.run_timeout = run_timeout
        self.max_in_flight = max_in_flight
        self.max_waiting = max_waiting
        if "subaccounts" in host_options:
            host_options["subaccounts"] = sorted(host_options["subaccounts"])
        self._options = {
            "host": host_options,
            "allow_credential_override": bool(getattr(dispatcher, "allow_credential_override", True)),
            "account_sid": getattr(dispatcher, "account_sid", None),
            "address_space": address_space,
            "cpu_seconds": cpu_seconds,
            "isolate_network": isolate_network,
            "services": {name: sorted(ops) for name, ops in self._services.items()},
            "validate": getattr(dispatcher, "webhook_validator", None) is not None,
        }
        own = getattr(dispatcher, "account_sid", None)
        self._accounts = frozenset(host_options.get("subaccounts", ())) | ({own} if own else set())
        self._print = print if print is not None else _stderr_print
        self._dispatcher_is_async = inspect.iscoroutinefunction(getattr(dispatcher, "call", None))
        self._workers: list[_Worker] = []
        self._spawning: set[asyncio.Task[_Worker]] = set()
        self._started = 0
        self._next_run = 0
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0
        self._closing = False
        self._in_flight = 0
        self._idle: asyncio.Event | None = None
        #: Workers started over the pool's life (a replaced worker counts again).
        self.workers_started = 0

    # Life cycle

    async def start(self) -> None:
        self._slots = asyncio.Semaphore(self.max_in_flight)
        self._idle = asyncio.Event()
        self._idle.set()
        await asyncio.gather(*(self._spawn() for _ in range(self.processes)))

    async def __aenter__(self) -> ScriptPool:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def network(self) -> list[str]:
        """What each worker achieved of network isolation ("isolated", or why not)."""
        return [w.network for w in self._workers]

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers]

    async def close(self, timeout: float = 10.0) -> None:
        """Take no new runs, let the runs in progress finish for up to ``timeout`` seconds, then stop the
        workers (those still running are killed; their runs fail with kind ``crash``)."""
        self._closing = True
        if self._idle is not None and self._in_flight:
            try:
                await asyncio.wait_for(self._idle.wait(), timeout)
            except asyncio.TimeoutError:
                pass
        await asyncio.gather(*self._spawning, return_exceptions=True)
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.alive = False
            worker.send({"op": "stop"})
            if worker.process.stdin is not None:
                worker.process.stdin.close()
        for worker in workers:
            try:
                await asyncio.wait_for(worker.process.wait(), 2.0)
            except asyncio.TimeoutError:
                worker.kill("the pool was closed")
                await worker.process.wait()
            if worker.reader is not None:
                await asyncio.gather(worker.reader, return_exceptions=True)

    async def _spawn(self) -> _Worker:
        # Nothing of the host's Twilio settings reaches a worker: credentials stay in this process.
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TWILIO_")}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "adapter.lua.worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
            limit=256 * 1024 * 1024, start_new_session=True,
        )
        self._started += 1
        self.workers_started += 1
        worker = _Worker(process, self._started)
        worker.send(self._options)
        assert process.stdout is not None
        hello = json.loads(await process.stdout.readline() or b"{}")
        worker.network = str(hello.get("network", "unknown"))
        worker.reader = asyncio.ensure_future(self._read(worker))
        self._workers.append(worker)
        return worker

    def _replace(self) -> asyncio.Task[_Worker]:
        task = asyncio.ensure_future(self._spawn())
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)
        return task

    # Runs

    async def execute(
        self,
        source: str | bytes,
        *,
        name: str | None = None,
        globals: Mapping[str, Any] | None = None,  # noqa: A002 - as LuaHost's
        capture: Iterable[str] = (),
        preload: Iterable[tuple[str | bytes, str]] = (),
    ) -> LuaRun:
        """Run a script in a worker: the same LuaRun as ``LuaHost.execute``, or the same exceptions, plus
        :class:`LuaCrashError` when its worker died and :class:`LuaWallClockLimitError` at ``run_timeout``."""
        if self._slots is None:
            raise RuntimeError("start the pool first (async with ScriptPool(...) as pool)")
        if self._closing:
            raise LuaScriptError("the pool is closed", chunk=name or "script")
        if self._slots.locked() and self._waiting >= self.max_waiting:
            error = LuaScriptError(f"{name or 'script'}: the pool is busy ({self.max_waiting} runs waiting)",
                                   chunk=name or "script")
            error.kind = "busy"
            raise error
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        self._in_flight += 1
        assert self._idle is not None
        self._idle.clear()
        try:
            modules = [(base64.b64encode(s.encode("utf-8") if isinstance(s, str) else bytes(s)).decode("ascii"), n)
                       for s, n in preload]
            return await self._execute(source, name or "script", dict(globals or {}), list(capture), modules)
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()
            self._slots.release()

    async def _execute(self, source: str | bytes, chunk: str, host_globals: dict[str, Any],
                       capture: list[str], preload: list[tuple[str, str]]) -> LuaRun:
        worker = min((w for w in self._workers if w.alive), key=lambda w: len(w.runs), default=None)
        if worker is None:  # every worker died: wait for a replacement (or start one)
            pending = [t for t in self._spawning if not t.done()] or [self._replace()]
            worker = await asyncio.shield(pending[0])
        self._next_run += 1
        number = self._next_run
        code = source.encode("utf-8") if isinstance(source, str) else bytes(source)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        worker.runs[number] = future
        worker.send({"op": "run", "id": number, "source": base64.b64encode(code).decode("ascii"), "name": chunk,
                     "globals": host_globals, "capture": capture, "preload": preload})
        try:
            try:
                message = await asyncio.wait_for(asyncio.shield(future), self.run_timeout)
            except asyncio.TimeoutError:
                message = await self._overran(worker, number, future, chunk)
        except asyncio.CancelledError:
            worker.send({"op": "cancel", "id": number})
            raise
        finally:
            worker.runs.pop(number, None)
        return self._outcome(message, chunk)

    async def _overran(self, worker: _Worker, number: int, future: asyncio.Future[Any], chunk: str) -> Any:
        """A run past its deadline: the worker is asked to stop it; if it cannot (a script stuck in a C
        function), the worker is killed and replaced."""
        worker.send({"op": "cancel", "id": number})
        try:
            await asyncio.wait_for(asyncio.shield(future), _GRACE)
        except asyncio.TimeoutError:
            worker.kill(f"run {chunk!r} overran its {self.run_timeout} s deadline and could not be stopped")
        raise LuaWallClockLimitError(f"{chunk}: wall clock limit exceeded ({self.run_timeout} s per run in the "
                                     "pool)", chunk=chunk)

    def _outcome(self, message: dict[str, Any], chunk: str) -> LuaRun:
        if message.get("ok"):
            return LuaRun(message.get("value"), message.get("globals") or {},
                          frozenset(message.get("replaced") or ()))
        kind = message.get("class")
        text = str(message.get("message") or "the script failed")
        cls = getattr(_errors, kind, None) if isinstance(kind, str) and kind.startswith("Lua") else None
        if not (isinstance(cls, type) and issubclass(cls, LuaScriptError)):
            cls = LuaScriptError
        return_chunk = message.get("chunk") if isinstance(message.get("chunk"), str) else chunk
        raise cls(text, chunk=return_chunk)

    # Reading a worker

    async def _read(self, worker: _Worker) -> None:
        stdout = worker.process.stdout
        assert stdout is not None
        calls: set[asyncio.Task[Any]] = set()
        try:
            while True:
                try:
                    line = await stdout.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    worker.kill("it sent a message over the size limit")
                    break
                if not line:
                    break
                try:
                    message = json.loads(line)
                    kind = message["op"]
                except (ValueError, KeyError, TypeError):
                    worker.kill("it sent something that is not a message")
                    break
                if kind == "done":
                    future = worker.runs.get(message.get("id"))
                    if future is not None and not future.done():
                        future.set_result(message)
                elif kind == "call":
                    task = asyncio.ensure_future(self._call(worker, message))
                    calls.add(task)
                    task.add_done_callback(calls.discard)
                elif kind == "print":
                    try:
                        self._print(str(message.get("line")))
                    except Exception:  # noqa: BLE001 - a broken print callable must not stop the pool
                        log.exception("the ScriptPool print callable failed")
        finally:
            code = await worker.process.wait()
            worker.alive = False
            for task in calls:
                task.cancel()
            if worker.runs:
                cause = worker.cause or _death(code)
                for future in list(worker.runs.values()):
                    if not future.done():
                        future.set_exception(LuaCrashError(f"the worker running this script died ({cause})"))
            if worker in self._workers:
                self._workers.remove(worker)
                if not self._closing:
                    log.warning("ScriptPool worker %d died (%s); starting another", worker.process.pid, _death(code))
                    self._replace()

    async def _call(self, worker: _Worker, message: dict[str, Any]) -> None:
        """Carry out one operation call of a worker with the pool's dispatcher, and answer it."""
        number = message.get("call")
        operation = message.get("operation")
        args = message.get("args")
        if message.get("service") is not None:
            worker.send(await self._service_call(number, message.get("service"), operation, args))
            return
        link = message.get("link")  # the next page of a list: the dispatcher checks where it points
        try:
            if not isinstance(operation, str):
                raise TwilioError("validation", "the operation must be named")
            self._check_account(operation, args)
            if link is not None:
                if not isinstance(link, str):
                    raise TwilioError("validation", "a page link must be text")
                if self._dispatcher_is_async:
                    result = await self.dispatcher.follow(operation, args, link)
                else:
                    result = await asyncio.to_thread(self.dispatcher.follow, operation, args, link)
            elif self._dispatcher_is_async:
                result = await self.dispatcher.call(operation, args)
            else:
                result = await asyncio.to_thread(self.dispatcher.call, operation, args)
            answer = {"op": "answer", "call": number, "ok": True, "value": result}
        except TwilioError as exc:
            answer = {"op": "answer", "call": number, "ok": False, "value": exc.to_dict()}
        except Exception as exc:  # noqa: BLE001 - logged; the script gets the generic error object
            log.error("a pooled script's call of %s failed inside the adapter", operation, exc_info=exc)
            answer = {"op": "answer", "call": number, "ok": False,
                      "value": TwilioError("config", _INTERNAL, status=500, operation=str(operation)).to_dict()}
        worker.send(answer)

    async def _service_call(self, number: Any, service: Any, operation: Any, args: Any) -> dict[str, Any]:
        """A worker's call of a host service (or of ``Twilio.validateRequest``), carried out here."""
        label = f"{service}.{operation}"
        try:
            values = args if isinstance(args, dict) else {}
            if service == "Twilio" and operation == "validateRequest":
                value: Any = self._validate(values.get("request"))
            else:
                op = self._services.get(service, {}).get(operation) if isinstance(service, str) else None
                if op is None or not isinstance(operation, str):
                    raise ServiceError(f"{label} is not offered by this host", type="validation")
                if op.signature is not None:
                    try:
                        op.signature.bind(**values)
                    except TypeError as exc:
                        raise ServiceError(f"{label}: {exc}", type="validation",
                                           details=[{"field": "(arguments)", "error": str(exc)}]) from None
                if op.is_async:
                    value = await op.function(**values)
                else:
                    value = await asyncio.to_thread(op.function, **values)
                try:
                    json.dumps(value, allow_nan=False)
                except (TypeError, ValueError) as exc:
                    log.error("%s returned a value that cannot be passed to Lua: %s", label, exc)
                    return {"op": "answer", "call": number, "ok": False, "value": _internal_service(service, operation)}
            return {"op": "answer", "call": number, "ok": True, "value": value}
        except (ServiceError, TwilioError) as exc:
            return {"op": "answer", "call": number, "ok": False, "value": exc.to_dict()}
        except Exception as exc:  # noqa: BLE001 - logged; the script gets the generic error object
            log.error("%s failed on the host", label, exc_info=exc)
            return {"op": "answer", "call": number, "ok": False, "value": _internal_service(service, operation)}

    def _validate(self, request: Any) -> dict[str, Any]:
        validator = getattr(self.dispatcher, "webhook_validator", None)
        if validator is None:
            raise TwilioError("config", "validateRequest needs the host's Auth Token, and this host has none (no "
                              "credentials, or an API key)", status=500, operation="validateRequest")
        if not isinstance(request, dict):
            raise TwilioError("validation", "validateRequest: pass the request table, as in "
                              "Twilio.validateRequest(request)", operation="validateRequest")
        reason = validator.check_request(request)
        if reason is not None:
            raise TwilioError("validation", f"validateRequest: {reason}", status=403, operation="validateRequest")
        return {"valid": True}

    def _check_account(self, operation: str, args: Any) -> None:
        """The worker's own check, again here: a worker is not trusted to have made it."""
        if not isinstance(args, dict) or args.get("AccountSid") is None or args.get("AuthToken") is not None:
            return
        if args["AccountSid"] not in self._accounts:
            raise TwilioError(
                "validation", f"{operation}: invalid argument: AccountSid is not an account of this host",
                details=[{"field": "AccountSid", "error": "is not an account of this host"}], operation=operation,
            )


class BlockingScriptPool:
    """A :class:`ScriptPool` for hosts not on asyncio: ``with BlockingScriptPool(dispatcher) as pool:
    run = pool.execute(source)``. The pool runs on an event loop in a thread of its own; ``execute`` may be
    called from any number of threads at once. A blocking ``Dispatcher`` is used as it is (its calls run in
    worker threads of that loop)."""

    def __init__(self, dispatcher: Any, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="script-pool", daemon=True)
        self._thread.start()
        self.pool = ScriptPool(dispatcher, **options)
        self._submit(self.pool.start())

    def _submit(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def execute(self, source: str | bytes, *, name: str | None = None, globals: Mapping[str, Any] | None = None,
                capture: Iterable[str] = (), preload: Iterable[tuple[str | bytes, str]] = ()) -> LuaRun:
        return self._submit(self.pool.execute(source, name=name, globals=globals, capture=tuple(capture),
                                              preload=tuple(preload)))

    def run(self, source: str | bytes, *, name: str | None = None, globals: Mapping[str, Any] | None = None) -> Any:
        return self.execute(source, name=name, globals=globals).value

    def close(self, timeout: float = 10.0) -> None:
        if self._loop.is_closed():
            return
        self._submit(self.pool.close(timeout))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> BlockingScriptPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _internal_service(service: Any, operation: Any) -> dict[str, Any]:
    return {"type": "config", "error": f"The {service} service failed on the host; the host's log has the details",
            "status": 500, "service": str(service), "operation": str(operation)}


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _stderr_print(text: str) -> None:
    print(text, file=sys.stderr, flush=True)

