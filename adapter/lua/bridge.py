"""The host end of every service table a script sees: ``Twilio`` (spec-driven) and the host's own services
(``Keystore``...). One bridge: the same Lua closures (``lua/twilio.lua``), error slot, converter and rules.

Every Twilio operation goes through :meth:`Bridge.call`, every page of ``Twilio.each`` through
:meth:`Bridge.page`, ``Twilio.validateRequest`` through :meth:`Bridge.validate_request`, and every operation
of a host service through :meth:`Bridge.service_call`. None ever raises into Lua: a
:class:`~adapter.TwilioError` becomes its error object, anything else is logged on the ``adapter`` logger and
becomes a generic error object, because a live Python exception caught by a script's ``pcall`` would hand it
the whole interpreter (``__traceback__``, ``__class__``...). A call returns its result (a fresh Lua table, or
nil), or ``False`` with the error object put in a slot table the Lua side reads (``lua/twilio.lua``): one
crossing, no envelope to build.

What Lua passes in is only ever a table, nil, a number, a boolean or one of our own operation names: the Lua
closures check the call's shape themselves, and name a wrong one to the host (``problem``, ``detail``). A
script's strings are read only by our own walker (:func:`~adapter.lua.convert.to_python`), where text that is
not UTF-8 becomes a validation error naming the field. That is what makes a runtime with ``encoding="utf-8"``
safe here: lupa decodes a Lua string argument before our code runs, and would raise into Lua on one that is
not UTF-8.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from .._data import read_data
from ..client.errors import TwilioError
from ..client.parse import FreshJSON
from ..client.validation import unknown_operation
from .convert import DEFAULT_MAX_BYTES, ConversionError, LuaTypeFn, json_to_lua, lua_size, to_lua, to_python
from .services import ServiceError, ServiceOperation, service_operations

__all__ = ["Bridge", "install", "install_service", "load", "lua_module", "lupa_module"]

log = logging.getLogger("adapter")

# The Twilio table's fields that are not operations (see ``build`` in twilio.lua).
_TWILIO_FIELDS = ("each", "is_error", "validateRequest")

_CREDENTIALS = ("AccountSid", "AuthToken")
# A call's arguments: small tables. Results may be large (a 1000-item page) but come from Python.
_ARG_MAX_NODES = 10_000
# Twilio's argument names are short; a longer one is refused before validation, whose suggestions for an
# unknown name cost time that grows with the name's length.
_MAX_NAME = 128
# Error objects the host builds go onto the script's heap: each text and the list of details is bounded.
_ERROR_TEXT_MAX = 1000
_ERROR_DETAILS_MAX = 20
# The memory limit may be passed by this fraction while a result is on the heap (lupa cannot build a table
# with the limit on: a failed allocation there aborts the process).
_MEMORY_SLACK = 1.1
# The most Lua heap one byte of JSON can become: `{}` (2 bytes) is a 56-64 byte table, `[{},{}]` a table and a
# slot per 3 bytes. Below that bound a result fits without estimating it item by item.
_LUA_BYTES_PER_JSON_BYTE = 48
_INTERNAL = "The Twilio adapter failed on the host; the host's log has the details"
_KINDS = {"string": "a string", "number": "a number", "boolean": "a boolean"}
_NOT_DATA = {"function": "a function", "thread": "a coroutine", "userdata": "a userdata value"}
_monotonic = time.monotonic


def lua_module(name: str) -> str:
    """The source of one of our Lua modules (``lua/<name>.lua``, package data ``adapter.lua.modules``)."""
    return read_data("lua", f"{name}.lua")


def lupa_module(runtime: Any) -> Any:
    """The lupa engine module a runtime comes from: its ``lua_type`` is the only one that works on it."""
    return importlib.import_module(type(runtime).__module__)


class Bridge:
    """Runs operations for Lua. ``encode`` is True for runtimes created with ``encoding=None`` (strings
    travel as bytes); ``paused`` adds up the seconds spent in calls (outside Lua), so that a time limit counts
    Lua time only; ``on_interrupt`` receives a ``KeyboardInterrupt``/``SystemExit`` that arrived during a
    call."""

    def __init__(
        self,
        runtime: Any,
        dispatcher: Any,
        *,
        lua_type: LuaTypeFn,
        encode: bool,
        allow_credential_override: bool = True,
        on_interrupt: Callable[[BaseException], None] | None = None,
        subaccounts: frozenset[str] | set[str] | tuple[str, ...] = (),
        max_bytes: int = DEFAULT_MAX_BYTES,
        before_call: Callable[[], str | None] | None = None,
        on_limit: Callable[[str], None] | None = None,
    ) -> None:
        self._runtime = runtime
        self._dispatcher = dispatcher
        self._lua_type = lua_type
        self._encode = encode
        self._forbid_credentials = not allow_credential_override
        # Accounts a script may name with AccountSid alone (signed with the host's credentials).
        own = getattr(dispatcher, "account_sid", None)
        self._accounts = frozenset(subaccounts) | ({own} if isinstance(own, str) else set())
        self._max_bytes = max_bytes
        self._before_call = before_call
        self._on_limit = on_limit
        #: Seconds spent in calls since the host last set it to 0.
        self.paused = 0.0
        self._on_interrupt = on_interrupt
        self._operations = dispatcher.spec.operations if dispatcher is not None else {}
        self._keys = {k: (k.encode() if encode else k) for k in ("items", "count", "next")}
        #: Where a failed call leaves its error object for the Lua side (``slot[1]``).
        self.slot = runtime.table()
        # table_from straight from json.loads output (a FreshJSON) needs a runtime that encodes str itself.
        self._may_skip_copy = not encode
        self._validator = getattr(dispatcher, "webhook_validator", None)
        #: Set by the coroutine driver (adapter/lua/driver.py): takes a checked command instead of carrying
        #: it out (``("call" | "page", operation, arguments)``, ``("follow", operation, (arguments,
        #: next_page_uri))`` or ``("service", label, (service, operation, arguments))``) and returns the
        #: marker the Lua side then yields (twilio.lua's ``PENDING``); the driver gives the outcome to
        #: :meth:`answer`.
        self.defer: Callable[[tuple[str, str, Any]], Any] | None = None

    # Lua calls these two: `call` through one partial per operation (the name is ours), `page` with our name
    # of an operation or the text a script gave in a table; arguments arrive as tables or nil.

    def call(self, name: Any, args: Any = None, problem: Any = None, detail: Any = None) -> Any:
        started = _monotonic()
        operation = name if type(name) is str else _text(name)
        try:
            try:
                if problem is not None:
                    raise _shape_error(operation, problem, detail)
                values = self._arguments(operation, args)
                if self._before_call is not None:
                    refused = self._before_call()
                    if refused is not None:
                        return self._refuse(operation, refused)
                if self.defer is not None:
                    return self.defer(("call", operation, values))
                return self._call_result(operation, self._dispatcher.call(operation, values))
            except ConversionError as exc:
                return self._error(_invalid(operation, exc).to_dict())
            except TwilioError as exc:
                return self._error(exc.to_dict())
        except BaseException as exc:  # noqa: BLE001 - nothing may reach Lua
            return self._failed(operation, exc)
        finally:
            self.paused += _monotonic() - started

    def _call_result(self, operation: str, result: Any) -> Any:
        if result is None:
            return None
        # See _page for what the memory limit is about.
        runtime = self._runtime
        limit = runtime.get_max_memory()
        if limit:
            if not self._fits(result, limit, result):
                return self._refuse(operation, "memory")
            runtime.set_max_memory(0)
        try:
            if type(result) is FreshJSON and self._may_skip_copy:
                return json_to_lua(runtime, result)
            return to_lua(runtime, result, encode=self._encode)
        finally:
            if limit:
                runtime.set_max_memory(limit)

    def page(self, name: Any, args: Any = None, problem: Any = None, detail: Any = None, link: Any = None) -> Any:
        """One page of ``Twilio.each``: the first (``link`` nil) or the one at the previous page's
        ``next_page_uri`` (``link``), which the dispatcher follows exactly as Twilio gave it."""
        started = _monotonic()
        operation = name if type(name) is str else _text(name)
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
                if problem is not None:
                    raise _shape_error(operation, problem, detail)
                values = self._arguments(operation, args)
                if self._before_call is not None:
                    refused = self._before_call()
                    if refused is not None:
                        return self._refuse(operation, refused)
                if link is not None and type(link) is not str:
                    link = _text(link)
                if self.defer is not None:
                    if link is None:
                        return self.defer(("page", operation, values))
                    return self.defer(("follow", operation, (values, link)))
                if link is None:
                    return self._page_result(operation, self._dispatcher.call(operation, values))
                return self._page_result(operation, self._dispatcher.follow(operation, values, link))
            except TwilioError as exc:
                return self._error(exc.to_dict())
        except BaseException as exc:  # noqa: BLE001 - nothing may reach Lua
            return self._failed(operation, exc)
        finally:
            self.paused += _monotonic() - started

    def _page_result(self, operation: str, page: Any) -> Any:
        assert page is not None
        spec = self._operations[operation]
        fresh_json = type(page) is FreshJSON and self._may_skip_copy
        items = page.get(spec.items_key) or []
        # The next page's link goes back to Lua as it is; the next `page` call hands it to the dispatcher.
        following = page.get("next_page_uri") or None
        if following is not None and type(following) is not str:
            following = None  # not a link Twilio would give; the list ends here
        return self._page(items, following, fresh_json=fresh_json and type(items) is list, source=page)

    def answer(self, command: tuple[str, str, Any], result: Any) -> Any:
        """What the Lua side gets for a deferred ``command`` (see :attr:`defer`) whose outcome is ``result``
        (the answer, or the exception raised): what :meth:`call`, :meth:`page` or :meth:`service_call`
        would have returned. Never raises."""
        kind, operation, values = command
        if kind == "service":
            service, service_op, _arguments = values
            try:
                if isinstance(result, (TwilioError, ServiceError)):
                    error = result.to_dict()
                    error.setdefault("service", service)
                    error["operation"] = service_op.name
                    return self._error(error)
                if isinstance(result, BaseException):
                    log.error("%s failed on the host", operation, exc_info=result)
                    return self._error(_internal(service, service_op.name))
                return self._service_result(operation, service, service_op, result)
            except Exception:  # noqa: BLE001 - with an empty slot, the Lua side builds the generic error
                log.exception("%s: its answer could not be passed to Lua", operation)
                return False
        try:
            try:
                if isinstance(result, TwilioError):
                    raise result
                if isinstance(result, BaseException):
                    return self._failed(operation, result)
                if kind in ("page", "follow"):
                    return self._page_result(operation, result)
                return self._call_result(operation, result)
            except ConversionError as exc:
                return self._error(_invalid(operation, exc).to_dict())
            except TwilioError as exc:
                return self._error(exc.to_dict())
        except BaseException as exc:  # noqa: BLE001 - nothing may reach Lua
            return self._failed(operation, exc)

    def service_call(self, service: str, operation: ServiceOperation, args: Any = None, problem: Any = None,
                     detail: Any = None) -> Any:
        """An operation of a host service: the argument table's fields as keyword arguments; the result as
        plain Lua data (``True`` with a plain value in ``slot[2]``, see ``unwrap`` in twilio.lua)."""
        started = _monotonic()
        label = f"{service}.{operation.name}"
        try:
            try:
                if problem is not None:
                    raise _shape_error(operation.name, problem, detail, service=service)
                values = self._service_arguments(label, operation, args)
                if operation.is_async:
                    if self.defer is not None:
                        return self.defer(("service", label, (service, operation, values)))
                    raise ServiceError(f"{label} is a coroutine function: this host runs it only in "
                                       "LuaHost.execute_async", type="config", status=500)
                return self._service_result(label, service, operation, operation.function(**values))
            except (TwilioError, ServiceError) as exc:
                error = exc.to_dict()
                error.setdefault("service", service)
                error["operation"] = operation.name
                return self._error(error)
        except BaseException as exc:  # noqa: BLE001 - nothing may reach Lua
            if not isinstance(exc, Exception):
                if self._on_interrupt is not None:
                    self._on_interrupt(exc)
            else:
                log.error("%s failed on the host", label, exc_info=exc)
            try:
                return self._error(_internal(service, operation.name))
            except Exception:  # noqa: BLE001 - with an empty slot, the Lua side builds the same error object
                return False
        finally:
            self.paused += _monotonic() - started

    def _service_result(self, label: str, service: str, operation: ServiceOperation, result: Any) -> Any:
        if result is None:
            return None
        try:
            converted = self._lua_value(result)
        except (TypeError, ValueError, RecursionError) as exc:
            log.error("%s returned a value that cannot be passed to Lua: %s", label, exc)
            return self._error(_internal(service, operation.name))
        if isinstance(converted, (str, bytes, int, float, bool)):
            self.slot[2] = converted
            return True
        return converted

    def validate_request(self, args: Any = None, problem: Any = None, detail: Any = None) -> Any:
        """``Twilio.validateRequest(request)``: ``{valid = true}``, or the reason as an error object. The
        Auth Token stays in the dispatcher's validator; only the verdict crosses to Lua."""
        started = _monotonic()
        try:
            try:
                if problem is not None:
                    raise _shape_error("validateRequest", problem, detail)
                request = self._arguments("validateRequest", args) if args is not None else None
                if not isinstance(request, dict):
                    raise TwilioError(
                        "validation", "validateRequest: pass the request table, as in Twilio.validateRequest(request)",
                        details=[{"field": "(arguments)", "error": "must be the request table"}],
                        operation="validateRequest")
                if self._validator is None:
                    raise TwilioError(
                        "config", "validateRequest needs the host's Auth Token, and this host has none (no "
                        "credentials, or an API key)", status=500, operation="validateRequest")
                remote = getattr(self._validator, "check_request_async", None)
                if remote is not None:
                    # The token is in another process (a ScriptPool worker): the check goes there as a
                    # command of the coroutine driver, answered as a service's.
                    if self.defer is None:
                        raise TwilioError("config", "validateRequest: this host checks signatures only in "
                                          "LuaHost.execute_async", status=500, operation="validateRequest")
                    operation = ServiceOperation("validateRequest", remote, None)
                    return self.defer(("service", "Twilio.validateRequest", ("Twilio", operation,
                                                                             {"request": request})))
                reason = self._validator.check_request(request)
                if reason is not None:
                    raise TwilioError("validation", f"validateRequest: {reason}", status=403,
                                      operation="validateRequest")
                return self._lua_value({"valid": True})
            except TwilioError as exc:
                return self._error(exc.to_dict())
        except BaseException as exc:  # noqa: BLE001 - nothing may reach Lua
            return self._failed("validateRequest", exc)
        finally:
            self.paused += _monotonic() - started

    def _service_arguments(self, label: str, operation: ServiceOperation, args: Any) -> dict[str, Any]:
        if args is None:
            values: Any = {}
        else:
            try:
                values = to_python(args, self._lua_type, max_nodes=_ARG_MAX_NODES, max_bytes=self._max_bytes)
            except ConversionError as exc:
                field = "(arguments)" if exc.path == "(value)" else exc.path
                raise ServiceError(f"{label}: invalid argument: {field} {exc.problem}", type="validation",
                                   details=[{"field": field, "error": exc.problem}]) from None
        if isinstance(values, list):
            if values:
                raise ServiceError(f"{label}: takes one table of named arguments, not a list", type="validation",
                                   details=[{"field": "(arguments)", "error": "takes one table of named arguments"}])
            values = {}
        if operation.signature is not None:
            try:
                operation.signature.bind(**values)
            except TypeError as exc:
                raise ServiceError(f"{label}: {exc}", type="validation",
                                   details=[{"field": "(arguments)", "error": str(exc)}]) from None
        return values

    def _lua_value(self, value: Any) -> Any:
        """``value`` as a Lua value, built with the memory limit lifted (see ``_page``)."""
        runtime = self._runtime
        limit = runtime.get_max_memory()
        if limit:
            if not self._fits(value, limit):
                if self._on_limit is not None:
                    self._on_limit("memory")
                raise TwilioError("config", _REFUSED["memory"], status=500)
            runtime.set_max_memory(0)
        try:
            return to_lua(runtime, value, encode=self._encode)
        finally:
            if limit:
                runtime.set_max_memory(limit)

    def unknown(self, name: Any) -> Any:
        """The message of the Lua error raised for ``Twilio.<name>`` when no such field exists (see ``build``
        in twilio.lua): the closest operations, from the spec (case, ``x-aliases``, spelling). ``name`` is
        the script's text in a table (``{text}``, at most 200 bytes); the work is bounded by
        :data:`~adapter.client.validation.MAX_SUGGESTED_NAME`. Never raises."""
        try:
            message = unknown_operation(_text(name), self._operations, prefix="Twilio.", also=_TWILIO_FIELDS)
        except BaseException as exc:  # noqa: BLE001 - nothing may reach Lua
            if not isinstance(exc, Exception) and self._on_interrupt is not None:
                self._on_interrupt(exc)
            message = "no such operation in the Twilio table"
        return message.encode() if self._encode else message

    def _arguments(self, operation: str, args: Any) -> Any:
        if args is None:
            return None
        try:
            values = to_python(args, self._lua_type, max_nodes=_ARG_MAX_NODES, max_bytes=self._max_bytes)
        except ConversionError as exc:
            raise _invalid(operation, exc) from None
        if type(values) is dict:
            _check_names(operation, values)
            if self._forbid_credentials:
                _check_credentials(operation, values)
            elif values.get("AccountSid") is not None and values.get("AuthToken") is None:
                _check_account(operation, values["AccountSid"], self._accounts)
        return values

    def _fits(self, value: Any, limit: int, source: Any = None) -> bool:
        """Whether ``value`` converted to Lua keeps the heap within the memory limit's slack. ``source`` is
        the FreshJSON it comes from, if any: its JSON length bounds the size in Lua without a walk."""
        room = limit * _MEMORY_SLACK - (self._runtime.get_memory_used() or 0)
        if type(source) is FreshJSON and _LUA_BYTES_PER_JSON_BYTE * source.json_bytes + 4096 <= room:
            return True
        return room > 0 and lua_size(value, room) <= room

    def _refuse(self, operation: str, kind: str) -> bool:
        """Stop the script for a reached limit (the host names it when the run ends); the call is not
        made, or its result not handed over."""
        if self._on_limit is not None:
            self._on_limit(kind)
        text = _REFUSED.get(kind, "a limit of this host was reached")
        return self._error(TwilioError("config", f"{operation}: {text}", status=500, operation=operation).to_dict())

    # Building what Lua gets (results are built in `call`). lupa can abort the process when Python-side
    # allocation hits the Lua memory limit: the limit is lifted while a value is built; the script then meets
    # it on its next allocation.

    def _page(self, items: Any, following: Any, *, fresh_json: bool, source: Any = None) -> Any:
        runtime = self._runtime
        keys = self._keys
        limit = runtime.get_max_memory()
        if limit:
            if not self._fits(items, limit, source):
                return self._refuse("each", "memory")
            runtime.set_max_memory(0)
        try:
            lua_items = json_to_lua(runtime, items) if fresh_json else to_lua(runtime, items, encode=self._encode)
            return runtime.table_from({
                keys["items"]: lua_items,
                keys["count"]: len(items),
                keys["next"]: None if following is None else to_lua(runtime, following, encode=self._encode),
            })
        finally:
            if limit:
                runtime.set_max_memory(limit)

    def _error(self, error: dict[str, Any]) -> bool:
        """Put the error object in the slot; the Lua side returns it to the script."""
        runtime = self._runtime
        error = _bounded(error)
        limit = runtime.get_max_memory()
        if limit:
            runtime.set_max_memory(0)
        try:
            self.slot[1] = to_lua(runtime, error, encode=self._encode)
        finally:
            if limit:
                runtime.set_max_memory(limit)
        return False

    def _failed(self, operation: str, exc: BaseException) -> Any:
        if not isinstance(exc, Exception):
            # KeyboardInterrupt or SystemExit: the script must stop and the host re-raise it.
            if self._on_interrupt is not None:
                self._on_interrupt(exc)
        else:
            log.error("Twilio.%s failed inside the adapter", operation, exc_info=exc)
        try:
            return self._error(TwilioError("config", _INTERNAL, status=500, operation=operation).to_dict())
        except Exception:  # noqa: BLE001 - with an empty slot, the Lua side builds the same error object
            log.exception("could not build the error object for Twilio.%s", operation)
            return False


_REFUSED = {
    "calls": "this run has made as many Twilio calls as this host allows; nothing was sent",
    "wall": "this run has used its wall-clock time; nothing was sent",
    "memory": "the result does not fit in the script's memory limit",
    "interrupted": "the run was interrupted by the host",
}


def _bounded(error: dict[str, Any]) -> dict[str, Any]:
    """The error object with each text cut to a bounded length and at most a few details: it goes onto the
    script's heap, and a message may quote what the script sent."""
    out: dict[str, Any] = {}
    for key, value in error.items():
        if type(value) is str and len(value) > _ERROR_TEXT_MAX:
            value = value[: _ERROR_TEXT_MAX - 3] + "..."
        elif key == "details" and isinstance(value, list):
            value = [_bounded(d) if isinstance(d, dict) else d for d in value[:_ERROR_DETAILS_MAX]]
        out[key] = value
    return out


def _check_names(operation: str, values: dict[str, Any]) -> None:
    """Refuse argument names longer than any of Twilio's, without asking validation for suggestions."""
    long_names = [name for name in values if len(name) > _MAX_NAME]
    if long_names:
        raise TwilioError(
            "validation",
            f"{operation}: invalid argument: unknown argument (a name of {len(long_names[0])} characters)",
            details=[{"field": name[:40] + "...", "error": "is not an argument of this operation"}
                     for name in long_names[:_ERROR_DETAILS_MAX]],
            operation=operation,
        )


def _check_account(operation: str, account_sid: Any, allowed: frozenset[str]) -> None:
    """AccountSid without its own AuthToken would be signed with the host's credentials: only for the
    host's own account and the subaccounts it named."""
    if isinstance(account_sid, str) and account_sid in allowed:
        return
    raise TwilioError(
        "validation",
        f"{operation}: invalid argument: AccountSid needs its own AuthToken on this host "
        "(the host's credentials are only used for its own account and the subaccounts it allows)",
        details=[{"field": "AccountSid", "error": "needs its own AuthToken on this host"}],
        operation=operation,
    )


def _check_credentials(operation: str, values: Any) -> None:
    """Refuse AccountSid/AuthToken from a script, on a host that forbids them."""
    if not isinstance(values, dict):
        return
    given = [name for name in _CREDENTIALS if values.get(name) is not None]
    if given:
        raise TwilioError(
            "validation",
            f"{operation}: {'invalid argument' if len(given) == 1 else 'invalid arguments'}: "
            + "; ".join(f"{name} may not be set by scripts on this host" for name in given),
            details=[{"field": name, "error": "may not be set by scripts on this host"} for name in given],
            operation=operation,
        )


def _invalid(operation: str, exc: ConversionError) -> TwilioError:
    field = "(arguments)" if exc.path == "(value)" else exc.path
    if len(field) > 80:
        field = field[:77] + "..."
    return TwilioError(
        "validation",
        f"{operation}: invalid argument: {field} {exc.problem}",
        details=[{"field": field, "error": exc.problem}],
        operation=operation,
    )


def _internal(service: str, operation: str) -> dict[str, Any]:
    return {"type": "config", "error": f"The {service} service failed on the host; the host's log has the details",
            "status": 500, "service": service, "operation": operation}


def _shape_error(operation: str, problem: Any, detail: Any, *, service: str = "Twilio") -> TwilioError:
    """The validation error for a call shape the Lua closure refused (see ``operation`` in twilio.lua)."""
    problem = _text(problem)
    # Twilio's messages start with the operation (as its validation errors do); other services' with both.
    label = operation if service == "Twilio" else f"{service}.{operation}"
    if problem == "colon":
        return TwilioError(
            "validation",
            f"{label}: call {service}.{operation}{{...}} with a dot, not {service}:{operation}{{...}}",
            details=[{"field": "(arguments)", "error": f"is the {service} table itself"}],
            operation=operation,
        )
    if problem == "extra":
        count = int(detail) if isinstance(detail, (int, float)) and not isinstance(detail, bool) else 1
        return TwilioError(
            "validation",
            f"{label}: takes one table of named arguments, as in {service}.{operation}{{...}}; "
            f"{count} more value(s) were passed",
            details=[{"field": "(arguments)", "error": "takes one table of named arguments"}],
            operation=operation,
        )
    kind = _text(detail)
    if kind in _NOT_DATA:
        return _invalid(label, ConversionError(
            "", f"is {_NOT_DATA[kind]}; only strings, numbers, booleans and tables can be passed"))
    message = f"must be a table of named arguments, not {_KINDS.get(kind, 'a ' + kind)}"
    return TwilioError(
        "validation",
        f"{label}: invalid argument: (arguments) {message}",
        details=[{"field": "(arguments)", "error": message}],
        operation=operation,
    )


def _text(value: Any) -> str:
    """One of our own strings as Lua passed it (bytes from a runtime without an encoding), or the text a Lua
    closure put in a table for us (``{text}``); never raises."""
    if type(value) is str:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, (int, float)):
        return str(value)
    try:
        inner = value[1]
    except Exception:  # noqa: BLE001 - text that is not UTF-8 after all, or not a table
        return "(text that is not valid UTF-8)"
    if isinstance(inner, (str, bytes)):
        return _text(inner)
    return "(not a text)"


def load(
    runtime: Any, bridge: Bridge, operations: list[str], *, encode: bool, resolve: Callable[[], Any] | None = None
) -> tuple[Any, Any]:
    """Load ``lua/twilio.lua`` into ``runtime``; return a Twilio table calling ``bridge`` (None when the
    bridge has no dispatcher) and the module (whose ``service`` builds the tables of host services)."""
    source = lua_module("twilio")
    module = runtime.execute(source.encode() if encode else source, name="=twilio-lua/twilio")
    if bridge._dispatcher is None:
        return None, module
    names = runtime.table_from([n.encode() if encode else n for n in operations])
    # One callable per operation, so that a call passes Lua only its argument table (no name to decode).
    calls = runtime.table_from([partial(bridge.call, n) for n in operations])
    twilio = module.build(calls, bridge.page, names, bridge.slot, bridge.validate_request, resolve, bridge.unknown)
    return twilio, module


def install(runtime: Any, bridge: Bridge, operations: list[str], *, encode: bool) -> Any:
    """Load ``lua/twilio.lua`` into ``runtime`` and build a Twilio table calling ``bridge``."""
    return load(runtime, bridge, operations, encode=encode)[0]


def install_service(
    runtime: Any, bridge: Bridge, module: Any, name: str, service: Any, *, encode: bool,
    resolve: Callable[[], Any] | None = None,
) -> Any:
    """Build the Lua table of host service ``service`` (see :mod:`adapter.lua.services`) with the same
    closures as Twilio's operations (``module`` is the loaded ``lua/twilio.lua``)."""
    operations = service_operations(name, service)
    names = runtime.table_from([op.name.encode() if encode else op.name for op in operations])
    calls = runtime.table_from([partial(bridge.service_call, name, op) for op in operations])
    return module.service(name.encode() if encode else name, calls, names, bridge.slot, resolve)
