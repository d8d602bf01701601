"""twilio-lua-adapter: Twilio's Messages, Calls and Media for Lua scripts embedded in Python.

The operations are described once, in ``specs/twilio_v2010.yaml``; :class:`Dispatcher` runs them from
Python and :mod:`adapter.lua` exposes them to Lua as the ``Twilio`` table.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .client.dispatcher import Dispatcher  # noqa: E402
from .client.errors import TwilioError  # noqa: E402

__all__ = ["Dispatcher", "TwilioError", "__version__"]
