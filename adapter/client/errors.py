"""The one error type callers see, and the error object Lua scripts get."""

from __future__ import annotations

from typing import Any, Literal

__all__ = ["ERROR_STATUS", "ErrorType", "TwilioError"]

ErrorType = Literal["validation", "api", "network", "timeout", "config"]

# The HTTP-like status each kind of failure reports when Twilio itself gave none.
ERROR_STATUS: dict[str, int] = {
    "validation": 400,
    "network": 503,
    "timeout": 504,
    "config": 500,
}


class TwilioError(Exception):
    """A failed operation, carrying data rather than a formatted string.

    ``type`` says which stage failed: ``validation`` (nothing was sent), ``api`` (Twilio answered with an
    error), ``network`` (no answer: could not connect or the connection was lost), ``timeout`` (no answer in
    time) or ``config`` (missing or malformed credentials or settings). Messages never include secrets.
    """

    def __init__(
        self,
        type: ErrorType,
        error: str,
        *,
        status: int | None = None,
        code: int | None = None,
        more_info: str | None = None,
        details: Any = None,
        operation: str | None = None,
        attempts: int | None = None,
    ) -> None:
        super().__init__(error)
        self.type = type
        self.error = error
        self.status = status if status is not None else ERROR_STATUS.get(type, 500)
        self.code = code
        self.more_info = more_info
        self.details = details
        self.operation = operation
        self.attempts = attempts

    def to_dict(self) -> dict[str, Any]:
        """The error object a script sees: ``{type, error, status}`` plus whatever else is known."""
        out: dict[str, Any] = {"type": self.type, "error": self.error, "status": self.status}
        for key in ("code", "more_info", "details", "operation", "attempts"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def __str__(self) -> str:
        return self.error

    def __repr__(self) -> str:
        code = f", code={self.code}" if self.code is not None else ""
        return f"TwilioError(type={self.type!r}, status={self.status}{code}, error={self.error!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments are not restored by Exception's default pickling.
        return (_rebuild, (self.to_dict(),))


def _rebuild(data: dict[str, Any]) -> TwilioError:
    data = dict(data)
    return TwilioError(data.pop("type"), data.pop("error"), **data)
