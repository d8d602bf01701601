"""Twilio for Lua scripts: ``register`` for runtimes the host trusts, ``LuaHost`` for untrusted scripts.

Scripts call ``Twilio.<operation>{...}`` for every operation of the spec, plus ``Twilio.each`` (an iterator
over all items of a list operation) and ``Twilio.is_error``. See docs/lua.md.
"""

from __future__ import annotations

from typing import Any

from .bridge import Bridge, install, lupa_module
from .errors import (
    LuaInstructionLimitError,
    LuaLimitError,
    LuaMemoryLimitError,
    LuaResultError,
    LuaRuntimeError,
    LuaScriptError,
    LuaSyntaxError,
    LuaTimeLimitError,
)
from .host import ENGINES, LuaHost, LuaRun

__all__ = [
    "ENGINES",
    "LuaHost",
    "LuaInstructionLimitError",
    "LuaLimitError",
    "LuaMemoryLimitError",
    "LuaResultError",
    "LuaRun",
    "LuaRuntimeError",
    "LuaScriptError",
    "LuaSyntaxError",
    "LuaTimeLimitError",
    "register",
]


def register(lua_runtime: Any, dispatcher: Any, name: str = "Twilio") -> Any:
    """Install the ``Twilio`` table as global ``name`` in a lupa runtime the host owns, and return it.

    For trusted scripts: nothing is sandboxed. Operations still never raise into Lua and never hand Lua a
    Python object. Works with runtimes created with or without ``encoding=None``."""
    encode = isinstance(lua_runtime.eval("'a'"), bytes)
    bridge = Bridge(lua_runtime, dispatcher, lua_type=lupa_module(lua_runtime).lua_type, encode=encode)
    table = install(lua_runtime, bridge, list(dispatcher.spec.operations), encode=encode)
    lua_runtime.globals()[name.encode() if encode else name] = table
    return table
