"""A faithful local stand-in for Twilio's REST API v2010: Calls, Messages and Media.

Start one with ``with Simulator() as sim:`` and point any Twilio client at ``sim.base_url`` using
``sim.account_sid`` / ``sim.auth_token``. ``TEST_ACCOUNT_SID``/``TEST_AUTH_TOKEN`` are the
simulator's built-in test credentials (they open nothing but the simulator).
"""

from __future__ import annotations

from .clock import Clock
from .errors import TwilioError
from .faults import FaultInjector
from .lifecycle import Timings
from .server import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, RecordedRequest, Simulator, SimulatorApp
from .store import MemoryStore, Record, SqliteStore, Store

__all__ = [
    "Clock",
    "FaultInjector",
    "MemoryStore",
    "Record",
    "RecordedRequest",
    "Simulator",
    "SimulatorApp",
    "SqliteStore",
    "Store",
    "TEST_ACCOUNT_SID",
    "TEST_AUTH_TOKEN",
    "Timings",
    "TwilioError",
]
