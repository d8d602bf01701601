"""twilio-lua-adapter: Twilio's Messages, Calls and Media for Lua scripts embedded in Python.

The operations are described once, in ``specs/twilio_v2010.yaml``; :class:`Dispatcher` (and
:class:`AsyncDispatcher`, for asyncio) runs them from Python and :mod:`adapter.lua` exposes them to Lua as the
``Twilio`` table.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any  # noqa: E402

from .client.dispatcher import Dispatcher  # noqa: E402
from .client.errors import TwilioError  # noqa: E402

if TYPE_CHECKING:
    from .client.async_dispatcher import AsyncDispatcher

__all__ = ["AsyncDispatcher", "Dispatcher", "TwilioError", "__version__"]


def __getattr__(name: str) -> Any:
    # aiohttp takes ~0.15 s to import: a host (or CLI) that never uses asyncio does not pay for it.
    if name == "AsyncDispatcher":
        from .client.async_dispatcher import AsyncDispatcher

        return AsyncDispatcher
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
