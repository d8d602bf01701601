"""Host services: Python objects a host gives scripts next to ``Twilio`` (``Keystore.get{key = "k"}``).

A service is any object; its public methods (names not starting with ``_``) become the operations of a Lua
table of the same name. A mapping of names to callables, or a module, works too. A call
``Keystore.set{key = "k", value = 3}`` runs ``obj.set(key="k", value=3)``: the argument table's fields are
keyword arguments, checked against the method's signature before it runs. What it returns goes to Lua as
plain data (dict/list/str/int/float/bool/None); ``ServiceError`` (or ``TwilioError``) becomes its error
object, anything else raised becomes the generic ``config`` error object, logged on the ``adapter`` logger.
"""

from __future__ import annotations

import inspect
import keyword
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ServiceError", "ServiceOperation", "service_operations", "check_service_name"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Globals every sandboxed script already has: a service may not hide them.
RESERVED = frozenset({
    "assert", "error", "ipairs", "next", "pairs", "pcall", "print", "rawequal", "rawget", "rawset", "select",
    "tonumber", "tostring", "type", "unpack", "xpcall", "getmetatable", "setmetatable", "getfenv", "setfenv",
    "load", "loadstring", "collectgarbage", "_VERSION", "_G", "string", "table", "math", "coroutine", "os",
    "to_json", "from_json", "request", "response", "data",
})


class ServiceError(Exception):
    """Raise it from a service method to give the script an error object
    ``{type = type, error = message, status = status, ...}`` (``details``/``code`` when given)."""

    def __init__(self, message: str, *, status: int = 400, type: str = "service",  # noqa: A002 - the field
                 code: int | str | None = None, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.error = message
        self.status = status
        self.type = type
        self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "error": self.error, "status": self.status}
        if self.code is not None:
            out["code"] = self.code
        if self.details:
            out["details"] = self.details
        return out


@dataclass(frozen=True)
class ServiceOperation:
    """One operation of a host service: the callable and, when Python can tell, its signature."""

    name: str
    function: Callable[..., Any]
    signature: inspect.Signature | None

    @property
    def is_async(self) -> bool:
        """A coroutine function: ``LuaHost.execute_async`` awaits it on the loop (``execute`` refuses it)."""
        return inspect.iscoroutinefunction(self.function)


def check_service_name(name: Any) -> str:
    """``name`` when it can be a global of a script; ``ValueError`` otherwise."""
    if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name):
        raise ValueError(f"service names must be identifiers, not {name!r}")
    if name in RESERVED:
        raise ValueError(f"{name!r} is a global scripts already have; give the service another name")
    return name


def service_operations(service_name: str, service: Any) -> list[ServiceOperation]:
    """The operations ``service`` offers, sorted by name. ``ValueError`` when it offers none."""
    if isinstance(service, Mapping):
        candidates = [(k, v) for k, v in service.items() if isinstance(k, str)]
    else:
        candidates = []
        for attribute in dir(service):
            if attribute.startswith("_"):
                continue
            try:
                value = inspect.getattr_static(service, attribute)
            except AttributeError:
                continue
            if isinstance(value, property) or inspect.isclass(value):
                continue  # reading a property runs code; a class is not an operation
            candidates.append((attribute, getattr(service, attribute)))
    operations = []
    for name, function in sorted(candidates):
        if name.startswith("_") or not _NAME.match(name) or not callable(function) or inspect.isclass(function):
            continue
        try:
            signature: inspect.Signature | None = inspect.signature(function)
        except (TypeError, ValueError):
            signature = None
        operations.append(ServiceOperation(name, function, signature))
    if not operations:
        raise ValueError(f"service {service_name!r} has no public methods to offer scripts")
    return operations
