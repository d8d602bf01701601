"""The coroutine driver behind :meth:`LuaHost.execute_async <adapter.lua.LuaHost.execute_async>`.

A run is a Lua coroutine. When the script calls an operation, the bridge checks and converts the arguments,
hands the command to the run (``Bridge.defer``) and the Lua side yields; the driver awaits the command on
the event loop and resumes the coroutine with the answer. Lua itself runs on the host's own thread (a
``_LuaThread``), never on the loop's: lupa releases the GIL while Lua runs, so a script spinning until its
instruction limit does not stall the loop (bench/concurrency.py measures the loop's lag either way; running
Lua on the loop thread gave a p99 lag of the longest turn, about 0.1 s for a script that spins to the default
instruction limit, because lupa offers no way to yield from a debug hook to slice a turn).

Runs take turns on the host's one runtime. Before each turn the driver makes the run current on both sides:
in sandbox.lua (``switch``: its state, instruction count, budgets, output and C-call counts, environment)
and on the host (its Twilio call count, random generator, clocks, a quota it reached), and sets the
runtime's memory limit to what the heap holds now plus what is left of the run's allowance; after the turn
it keeps what the turn used. So every limit and quota is counted per run. A run that ends with the runtime
in doubt (a limit reached, a C-level failure) has the host rebuild its runtime once the runs still going on
it have finished.

Every lupa object of a run is created, used and dropped on the Lua thread only: freeing one on the loop
thread would wait for the runtime's lock, that is for a whole turn.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..client.errors import TwilioError
from .services import ServiceError

__all__ = ["CoroutineDriver"]

log = logging.getLogger("adapter")

_NO_MEMORY = "not enough memory"
# A run without a time limit still gets one this long, so that the budget hook keeps asking the host's
# clock, which is how a cancelled run is stopped in the middle of a turn.
_NO_TIME_LIMIT = 1e9
_INTERNAL = "The Twilio adapter failed on the host; the host's log has the details"


class _LuaThread:
    """One daemon thread that runs the host's Lua, one job at a time, answering on the caller's loop.

    Answers are handed to each loop in batches: one wake-up of the loop for all the jobs finished since its
    last wake-up (a thousand runs would otherwise cost a thousand writes to the loop's self-pipe per step)."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._done: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, bool]]] = {}
        self._done_lock = threading.Lock()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def call(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._jobs.put((loop, future, fn, args))
        return future

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn`` on the thread, nobody waiting for it."""
        self._jobs.put((None, None, fn, args))

    def stop(self) -> None:
        self._jobs.put(None)

    def _main(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            loop, future, fn, args = job
            try:
                result, failed = fn(*args), False
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
                result, failed = exc, True
            if future is None:
                if failed:
                    log.error("a Lua host job failed", exc_info=result)
                continue
            with self._done_lock:
                first = loop not in self._done
                self._done.setdefault(loop, []).append((future, result, failed))
            if first:
                try:
                    loop.call_soon_threadsafe(self._deliver, loop)
                except RuntimeError:  # the loop was closed meanwhile: nobody is waiting any more
                    with self._done_lock:
                        self._done.pop(loop, None)

    def _deliver(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._done_lock:
            batch = self._done.pop(loop, [])
        for future, result, failed in batch:
            _settle(future, result, failed)


def _settle(future: asyncio.Future[Any], result: Any, failed: bool) -> None:
    if future.cancelled():
        return
    if failed:
        future.set_exception(result)
    else:
        future.set_result(result)


class _Run:
    """One run of the driver. Its lupa objects (``record``, ``env``, ``extras`` and the runtime, sandbox and
    bridge it runs on) are touched on the Lua thread only."""

    __slots__ = ("chunk", "capture", "host_globals", "loop", "runtime", "sandbox", "bridge", "module", "pending",
                 "record", "env", "extras", "memory_grown", "command", "cancelled", "finished", "started",
                 "paused", "turn_ended", "calls", "halted", "rng")

    def __init__(self, chunk: str, capture: tuple[str, ...], host_globals: dict[str, Any],
                 loop: asyncio.AbstractEventLoop) -> None:
        self.chunk = chunk
        self.capture = capture
        self.host_globals = host_globals
        self.loop = loop
        self.runtime: Any = None
        self.sandbox: Any = None
        self.bridge: Any = None
        self.module: Any = None
        self.pending: Any = None
        self.record: Any = None
        self.env: Any = None
        self.extras: Any = None
        self.memory_grown = 0
        self.command: tuple[str, str, Any] | None = None
        self.cancelled = False
        self.finished = False
        # The host's side of the run, loaded into the host for each turn (see LuaHost._reset_run).
        self.started = self.paused = self.turn_ended = 0.0
        self.calls = 0
        self.halted: str | None = None
        self.rng: Any = None

    def defer(self, command: tuple[str, str, Any]) -> Any:
        self.command = command
        return self.pending

    def drop(self) -> None:
        self.record = self.env = self.extras = None
        self.runtime = self.sandbox = self.bridge = self.module = self.pending = None
        self.finished = True


class CoroutineDriver:
    """Runs scripts of one LuaHost as coroutines (see the module's docstring)."""

    def __init__(self, host: Any) -> None:
        self._host = host
        self._thread = _LuaThread(f"lua-host-{id(host):x}")
        self._dispatcher_is_async = inspect.iscoroutinefunction(getattr(host.dispatcher, "call", None))
        #: Runs started and not yet finished.
        self.live = 0
        self._rebuild_when_idle = False

    def close(self) -> None:
        self._thread.stop()

    async def execute(
        self, source: str | bytes, *, name: str | None, globals: Mapping[str, Any] | None, capture: tuple[str, ...],
        preload: list[tuple[bytes, str]],
    ) -> Any:
        code = source.encode("utf-8") if isinstance(source, str) else bytes(source)
        run = _Run(name or "script", capture, dict(globals or {}), asyncio.get_running_loop())
        try:
            step = await self._thread.call(self._begin, run, code, preload)
            while step[0] == "wait":
                command = step[1]
                result = await self._perform_within(command, run)
                step = await self._thread.call(self._resume, run, command, result)
            return step[1]
        except asyncio.CancelledError:
            run.cancelled = True  # a turn in progress stops at its next budget check
            raise
        finally:
            if not run.finished:
                self._thread.post(self._discard, run)

    async def _perform_within(self, command: tuple[str, str, Any], run: _Run) -> Any:
        """:meth:`_perform`, given up when the run's wall clock is up (waiting on Twilio counts)."""
        limit = self._host.wall_clock_limit
        if not limit:
            return await self._perform(command)
        left = run.started + limit - time.monotonic()
        try:
            return await asyncio.wait_for(self._perform(command), timeout=max(left, 0.0))
        except asyncio.TimeoutError:
            return TwilioError("timeout", "The run's wall clock ran out while waiting for this call",
                               operation=command[1])

    async def _perform(self, command: tuple[str, str, Any]) -> Any:
        """The answer to ``command``, or the exception raised (logged when it is not an error object's)."""
        kind, operation, values = command
        if kind == "service":
            return await self._perform_service(operation, *values)
        dispatcher = self._host.dispatcher
        try:
            if kind == "follow":  # the next page of Twilio.each, at the link the last page gave
                arguments, link = values
                if self._dispatcher_is_async:
                    return await dispatcher.follow(operation, arguments, link)
                return await asyncio.to_thread(dispatcher.follow, operation, arguments, link)
            if self._dispatcher_is_async:
                return await dispatcher.call(operation, values)
            return await asyncio.to_thread(dispatcher.call, operation, values)
        except TwilioError as exc:
            return exc
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken dispatcher must not take the run's host down
            log.error("Twilio.%s failed inside the adapter", operation, exc_info=exc)
            return TwilioError("config", _INTERNAL, status=500, operation=operation)

    async def _perform_service(self, label: str, service: str, operation: Any, values: dict[str, Any]) -> Any:
        try:
            return await operation.function(**values)
        except (TwilioError, ServiceError) as exc:
            return exc
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - Bridge.answer logs it; the script gets the generic error
            return exc

    def resolve_now(self, run: _Run) -> Any:
        """Carry out the run's pending command while its turn waits (on the Lua thread, so the loop stays
        free): for calls from places no yield can cross."""
        command = run.command
        if command is None:
            return False
        run.command = None
        loop = run.loop
        if loop.is_closed():
            return False
        result = asyncio.run_coroutine_threadsafe(self._perform_within(command, run), loop).result()
        return run.bridge.answer(command, result)

    # On the Lua thread

    def _begin(self, run: _Run, code: bytes, preload: list[tuple[bytes, str]]) -> tuple[str, Any]:
        host = self._host
        with host._lock:
            if host._runtime is None:
                host._build()
            run.runtime, run.sandbox, run.bridge = host._runtime, host._sandbox, host._bridge
            run.module, run.pending = host._module, host._pending
            run.runtime.set_max_memory(0)  # other runs' data may fill the heap past one run's limit
            baseline = run.runtime.get_memory_used() or 0
            run.env, run.extras, fn, before = host._open(code, run.chunk, run.host_globals, preload, baseline)
            host._reset_run()
            run.started = run.turn_ended = host._started
            run.rng = host._rng
            time_limit = host.time_limit if host.time_limit else _NO_TIME_LIMIT
            run.sandbox.arm(host.instruction_limit, time_limit,
                            host.wall_clock_limit if host.wall_clock_limit else False)
            run.sandbox.sethook()  # armed between turns only
            run.record = run.sandbox.record()
            run.sandbox.start(run.record, fn, before)
            del fn, before
            self.live += 1
            return self._turn(run, ())

    def _resume(self, run: _Run, command: tuple[str, str, Any], result: Any) -> tuple[str, Any]:
        with self._host._lock:
            if run.finished:
                raise asyncio.CancelledError()
            return self._turn(run, (run.bridge.answer(command, result),))

    def _discard(self, run: _Run) -> None:
        with self._host._lock:
            if not run.finished:
                run.drop()
                self._finished()

    def _turn(self, run: _Run, args: tuple[Any, ...]) -> tuple[str, Any]:
        host = self._host
        runtime, sandbox, bridge = run.runtime, run.sandbox, run.bridge
        if run.cancelled:
            run.record["state"]["abort"] = True
        used = runtime.get_memory_used() or 0
        allowance = max(host.memory_limit - run.memory_grown, 64 * 1024)
        now = time.monotonic()
        host._turn, bridge.defer, run.command = run, run.defer, None
        host._interrupt = None
        host._halted, host._calls, host._rng = run.halted, run.calls, run.rng
        host._started, host._paused, bridge.paused = run.started, run.paused + (now - run.turn_ended), 0.0
        sandbox.switch(run.record)
        host._state = run.record["state"]
        runtime.set_max_memory(used + allowance)
        try:
            outcome = sandbox.step(run.record, *args)
        except run.module.LuaMemoryError:
            outcome = ("done", False, _NO_MEMORY, False)
        except run.module.LuaError as exc:  # our wrapper failed after the script (a stop, no memory)
            outcome = ("done", False, str(exc), False)
        finally:
            runtime.set_max_memory(0)  # see LuaHost._execute: lupa's own calls must never meet the limit
            sandbox.sethook()
            sandbox.save(run.record)
            run.turn_ended = time.monotonic()
            run.paused, run.calls, run.halted = host._paused + bridge.paused, host._calls, host._halted
            bridge.defer = None
            run.memory_grown = max(0, run.memory_grown + (runtime.get_memory_used() or 0) - used)
        if not isinstance(outcome, tuple):  # lupa hands back one returned value as itself
            outcome = (outcome,)
        try:
            if outcome[0] == "wait" and run.command is not None and host._interrupt is None:
                return ("wait", run.command)
            if outcome[0] == "wait":  # a yield without a command, or an interrupt: the run ends here
                outcome = ("done", False, "the host stopped the script", False)
            try:
                return ("done", host._conclude(tuple(outcome[1:4]), run.chunk, run.env, run.extras,
                                               run.host_globals, run.capture))
            finally:
                run.drop()
                self._finished()
        finally:
            host._turn = None

    def _finished(self) -> None:
        """After a run ends: with no other run going, the host's own after-run care (a fresh runtime when
        the last one is in doubt, a collection when the heap is large); else a rebuild waits for them."""
        host = self._host
        self.live -= 1
        if host._doubt:
            self._rebuild_when_idle = True
            host._doubt = False
        if self.live == 0:
            host._doubt, self._rebuild_when_idle = self._rebuild_when_idle, False
            host._after_run()
