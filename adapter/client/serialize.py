"""Turn validated arguments into the HTTP request Twilio expects, from the spec alone.

The result is a plain dict (``method``, ``server``, ``path``, ``query``, ``form``) so the next stage, the
transport, needs to know nothing about operations. ``server`` is the operation's API host as the spec names
it (``https://lookups.twilio.com``); the dispatcher swaps in the URL it really uses for that host. Lists
become repeated keys (or one joined value where the spec says ``x-wire-join``) and booleans
``true``/``false``, as Twilio's own SDKs send them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from .spec import OperationSpec

__all__ = ["build_request", "wire_value"]


def build_request(operation: OperationSpec, args: dict[str, Any], account_sid: str) -> dict[str, Any]:
    """``args`` must already be validated: path values match their SID patterns, so they cannot escape
    their path segment; they are quoted all the same."""
    path_values = {"AccountSid": account_sid}
    query: list[tuple[str, str]] = []
    form: list[tuple[str, str]] = []
    for name, value in args.items():
        arg = operation.arguments[name]
        if arg.location == "credential":
            continue
        if arg.location == "path":
            path_values[name] = value
            continue
        target = query if arg.location == "query" else form
        values = value if isinstance(value, list) else [value]
        if arg.wire_join is not None:
            values = [arg.wire_join.join(
                wire_value(arg.wire_values.get(v, v) if arg.wire_values else v) for v in values
            )]
        for item in values:
            if arg.wire_values:
                item = arg.wire_values.get(item, item)
            target.append((arg.sent_as, wire_value(item)))
    path = operation.path.format_map({k: quote(str(v), safe="") for k, v in path_values.items()})
    return {
        "operation": operation.name, "method": operation.method, "server": operation.server, "path": path,
        "query": query, "form": form,
    }


def wire_value(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        # repr would give 1e-05; Twilio wants plain decimals.
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)
