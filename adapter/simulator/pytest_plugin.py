"""pytest fixtures for testing your own Twilio code (Python or Lua) against a fresh local simulator.

Installed with the package and registered through the ``pytest11`` entry point; importing it only
defines fixtures (nothing starts until a test asks for one). Each test gets its own simulator with a
frozen clock: time moves when the test calls ``twilio_simulator.advance(seconds)``, which returns
once every webhook due by then has been delivered. ::

    def test_alert_is_sent(twilio_lua, twilio_requests):
        out = twilio_lua.run('return Twilio.postMessage{From="+15005550006", To="+15558675310", Body="hi"}')
        assert out["status"] == "queued"
        assert twilio_requests[-1].form["Body"] == "hi"

| fixture | what |
| --- | --- |
| ``twilio_simulator`` | a running ``adapter.simulator.Simulator`` (default account, frozen clock) |
| ``twilio_dispatcher`` | a ``Dispatcher`` bound to it (no retries, no environment credentials) |
| ``twilio_lua`` | a ``LuaHost`` whose ``Twilio`` table talks to it |
| ``twilio_requests`` | the requests it received, oldest first (a live view) |
| ``twilio_webhooks`` | the webhook deliveries it made, oldest first (a live view) |
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar, overload

import pytest

if TYPE_CHECKING:
    from ..client.dispatcher import Dispatcher
    from ..lua import LuaHost
    from .server import RecordedRequest, Simulator
    from .webhooks import Delivery

__all__ = ["LiveView", "twilio_dispatcher", "twilio_lua", "twilio_requests", "twilio_simulator", "twilio_webhooks"]

T = TypeVar("T")


class LiveView(Generic[T]):
    """A read-only sequence that reads the simulator afresh on every access."""

    def __init__(self, read: Callable[[], list[T]]) -> None:
        self._read = read

    def __len__(self) -> int:
        return len(self._read())

    def __iter__(self) -> Iterator[T]:
        return iter(self._read())

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self._read()[index]

    def __eq__(self, other: object) -> bool:
        return self._read() == (list(other) if isinstance(other, (list, tuple, LiveView)) else other)

    def __repr__(self) -> str:
        return repr(self._read())


@pytest.fixture
def twilio_simulator() -> Iterator[Simulator]:
    from .clock import Clock
    from .server import Simulator

    with Simulator(clock=Clock(start=int(time.time()))) as simulator:
        yield simulator


@pytest.fixture
def twilio_dispatcher(twilio_simulator: Simulator) -> Iterator[Dispatcher]:
    from ..client.dispatcher import Dispatcher

    with Dispatcher(twilio_simulator.account_sid, twilio_simulator.auth_token, base_url=twilio_simulator.base_url,
                    max_retries=0, environ={}) as dispatcher:
        yield dispatcher


@pytest.fixture
def twilio_lua(twilio_dispatcher: Dispatcher) -> LuaHost:
    from ..lua import LuaHost

    return LuaHost(twilio_dispatcher)


@pytest.fixture
def twilio_requests(twilio_simulator: Simulator) -> LiveView[RecordedRequest]:
    return LiveView(lambda: twilio_simulator.requests)


@pytest.fixture
def twilio_webhooks(twilio_simulator: Simulator) -> LiveView[Delivery]:
    return LiveView(lambda: twilio_simulator.deliveries)


