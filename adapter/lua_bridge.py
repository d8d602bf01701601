"""The host end of the ``Twilio`` table: two Python callables that Lua closures call, and ``register``.

Every operation goes through :meth:`Bridge.call` and every page of ``Twilio.each`` through
:meth:`Bridge.page`. Both always return a Lua table (an envelope ``{ok, value}``) and never raise into Lua:
a :class:`~adapter.TwilioError` becomes its error object, anything else is logged on the ``adapter`` logger
and becomes a generic error object, because a live Python exception caught by a script's ``pcall`` would
hand it the whole interpreter (``__traceback__``, ``__class__``...).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from .errors import TwilioError
from .lua_convert import ConversionError, LuaTypeFn, to_lua, to_python

__all__ = ["Bridge", "install", "lua_module", "lupa_module"]

log = logging.getLogger("adapter")

_CREDENTIALS = ("AccountSid", "AuthToken")
# A call's arguments: small tables. Results may be large (a 1000-item page) but come from Python.
_ARG_MAX_NODES = 10_000
_INTERNAL = "The Twilio adapter failed on the host; the host's log has the details"


def lua_module(name: str) -> str:
    """The source of one of our Lua modules (``lua/<name>.lua``, package data ``adapter.lua_modules``)."""
    return resources.files("adapter.lua_modules").joinpath(f"{name}.lua").read_text(encoding="utf-8")


def lupa_module(runtime: Any) -> Any:
    """The lupa engine module a runtime comes from: its ``lua_type`` is the only one that works on it."""
    return importlib.import_module(type(runtime).__module__)


class Bridge:
    """Runs operations for Lua. ``encode`` is True for runtimes created with ``encoding=None`` (strings
    travel as bytes); ``on_pause`` receives the seconds spent outside Lua, so a time limit counts Lua time
    only; ``on_interrupt`` receives a ``KeyboardInterrupt``/``SystemExit`` that arrived during a call."""

    def __init__(
        self,
        runtime: Any,
        dispatcher: Any,
        *,
        lua_type: LuaTypeFn,
        encode: bool,
        allow_credential_override: bool = True,
        on_pause: Callable[[float], None] | None = None,
        on_interrupt: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._runtime = runtime
        self._dispatcher = dispatcher
        self._lua_type = lua_type
        self._encode = encode
        self._forbid_credentials = not allow_credential_override
        self._on_pause = on_pause
        self._on_interrupt = on_interrupt
        self._operations = dispatcher.spec.operations
        self._keys = {k: (k.encode() if encode else k) for k in ("ok", "value", "items", "count", "next")}

    # Lua calls these two; names and arguments arrive as Lua values.

    def call(self, name: Any, args: Any = None, extra: Any = 0) -> Any:
        started = time.monotonic()
        operation = _text(name)
        try:
            try:
                if self._lua_type(args) == "table" and _looks_like_twilio(args, self):
                    raise TwilioError(
                        "validation",
                        f"{operation}: call Twilio.{operation}{{...}} with a dot, not Twilio:{operation}{{...}}",
                        details=[{"field": "(arguments)", "error": "is the Twilio table itself"}],
                        operation=operation,
                    )
                if extra:
                    raise TwilioError(
                        "validation",
                        f"{operation}: takes one table of named arguments, as in Twilio.{operation}{{...}}; "
                        f"{int(extra)} more value(s) were passed",
                        details=[{"field": "(arguments)", "error": "takes one table of named arguments"}],
                        operation=operation,
                    )
                result = self._dispatcher.call(operation, self._arguments(operation, args))
            except TwilioError as exc:
                return self._envelope(False, value=exc.to_dict())
            return self._envelope(True, value=result)
        except BaseException as exc:  # noqa: BLE001 - nothing may reach Lua
            return self._failed(operation, exc)
        finally:
            if self._on_pause is not None:
                self._on_pause(time.monotonic() - started)

    def page(self, name: Any, args: Any = None) -> Any:
        started = time.monotonic()
        operation = _text(name)
        try:
            try:
                spec = self._operations.get(operation)
                if spec is None or spec.items_key is None:
                    lists = sorted(n for n, op in self._operations.items() if op.items_key)
                    raise TwilioError(
                        "validation",
                        f"each: {operation!r} is not a list operation; use one of {', '.join(lists)}",
                        details=[{"field": "(operation)", "error": "is not a list operation"}],
                        operation=operation,
                    )
                values = self._arguments(operation, args)
                page = self._dispatcher.call(operation, values)
                assert page is not None
                items = page.get(spec.items_key) or []
                following = self._dispatcher.next_page_args(operation, values, page)
            except TwilioError as exc:
                return self._envelope(False, value=exc.to_dict())
            return self._envelope(True, items=items, count=len(items), next=following)
        except BaseException as exc:  # noqa: BLE001 - nothing may reach Lua
            return self._failed(operation, exc)
        finally:
            if self._on_pause is not None:
                self._on_pause(time.monotonic() - started)

    def _arguments(self, operation: str, args: Any) -> Any:
        try:
            values = to_python(args, self._lua_type, max_nodes=_ARG_MAX_NODES)
        except ConversionError as exc:
            field = "(arguments)" if exc.path == "(value)" else exc.path
            if len(field) > 80:
                field = field[:77] + "..."
            raise TwilioError(
                "validation",
                f"{operation}: invalid argument: {field} {exc.problem}",
                details=[{"field": field, "error": exc.problem}],
                operation=operation,
            ) from None
        if self._forbid_credentials and isinstance(values, dict):
            given = [name for name in _CREDENTIALS if values.get(name) is not None]
            if given:
                raise TwilioError(
                    "validation",
                    f"{operation}: {'invalid argument' if len(given) == 1 else 'invalid arguments'}: "
                    + "; ".join(f"{name} may not be set by scripts on this host" for name in given),
                    details=[{"field": name, "error": "may not be set by scripts on this host"} for name in given],
                    operation=operation,
                )
        return values

    def _envelope(self, ok: bool, **fields: Any) -> Any:
        runtime = self._runtime
        # lupa can abort the process when Python-side allocation hits the Lua memory limit: lift it while
        # the result is built; the script then meets the limit on its own next allocation.
        limit = runtime.get_max_memory()
        if limit:
            runtime.set_max_memory(0)
        try:
            envelope = runtime.table()
            envelope[self._keys["ok"]] = ok
            for key, value in fields.items():
                if value is not None:
                    envelope[self._keys[key]] = to_lua(runtime, value, encode=self._encode)
            return envelope
        finally:
            if limit:
                runtime.set_max_memory(limit)

    def _failed(self, operation: str, exc: BaseException) -> Any:
        if not isinstance(exc, Exception):
            # KeyboardInterrupt or SystemExit: the script must stop and the host re-raise it.
            if self._on_interrupt is not None:
                self._on_interrupt(exc)
        else:
            log.error("Twilio.%s failed inside the adapter", operation, exc_info=exc)
        try:
            error = TwilioError("config", _INTERNAL, status=500, operation=operation)
            return self._envelope(False, value=error.to_dict())
        except Exception:  # noqa: BLE001 - the Lua side turns a non-table into the same error object
            log.exception("could not build the error object for Twilio.%s", operation)
            return None


def _looks_like_twilio(table: Any, bridge: Bridge) -> bool:
    """True when a script passed the Twilio table itself (``Twilio:op{}``)."""
    try:
        for key in (b"each", "each"):
            if bridge._lua_type(table[key]) == "function":
                return True
    except Exception:  # noqa: BLE001 - only a hint
        return False
    return False


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def install(runtime: Any, bridge: Bridge, operations: list[str], *, encode: bool) -> Any:
    """Load ``lua/twilio.lua`` into ``runtime`` and build a Twilio table calling ``bridge``."""
    source = lua_module("twilio")
    module = runtime.execute(source.encode() if encode else source, name="=twilio-lua/twilio")
    names = runtime.table_from([n.encode() if encode else n for n in operations])
    return module.build(bridge.call, bridge.page, names)
