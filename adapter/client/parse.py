"""Turn Twilio's answer into the operation's result, or a ``TwilioError`` carrying Twilio's own error data."""

from __future__ import annotations

import json
from typing import Any

from .errors import TwilioError
from .spec import OperationSpec

__all__ = ["FreshJSON", "parse_response"]


class FreshJSON(dict):  # type: ignore[type-arg]
    """A result exactly as ``json.loads`` built it, that nothing else holds: a tree of plain dict, list, str,
    int, float, bool and None. The Lua bridge hands such a value to Lua without a defensive copy; any other
    dict (a subclass's own result, a test double's) is copied first. Code that modifies one must keep it so.
    ``json_bytes`` is the length of the JSON text it came from (the Lua bridge bounds its size in Lua by it)."""

    __slots__ = ("json_bytes",)
    json_bytes: int


def parse_response(operation: OperationSpec, response: dict[str, Any]) -> dict[str, Any] | None:
    status = response["status"]
    attempts = response.get("attempts")
    if 200 <= status < 300:
        if operation.returns_nothing:
            return None
        data = _json(response["body"])
        if not isinstance(data, dict):
            what = "an empty body" if not response["body"].strip() else "a body that is not a JSON object"
            raise TwilioError(
                "api", f"Twilio answered HTTP {status} with {what}", status=502,
                operation=operation.name, attempts=attempts,
            )
        fresh = FreshJSON(data)  # a shallow copy of the top level only: the marker costs well under a microsecond
        fresh.json_bytes = len(response["body"])
        return fresh
    data = _json(response["body"])
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        code = data.get("code")
        raise TwilioError(
            "api",
            data["message"],
            status=status,
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            more_info=data.get("more_info") if isinstance(data.get("more_info"), str) else None,
            details=data.get("details") if isinstance(data.get("details"), (dict, list)) else None,
            operation=operation.name,
            attempts=attempts,
        )
    reason = f" {response.get('reason')}" if response.get("reason") else ""
    raise TwilioError(
        "api", f"Twilio answered HTTP {status}{reason} without a Twilio error body",
        status=status, operation=operation.name, attempts=attempts,
    )


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
