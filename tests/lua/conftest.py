"""Fixtures for the Lua bridge tests: a simulator, dispatchers on it or on a stub Twilio, and LuaHosts."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from adapter import Dispatcher
from adapter.lua import LuaHost
from adapter.simulator import Simulator, Timings
from tests.wire import WireMock

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "lua-test-token-0123456789"
MOCK_BASE = "https://api.twilio.test"
FAST_TIMINGS = Timings(0, 0, 0, 0, 0, 0, 0)


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class Lines(list[str]):
    """Collects what scripts print."""

    def __call__(self, line: str) -> None:
        self.append(line)


@pytest.fixture(autouse=True)
def _no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET",
                 "TWILIO_EDGE", "TWILIO_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    # Statuses reach their final value at once, so records can be deleted right after they are created.
    with Simulator(port=0, timings=FAST_TIMINGS) as simulator:
        yield simulator


@pytest.fixture
def sim_dispatcher(sim: Simulator) -> Iterator[Dispatcher]:
    with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, max_retries=0, environ={}) as d:
        yield d


@pytest.fixture
def printed() -> Lines:
    return Lines()


@pytest.fixture
def sim_host(sim_dispatcher: Dispatcher, printed: Lines) -> LuaHost:
    return LuaHost(sim_dispatcher, print=printed)


@pytest.fixture
def mocked() -> Iterator[WireMock]:
    """A stub Twilio on loopback (tests/wire.py): answers registered for MOCK_BASE + path."""
    with WireMock() as mock:
        yield mock


@pytest.fixture
def mock_dispatcher(mocked: WireMock) -> Iterator[Dispatcher]:
    with Dispatcher(ACCOUNT, TOKEN, base_url=mocked.url, max_retries=0, environ={}) as d:
        yield d


@pytest.fixture
def mock_host(mock_dispatcher: Dispatcher, printed: Lines) -> LuaHost:
    return LuaHost(mock_dispatcher, print=printed)


def message_json(sid: str = "SM" + "a" * 32, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sid": sid, "account_sid": ACCOUNT, "to": "+15558675310", "from": "+15005550006", "body": "hi",
        "status": "queued", "num_media": "0", "num_segments": "1", "error_code": None, "price": None,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json",
    }
    data.update(fields)
    return data
