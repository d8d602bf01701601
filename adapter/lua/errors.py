"""The exceptions a host sees when a Lua script fails (never what a script sees: operations return error
objects to Lua and never raise)."""

from __future__ import annotations

__all__ = [
    "LuaCallLimitError",
    "LuaCrashError",
    "LuaInstructionLimitError",
    "LuaLimitError",
    "LuaMemoryLimitError",
    "LuaOutputLimitError",
    "LuaResultError",
    "LuaResultSizeError",
    "LuaRuntimeError",
    "LuaScriptError",
    "LuaSyntaxError",
    "LuaTimeLimitError",
    "LuaWallClockLimitError",
]


class LuaScriptError(Exception):
    """A script that did not complete. ``kind`` names the reason; ``chunk`` is the script's chunk name.

    Messages hold the Lua error text only (``chunk:line: message``), never a Python traceback or a host path.
    """

    kind = "script"

    def __init__(self, message: str, *, chunk: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.chunk = chunk


class LuaSyntaxError(LuaScriptError):
    """The source did not compile (or was precompiled bytecode, which is refused)."""

    kind = "syntax"


class LuaRuntimeError(LuaScriptError):
    """The script raised a Lua error (``error()``, a failed ``assert``, indexing nil, a stack overflow...)."""

    kind = "runtime"


class LuaResultError(LuaScriptError):
    """The script completed but returned something that is not plain data (a function, a cyclic table...)."""

    kind = "result"


class LuaLimitError(LuaScriptError):
    """The script was stopped by one of the host's limits."""

    kind = "limit"


class LuaInstructionLimitError(LuaLimitError):
    """The script ran more Lua instructions than ``instruction_limit``."""

    kind = "instruction_limit"


class LuaTimeLimitError(LuaLimitError):
    """The script spent more than ``time_limit`` seconds in Lua (time in Twilio calls is not counted)."""

    kind = "time_limit"


class LuaMemoryLimitError(LuaLimitError):
    """The script needed more than ``memory_limit`` bytes of Lua memory."""

    kind = "memory_limit"


class LuaWallClockLimitError(LuaLimitError):
    """The run took longer than ``wall_clock_limit`` seconds, time waiting on Twilio included."""

    kind = "wall_clock_limit"


class LuaCallLimitError(LuaLimitError):
    """The script tried to make more than ``call_limit`` Twilio calls in one run (the refused call was not
    sent)."""

    kind = "call_limit"


class LuaOutputLimitError(LuaLimitError):
    """The script printed more than ``output_limit`` bytes in one run (the line that went over was not
    printed)."""

    kind = "output_limit"


class LuaResultSizeError(LuaLimitError):
    """Converting what the script handed the host (its result, a captured global, its error value) would
    take more than ``result_limit`` bytes."""

    kind = "result_size_limit"


class LuaCrashError(LuaScriptError):
    """The worker process running the script died (a crash of Lua itself, the OS killing it, the pool
    killing it for another run's overrun); the message names the cause. The run is not retried: it may
    already have sent a message."""

    kind = "crash"
