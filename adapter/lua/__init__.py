"""Twilio for Lua scripts: ``register`` for runtimes the host trusts, ``LuaHost`` for untrusted scripts.

Scripts call ``Twilio.<operation>{...}`` for every operation of the spec, plus ``Twilio.each`` (an iterator
over all items of a list operation), ``Twilio.is_error`` and ``Twilio.validateRequest``; a host adds its own
services (``services={"Keystore": obj}``) through the same bridge. See docs/lua.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .bridge import Bridge, install_service, load, lupa_module
from .errors import (
    LuaCallLimitError,
    LuaCrashError,
    LuaInstructionLimitError,
    LuaLimitError,
    LuaMemoryLimitError,
    LuaOutputLimitError,
    LuaResultError,
    LuaResultSizeError,
    LuaRuntimeError,
    LuaScriptError,
    LuaSyntaxError,
    LuaTimeLimitError,
    LuaWallClockLimitError,
)
from .host import ENGINES, LuaHost, LuaRun
from .pool import BlockingScriptPool, ScriptPool
from .services import ServiceError, check_service_name

__all__ = [
    "BlockingScriptPool",
    "ENGINES",
    "LuaCallLimitError",
    "LuaCrashError",
    "LuaHost",
    "LuaInstructionLimitError",
    "LuaLimitError",
    "LuaMemoryLimitError",
    "LuaOutputLimitError",
    "LuaResultError",
    "LuaResultSizeError",
    "LuaRun",
    "LuaRuntimeError",
    "LuaScriptError",
    "LuaSyntaxError",
    "LuaTimeLimitError",
    "LuaWallClockLimitError",
    "ScriptPool",
    "ServiceError",
    "register",
]


def register(lua_runtime: Any, dispatcher: Any, name: str = "Twilio", *,
             services: Mapping[str, Any] | None = None) -> Any:
    """Install the ``Twilio`` table as global ``name`` in a lupa runtime the host owns, and return it (None
    when ``dispatcher`` is None). ``services`` adds host services as globals, as on ``LuaHost``.

    For trusted scripts: nothing is sandboxed. Operations still never raise into Lua and never hand Lua a
    Python object. Works with runtimes created with or without ``encoding=None``."""
    encode = isinstance(lua_runtime.eval("'a'"), bytes)
    for service_name in services or {}:
        check_service_name(service_name)
    bridge = Bridge(lua_runtime, dispatcher, lua_type=lupa_module(lua_runtime).lua_type, encode=encode)
    operations = list(dispatcher.spec.operations) if dispatcher is not None else []
    table, module = load(lua_runtime, bridge, operations, encode=encode)
    lua_globals = lua_runtime.globals()
    for service_name, service in (services or {}).items():
        lua_globals[service_name.encode() if encode else service_name] = install_service(
            lua_runtime, bridge, module, service_name, service, encode=encode)
    if table is not None:
        lua_globals[name.encode() if encode else name] = table
    return table
