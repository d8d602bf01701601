"""``LuaHost``: a ready sandbox in which untrusted Lua scripts call Twilio.

One LuaHost owns one lupa runtime (Lua 5.1 semantics: LuaJIT 2.1 by default, PUC Lua 5.1 as the fallback)
prepared by ``lua/sandbox.lua``. Each run gets a fresh whitelisted environment; a debug hook enforces the
instruction and time budgets; lupa's allocator enforces the memory limit. After a memory failure the
runtime is rebuilt before the next run, because LuaJIT and Lua 5.1 are not reliable after one.

A runtime serves one thread at a time, so ``run`` holds a lock: for parallel scripts use one LuaHost per
worker thread (they may share one Dispatcher, which is thread-safe).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..client.dispatcher import deadline as call_deadline
from .bridge import Bridge, install_service, load, lua_module
from .convert import ConversionError, ConversionSizeError, to_lua, to_python
from .errors import (
    LuaCallLimitError,
    LuaInstructionLimitError,
    LuaLimitError,
    LuaMemoryLimitError,
    LuaOutputLimitError,
    LuaResultError,
    LuaResultSizeError,
    LuaRuntimeError,
    LuaSyntaxError,
    LuaTimeLimitError,
    LuaWallClockLimitError,
)
from .services import check_service_name, service_operations

__all__ = [
    "DEFAULT_CALL_LIMIT",
    "DEFAULT_INSTRUCTION_LIMIT",
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_OUTPUT_LIMIT",
    "DEFAULT_PATTERN_INPUT_LIMIT",
    "DEFAULT_RESULT_LIMIT",
    "DEFAULT_TIME_LIMIT",
    "DEFAULT_WALL_CLOCK_LIMIT",
    "ENGINES",
    "MIN_INSTRUCTION_LIMIT",
    "MIN_MEMORY_LIMIT",
    "LuaHost",
    "LuaRun",
]

#: Engines with the Lua 5.1 semantics of scripts from hosted platforms (see docs/lua.md for why not 5.2+).
ENGINES = ("luajit21", "lua51")
DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024
MIN_MEMORY_LIMIT = 1024 * 1024
MIN_INSTRUCTION_LIMIT = 1000
#: About 0.1 s of LuaJIT's interpreter; a few thousand ordinary script lines use well under 1%.
DEFAULT_INSTRUCTION_LIMIT = 50_000_000
#: Seconds spent in Lua itself (time waiting on Twilio is not counted); catches loops of costly C calls.
DEFAULT_TIME_LIMIT = 10.0
#: The longest subject string.find/match/gmatch/gsub hand to Lua's C matcher; longer ones (and patterns
#: that could backtrack for long) go to the matcher written in Lua, which the budgets can interrupt.
DEFAULT_PATTERN_INPUT_LIMIT = 64 * 1024
#: Seconds per run from start to end, time waiting on Twilio included.
DEFAULT_WALL_CLOCK_LIMIT = 60.0
#: Twilio calls (each page of Twilio.each is one) per run: a runaway loop cannot send thousands of messages.
DEFAULT_CALL_LIMIT = 100
#: Bytes a run may print (each line counts one byte more, for its newline).
DEFAULT_OUTPUT_LIMIT = 1024 * 1024
#: Host bytes converting what a run hands back may take (its result, each captured global, its error), and
#: the largest argument table a Twilio call may pass.
DEFAULT_RESULT_LIMIT = 16 * 1024 * 1024
# Worst-case steps allowed to one call of the C matcher (under 0.1 s on the measuring machine).
_PATTERN_COST_LIMIT = 1e7
_RESULT_MAX_NODES = 1_000_000
_NO_MEMORY = "not enough memory"
_FOREVER = float("inf")
# An error value (error({...})) is only shown: it is converted within these bounds.
_ERROR_MAX_NODES = 10_000
_ERROR_MAX_BYTES = 64 * 1024
# Free heap a run must start with: lupa's own pushes before the script's first instruction are unprotected.
_START_HEADROOM = 256 * 1024
# Messages that mean the runtime went through a C-level failure: it is rebuilt rather than trusted again.
_DOUBTFUL = ("stack overflow", "error in error handling", _NO_MEMORY)
_LIMIT_ERRORS: dict[str, type[LuaLimitError]] = {
    "instructions": LuaInstructionLimitError,
    "time": LuaTimeLimitError,
    "wall": LuaWallClockLimitError,
    "calls": LuaCallLimitError,
    "output": LuaOutputLimitError,
    "memory": LuaMemoryLimitError,
}

log = logging.getLogger("adapter")


@dataclass
class LuaRun:
    """What a run produced: the first return value and the captured globals, as plain Python."""

    value: Any
    globals: dict[str, Any] = field(default_factory=dict)
    #: Captured globals the script replaced with another value (``response = Twilio.getCall{...}``).
    replaced: frozenset[str] = frozenset()


def _deny_get(obj: Any, name: Any) -> Any:
    raise AttributeError("Python objects are not accessible from Lua")


def _deny_set(obj: Any, name: Any, value: Any) -> None:
    raise AttributeError("Python objects are not accessible from Lua")


def _stderr_print(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class LuaHost:
    """A sandbox for untrusted scripts, with the ``Twilio`` table installed.

    ``allow_credential_override`` None inherits the dispatcher's setting; False makes scripts that pass
    AccountSid/AuthToken get a validation error object (True cannot loosen a dispatcher that forbids them).
    ``print`` receives each line a script prints (default: standard error). ``services`` maps global names
    to host objects whose public methods scripts call as ``Name.method{...}`` (see
    :mod:`adapter.lua.services`); ``dispatcher`` may be None for a host that offers no ``Twilio``.
    """

    def __init__(
        self,
        dispatcher: Any,
        *,
        engine: str = "luajit21",
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        instruction_limit: int = DEFAULT_INSTRUCTION_LIMIT,
        time_limit: float | None = DEFAULT_TIME_LIMIT,
        pattern_input_limit: int = DEFAULT_PATTERN_INPUT_LIMIT,
        wall_clock_limit: float | None = DEFAULT_WALL_CLOCK_LIMIT,
        call_limit: int | None = DEFAULT_CALL_LIMIT,
        output_limit: int | None = DEFAULT_OUTPUT_LIMIT,
        result_limit: int = DEFAULT_RESULT_LIMIT,
        allow_credential_override: bool | None = None,
        subaccounts: Iterable[str] = (),
        print: Callable[[str], Any] | None = None,  # noqa: A002 - the name scripts know
        name: str = "Twilio",
        services: Mapping[str, Any] | None = None,
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        if memory_limit < MIN_MEMORY_LIMIT:
            raise ValueError("memory_limit must be at least 1 MiB")
        if instruction_limit < MIN_INSTRUCTION_LIMIT:
            raise ValueError("instruction_limit must be at least 1000")
        for option, value in (("time_limit", time_limit), ("wall_clock_limit", wall_clock_limit)):
            if value is not None and not value > 0:
                raise ValueError(f"{option} must be a positive number of seconds, or None")
        for option, value in (("call_limit", call_limit), ("output_limit", output_limit)):
            if value is not None and value < 0:
                raise ValueError(f"{option} must be 0 or more, or None")
        if result_limit < 1024:
            raise ValueError("result_limit must be at least 1 KiB")
        self.dispatcher = dispatcher
        self.engine = engine
        self.memory_limit = int(memory_limit)
        self.instruction_limit = int(instruction_limit)
        self.time_limit = time_limit
        self.pattern_input_limit = int(pattern_input_limit)
        self.wall_clock_limit = wall_clock_limit
        self.call_limit = call_limit
        self.output_limit = output_limit
        self.result_limit = int(result_limit)
        self.subaccounts = frozenset(subaccounts)
        inherited = bool(getattr(dispatcher, "allow_credential_override", True))
        self.allow_credential_override = inherited if allow_credential_override is None else (
            allow_credential_override and inherited
        )
        self.name = name
        self.services = dict(services or {})
        for service_name, service in self.services.items():
            check_service_name(service_name)
            if dispatcher is not None and service_name == name:
                raise ValueError(f"{name!r} is the Twilio table's name; give the service another name")
            service_operations(service_name, service)  # refuses, now, a service with nothing to offer
        self._print = print if print is not None else _stderr_print
        self._module = importlib.import_module(f"lupa.{engine}")
        self._lock = threading.Lock()
        self._runtime: Any = None
        self._interrupt: BaseException | None = None
        self._started = 0.0
        self._paused = 0.0
        self._calls = 0
        self._halted: str | None = None
        self._rng = random.Random()
        self._doubt = False
        self._turn: Any = None  # the run of execute_async now taking its turn (see adapter/lua/driver.py)
        self._driver: Any = None
        self.runtimes_built = 0

    # Public API

    def run(self, source: str | bytes, *, name: str | None = None, globals: Mapping[str, Any] | None = None) -> Any:
        """Run a script; return its first return value as plain Python (dict/list/str/int/float/bool/None).

        ``globals`` adds host values (converted to Lua tables) to the script's fresh environment.
        Raises a :class:`~adapter.lua.errors.LuaScriptError` subclass when the script fails."""
        return self.execute(source, name=name, globals=globals).value

    def run_file(self, path: str | Path, *, globals: Mapping[str, Any] | None = None) -> Any:
        """Run a script file (its chunk name is the file's name, without the directory). Raises ``OSError``
        when it cannot be read."""
        path = Path(path)
        return self.execute(path.read_bytes(), name=path.name, globals=globals).value

    def execute(
        self,
        source: str | bytes,
        *,
        name: str | None = None,
        globals: Mapping[str, Any] | None = None,
        capture: Iterable[str] = (),
        preload: Iterable[tuple[str | bytes, str]] = (),
    ) -> LuaRun:
        """Like :meth:`run`, also returning the globals named in ``capture`` as they were at the end (for
        example the ``response`` table of a platform endpoint script). ``preload`` holds ``(source, name)``
        modules run first, in order, in the script's environment and within the same limits (the platform
        loaded a solution's modules this way)."""
        code = source.encode("utf-8") if isinstance(source, str) else bytes(source)
        chunk = name or "script"
        modules = [(s.encode("utf-8") if isinstance(s, str) else bytes(s), n) for s, n in preload]
        with self._lock:
            if self._runtime is None:
                self._build()
            try:
                return self._execute(code, chunk, globals or {}, tuple(capture), modules)
            finally:
                self._after_run()

    # Runtime construction

    def _build(self) -> None:
        # encoding="utf-8": results go to Lua with one table_from, and lupa decodes what comes back. That is
        # safe because no script string ever reaches a Python callable as an argument (lua/twilio.lua and
        # lua/sandbox.lua pass tables, numbers, booleans and our own names only), and what a run returns
        # comes wrapped (sandbox.lua's `outward`), so text that is not UTF-8 only ever meets our own code.
        runtime = self._module.LuaRuntime(
            encoding="utf-8",
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=False,
            max_memory=self.memory_limit,
            attribute_handlers=(_deny_get, _deny_set),
        )
        bridge = Bridge(
            runtime,
            self.dispatcher,
            lua_type=self._module.lua_type,
            encode=False,
            allow_credential_override=self.allow_credential_override,
            on_interrupt=self._interrupted,
            subaccounts=self.subaccounts,
            max_bytes=self.result_limit,
            before_call=self._before_call,
            on_limit=self._halt,
        )
        operations = list(self.dispatcher.spec.operations) if self.dispatcher is not None else []
        twilio, module = load(runtime, bridge, operations, encode=False, resolve=self._resolve_now)
        tables = {} if twilio is None else {self.name: twilio}
        for service_name, service in self.services.items():
            tables[service_name] = install_service(runtime, bridge, module, service_name, service, encode=False,
                                                   resolve=self._resolve_now)
        lpattern = runtime.execute(lua_module("lpattern"), name="=twilio-lua/lpattern")
        sandbox = runtime.execute(lua_module("sandbox"), name="=twilio-lua/sandbox")
        json = runtime.execute(lua_module("json"), name="=twilio-lua/json")
        json.init(module.text)
        config = runtime.table_from({
            "lpattern": lpattern,
            "print": self._lua_print,
            "clock": self._script_time,
            "text": module.text,
            "input_limit": self.pattern_input_limit,
            "cost_limit": _PATTERN_COST_LIMIT,
            "rep_limit": max(1024, self.memory_limit // 4),
            "output_limit": self.output_limit if self.output_limit is not None else False,
            "wall_clock": self._wall_clock,
            "random": self._random,
            "seed": self._seed,
            "load_with_env": self.engine != "lua51",
            "per_coroutine_hooks": self.engine == "lua51",
            "globals": runtime.table_from({"to_json": json.to_json, "from_json": json.from_json}),
            "pending": module.PENDING,
            "resolve": self._resolve_now,
        })
        sandbox.init(config, runtime.table_from(tables))
        self._bridge = bridge
        self._pending = module.PENDING
        self._sandbox = sandbox
        self._state = sandbox.state
        self._sethook = sandbox.sethook
        self._run = sandbox.run
        self._capture = sandbox.capture
        self._text_of = sandbox.text_of
        self._collect = sandbox.collectgarbage
        self._forget = sandbox.forget
        self._halt_lua = sandbox.halt
        self._runtime = runtime
        self.runtimes_built += 1

    # One run

    def _execute(self, code: bytes, chunk: str, host_globals: Mapping[str, Any], capture: tuple[str, ...],
                 preload: list[tuple[bytes, str]]) -> LuaRun:
        runtime = self._runtime
        env, extras, fn, before = self._open(code, chunk, host_globals, preload)
        self._reset_run()
        self._sandbox.arm(
            self.instruction_limit,
            self.time_limit if self.time_limit else False,
            self.wall_clock_limit if self.wall_clock_limit else False,
        )
        self._state = self._sandbox.state
        runtime.set_max_memory(self.memory_limit)
        # Twilio calls made by the script stop waiting when the run's wall clock is up (Dispatcher's deadline).
        wall_deadline = call_deadline(self._started + self.wall_clock_limit if self.wall_clock_limit else None)
        try:
            with wall_deadline:
                outcome = self._run(fn, before)
        except self._module.LuaMemoryError:
            outcome = (False, _NO_MEMORY, False)
        except self._module.LuaError as exc:  # our wrapper failed after the script (a stop, no memory)
            outcome = (False, str(exc), False)
        finally:
            runtime.set_max_memory(0)
            self._sethook()  # a C function called from Python: no instruction runs, so no hook fires
        del fn
        return self._conclude(outcome, chunk, env, extras, host_globals, capture)

    def _open(self, code: bytes, chunk: str, host_globals: Mapping[str, Any], preload: list[tuple[bytes, str]],
              baseline: int = 0) -> tuple[Any, Any, Any, Any]:
        """A run's fresh environment (with the host's globals), the globals as given, its compiled chunk and
        preloaded modules. ``baseline``: heap bytes that belong to other runs (of execute_async)."""
        runtime = self._runtime
        # Between runs the limit stays lifted: every Lua API call lupa makes for the host outside the script
        # is unprotected, and one failing at the limit aborts the process ("PANIC: unprotected error").
        runtime.set_max_memory(0)
        if len(code) > self.memory_limit // 4:
            raise LuaMemoryLimitError(
                f"{chunk}: the source is larger than this host allows ({self.memory_limit // 4} bytes)", chunk=chunk
            )
        extras = runtime.table()
        for key, value in host_globals.items():
            if not isinstance(key, str):
                raise TypeError("globals must be keyed by name (str)")
            extras[key] = to_lua(runtime, value, encode=True)
        env = self._sandbox.prepare(extras)
        before = None
        if preload:
            before = runtime.table_from([self._compile(source, module, env) for source, module in preload])
        fn = self._compile(code, chunk, env)
        if (runtime.get_memory_used() or 0) - baseline + _START_HEADROOM > self.memory_limit:
            self._doubt = True
            raise LuaMemoryLimitError(
                f"{chunk}: memory limit exceeded before the script started (its source and the host's globals "
                f"take more than {self.memory_limit} bytes)", chunk=chunk
            )
        return env, extras, fn, before

    def _reset_run(self) -> None:
        """The host's side of a new run's state (the sandbox's side is ``arm``)."""
        self._interrupt = None
        self._halted = None
        self._calls = 0
        self._rng = random.Random(os.urandom(32))
        self._started, self._paused, self._bridge.paused = time.monotonic(), 0.0, 0.0

    def _conclude(self, outcome: tuple[Any, Any, Any], chunk: str, env: Any, extras: Any,
                  host_globals: Mapping[str, Any], capture: tuple[str, ...]) -> LuaRun:
        """The LuaRun of a finished run (``outcome`` as sandbox.lua's ``run`` gives it), or its exception."""
        ok, value, wrapped = outcome

        killed = self._state["killed"] or self._halted
        if self._interrupt is not None:
            self._doubt = True
            interrupt, self._interrupt = self._interrupt, None
            raise interrupt
        if not ok and killed is None and (self._state["memory"] or value == _NO_MEMORY):
            killed = "memory"
        if killed in _LIMIT_ERRORS:
            # A stop can land anywhere, also inside the sandbox's own code: the runtime is not trusted again.
            self._doubt = True
            raise _LIMIT_ERRORS[killed](f"{chunk}: {self._limit_text(killed)}", chunk=chunk)
        if not ok:
            error = self._read_text(value) if wrapped else value
            if error == _NO_MEMORY:
                self._doubt = True
                raise LuaMemoryLimitError(f"{chunk}: {self._limit_text('memory')}", chunk=chunk)
            if isinstance(error, str) and any(sign in error for sign in _DOUBTFUL):
                self._doubt = True
            raise LuaRuntimeError(self._error_text(error, chunk), chunk=chunk)

        try:
            converted = self._plain(value, wrapped, "")
            # Read raw: the budget hook is off now, and a script may have given _G an endless __index.
            captured = {}
            for name in capture:
                captured_value, captured_wrapped = self._capture(env, name)
                captured[name] = self._plain(captured_value, captured_wrapped, name)
        except ConversionSizeError as exc:
            raise LuaResultSizeError(
                f"{chunk}: the script's result is larger than this host allows ({exc.path} is part of more "
                f"than {self.result_limit} bytes)", chunk=chunk
            ) from None
        except ConversionError as exc:
            raise LuaResultError(f"{chunk}: the script's result {exc}", chunk=chunk) from None
        replaced = frozenset(name for name in capture if name in host_globals
                             and not self._sandbox.same(env, name, extras[name]))
        return LuaRun(converted, captured, replaced)

    def _compile(self, code: bytes, chunk: str, env: Any) -> Any:
        compiled = self._sandbox.host_compile(code, b"=" + chunk.encode("utf-8", "replace"), env)
        fn, err = compiled if isinstance(compiled, tuple) else (compiled, None)
        if fn is None:
            text = _message(self._read_text(err))
            raise LuaSyntaxError(text if text.startswith(chunk) else f"{chunk}: {text}", chunk=chunk)
        return fn

    def _limit_text(self, kind: str) -> str:
        return {
            "instructions": f"instruction limit exceeded ({self.instruction_limit} Lua instructions)",
            "time": f"time limit exceeded ({self.time_limit} s in Lua)",
            "wall": f"wall clock limit exceeded ({self.wall_clock_limit} s per run, Twilio calls included)",
            "calls": f"Twilio call limit exceeded ({self.call_limit} calls per run)",
            "output": f"output limit exceeded ({self.output_limit} bytes printed per run)",
            "memory": f"memory limit exceeded ({self.memory_limit} bytes)",
        }[kind]

    def _plain(self, value: Any, wrapped: bool, path: str) -> Any:
        """A value a run handed back (see sandbox.lua's ``outward``) as plain Python."""
        if wrapped:
            if value[2] + 64 > self.result_limit:  # the length, read before lupa decodes the text
                raise ConversionSizeError(path, self.result_limit)
            try:
                return value[1]
            except UnicodeDecodeError:
                raise ConversionError(path, "is not valid UTF-8 text") from None
        return to_python(value, self._module.lua_type, max_nodes=_RESULT_MAX_NODES, max_bytes=self.result_limit,
                         path=path)

    def _read_text(self, box: Any) -> str:
        """The text in ``{text}`` from Lua (an error message, at most 64 KiB: see sandbox.lua's ``run``);
        text that is not UTF-8 is shown with U+FFFD."""
        try:
            return str(box[1])
        except UnicodeDecodeError:
            pass
        try:
            return str(self._text_of(box))
        except Exception:  # noqa: BLE001 - only a message
            return "(a message that is not valid UTF-8 text)"

    def _error_text(self, error: Any, chunk: str) -> str:
        if isinstance(error, (bytes, str)):
            return _message(error)
        try:
            data = to_python(error, self._module.lua_type, max_nodes=_ERROR_MAX_NODES, max_bytes=_ERROR_MAX_BYTES)
        except ConversionSizeError:
            return f"{chunk}: error(a value larger than {_ERROR_MAX_BYTES} bytes)"
        except ConversionError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return f"{chunk}: {data['error'][:_ERROR_MAX_BYTES]}"
        shown = json.dumps(data, ensure_ascii=False, default=str) if data is not None else "a non-string value"
        return f"{chunk}: error({shown})"

    def _after_run(self) -> None:
        runtime = self._runtime
        if runtime is None:
            return
        doubt, self._doubt = self._doubt, False
        if doubt:
            # A limit, an interrupt or a C-level failure: a fresh runtime for the next run (about 2 ms)
            # rather than one whose state (a half-done library call, a heap at its limit) is uncertain.
            self._runtime = None
            return
        try:
            runtime.set_max_memory(0)
            self._forget()
            # LuaJIT has no emergency collection: garbage left by a big script could make the next one fail
            # at the limit, so collect when the heap is more than half full; a heap that stays that full
            # holds something of the last run, and the runtime is replaced.
            if (runtime.get_memory_used() or 0) > self.memory_limit // 2:
                self._collect(b"collect")
                if (runtime.get_memory_used() or 0) > self.memory_limit // 2:
                    self._runtime = None
        except self._module.LuaError:
            self._runtime = None

    async def execute_async(
        self,
        source: str | bytes,
        *,
        name: str | None = None,
        globals: Mapping[str, Any] | None = None,
        capture: Iterable[str] = (),
        preload: Iterable[tuple[str | bytes, str]] = (),
    ) -> LuaRun:
        """:meth:`execute` for asyncio hosts: the same LuaRun, or the same exceptions.

        The script runs as a Lua coroutine on this host's own Lua thread, so the event loop never waits for
        a script's Lua work; each Twilio call suspends only this script while the call is awaited on the
        loop (with the dispatcher's ``call``: an :class:`~adapter.AsyncDispatcher`, or a blocking dispatcher
        run in a worker thread); a host service's coroutine methods are awaited the same way. Any number of
        runs may be in progress on one LuaHost, each with its own environment and its own budgets and
        quotas. Cancelling the awaiting task stops the run."""
        if self._driver is None:
            from .driver import CoroutineDriver

            self._driver = CoroutineDriver(self)
        modules = [(s.encode("utf-8") if isinstance(s, str) else bytes(s), n) for s, n in preload]
        return await self._driver.execute(source, name=name, globals=globals, capture=tuple(capture),
                                          preload=modules)

    def close(self) -> None:
        """Stop this host's Lua thread (started by the first :meth:`execute_async`). Idempotent."""
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    # Callbacks from Lua: they must never raise.

    def _resolve_now(self) -> Any:
        """Carry out the pending command of the run taking its turn at once (see twilio.lua's ``settle``)."""
        turn = self._turn
        started = time.monotonic()
        try:
            if turn is None or self._driver is None:
                return False  # the Lua side then returns the generic error object
            return self._driver.resolve_now(turn)
        except BaseException as exc:  # noqa: BLE001 - nothing may reach Lua
            log.error("a deferred call failed inside the adapter", exc_info=exc)
            return False
        finally:
            self._paused += time.monotonic() - started

    def _script_time(self) -> float:
        if self._turn is not None and self._turn.cancelled:
            return _FOREVER  # a cancelled run of execute_async: stopped at the next budget check
        return time.monotonic() - self._started - self._paused - self._bridge.paused

    def _wall_clock(self) -> float:
        return time.monotonic() - self._started

    def _random(self) -> float:
        return self._rng.random()

    def _seed(self, value: Any) -> None:
        # Seeds only this run's generator; the next run starts from the OS again.
        self._rng.seed(value if isinstance(value, (int, float)) else 0)

    def _before_call(self) -> str | None:
        """Whether the script may make one more Twilio call; the quota it reached otherwise."""
        if self._halted is not None:
            return self._halted
        if self.wall_clock_limit and self._wall_clock() > self.wall_clock_limit:
            return "wall"
        if self.call_limit is not None and self._calls >= self.call_limit:
            return "calls"
        self._calls += 1
        return None

    def _halt(self, kind: str) -> None:
        """Stop the script from a callback: the next instruction raises (see sandbox.lua's ``halt``)."""
        if self._halted is None:
            self._halted = kind
        runtime = self._runtime
        limit = runtime.get_max_memory()
        runtime.set_max_memory(0)
        try:
            self._halt_lua(kind)
        except self._module.LuaError:
            pass  # the stop hook already fires on halt's own return; it stays set for the script
        except Exception:  # noqa: BLE001 - the flag above still ends the run when the script returns
            log.exception("could not stop the script")
        finally:
            runtime.set_max_memory(limit)

    def _interrupted(self, exc: BaseException) -> None:
        self._interrupt = exc
        runtime = self._runtime
        limit = runtime.get_max_memory()
        runtime.set_max_memory(0)
        try:
            self._state["abort"] = True
        except Exception:  # noqa: BLE001 - the hook also sees _interrupt through the next check
            pass
        finally:
            runtime.set_max_memory(limit)

    def _lua_print(self, box: Any) -> None:
        started = time.monotonic()
        try:
            try:
                text = box[1]  # sandbox.lua made it valid UTF-8; this is only a second line of defence
            except UnicodeDecodeError:
                text = "(a line that is not valid UTF-8 text)"
            self._print(text if isinstance(text, str) else str(text))
        except Exception:  # noqa: BLE001 - a broken print callable must not reach Lua
            log.exception("the LuaHost print callable failed")
        except BaseException as exc:  # noqa: BLE001
            self._interrupted(exc)
        finally:
            self._paused += time.monotonic() - started

    def __repr__(self) -> str:
        return f"LuaHost(engine={self.engine!r}, memory_limit={self.memory_limit}, dispatcher={self.dispatcher!r})"


def _message(error: Any) -> str:
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    # pcall gives no traceback, but lupa's own errors carry one.
    return text.split("\nstack traceback:", 1)[0]
