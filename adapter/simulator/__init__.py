"""A faithful local stand-in for Twilio's REST API v2010: Calls, Messages, Media, the Account and its
IncomingPhoneNumbers, with signed webhooks and a control API (docs/simulator.md).

Start one with ``with Simulator() as sim:`` and point any Twilio client at ``sim.base_url`` using
``sim.account_sid`` / ``sim.auth_token``. ``DEFAULT_ACCOUNT_SID``/``DEFAULT_AUTH_TOKEN`` (also known
as ``TEST_ACCOUNT_SID``/``TEST_AUTH_TOKEN``) open the built-in live-like account;
``TEST_CREDENTIALS_SID``/``TEST_CREDENTIALS_TOKEN`` behave like Twilio's test credentials. None of
them opens anything but the simulator.
"""

from __future__ import annotations

from .account import DEFAULT_CONFIG, DEFAULT_MESSAGING_SERVICE_SID, AccountConfig, MessagingService, NumberConfig
from .clock import Clock
from .errors import TwilioError
from .faults import FaultInjector
from .lifecycle import Timings
from .outcomes import DEFAULT_OUTCOMES, Outcome
from .server import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    TEST_ACCOUNT_SID,
    TEST_AUTH_TOKEN,
    TEST_CREDENTIALS_SID,
    TEST_CREDENTIALS_TOKEN,
    RecordedRequest,
    Simulator,
    SimulatorApp,
)
from .store import MemoryStore, Record, SqliteStore, Store
from .webhooks import Delivery, sign

__all__ = [
    "AccountConfig",
    "Clock",
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_CONFIG",
    "DEFAULT_MESSAGING_SERVICE_SID",
    "DEFAULT_OUTCOMES",
    "Delivery",
    "MessagingService",
    "NumberConfig",
    "Outcome",
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
    "TEST_CREDENTIALS_SID",
    "TEST_CREDENTIALS_TOKEN",
    "Timings",
    "TwilioError",
    "sign",
]
