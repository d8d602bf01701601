"""Shared fixtures for the reliability suite: a scripted fault server, a fast retry policy, dispatchers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import requests.adapters

from adapter import AsyncDispatcher, Dispatcher
from adapter.client.retry import RetryPolicy
from adapter.client.spec import default_spec

from .faultserver import FaultServer

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
# A token that cannot appear by accident anywhere else, so finding it anywhere is a leak.
AUTH_TOKEN = "f00dfeed" + "5ec12e7a" * 3
MESSAGE_SID = "SM" + "b" * 32
CALL_SID = "CA" + "c" * 32
MEDIA_SID = "ME" + "d" * 32

SEND = {"To": "+15551234567", "From": "+15557654321", "Body": "disk full on db-1"}
FETCH = {"MessageSid": MESSAGE_SID}


def fast_policy(**changes: Any) -> RetryPolicy:
    """The spec's policy (same rules) with tiny waits, so retries cost milliseconds."""
    base = {"backoff_initial": 0.001, "backoff_max": 0.004, "retry_after_max": 0.05, "total_seconds": 10.0}
    base.update(changes)
    return RetryPolicy.from_spec(default_spec().retry_policy, **base)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


class OwnAdapter(requests.adapters.HTTPAdapter):
    """An adapter of the caller's own: mounted on a session, it puts the transport on requests' full path."""


class _AsyncTransportView:
    """What the tests reach on ``dispatcher._transport``: a blocking ``_sleep`` recorder becomes async."""

    def __init__(self, transport: Any) -> None:
        object.__setattr__(self, "_inner", transport)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_sleep":
            blocking = value

            async def sleep(seconds: float) -> None:
                blocking(seconds)

            value = sleep
        setattr(self._inner, name, value)


class BlockingAsyncDispatcher:
    """An :class:`AsyncDispatcher` driven from blocking test code, each call on the facade's own event loop,
    so that every fault test runs unchanged against the async transport too."""

    def __init__(self, *args: Any, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self.inner = AsyncDispatcher(*args, **options)
        self._transport = _AsyncTransportView(self.inner._transport)

    def call(self, operation: str, args: Any = None, /, **kwargs: Any) -> Any:
        return self._loop.run_until_complete(self.inner.call(operation, args, **kwargs))

    def _collect(self, iterator: Any) -> list[Any]:
        async def collect() -> list[Any]:
            return [item async for item in iterator]

        return self._loop.run_until_complete(collect())

    def items(self, operation: str, args: Any = None) -> Iterator[Any]:
        return iter(self._collect(self.inner.items(operation, args)))

    def pages(self, operation: str, args: Any = None) -> Iterator[Any]:
        return iter(self._collect(self.inner.pages(operation, args)))

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name in self.inner.spec.operations:
            return lambda *a, **k: self._loop.run_until_complete(method(*a, **k))
        return method

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.run_until_complete(self.inner.close())
            self._loop.close()

    def __enter__(self) -> "BlockingAsyncDispatcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture(params=["direct", "requests", "async"])
def make_dispatcher(request: pytest.FixtureRequest) -> Iterator[Callable[..., Dispatcher]]:
    """Dispatchers on each of the transports' paths: the sync transport's direct urllib3 path (the default)
    and requests' full path (taken when a proxy, an odd URL or an adapter of the caller's own is configured), and the
    AsyncDispatcher's aiohttp transport. Each classifies failures from a different family of exceptions,
    and all must retry exactly alike."""
    made: list[Any] = []

    def make(base_url: str, **options: Any) -> Any:
        options.setdefault("retry_policy", fast_policy())
        options.setdefault("timeout", (2.0, 2.0))
        if request.param == "async":
            dispatcher: Any = BlockingAsyncDispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=base_url, **options)
        else:
            if request.param == "requests" and "session" not in options:
                session = requests.Session()
                session.mount("http://", OwnAdapter(max_retries=0))
                session.mount("https://", OwnAdapter(max_retries=0))
                options["session"] = session
            dispatcher = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=base_url, **options)
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.close()


@pytest.fixture
def dispatcher(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]) -> Dispatcher:
    return make_dispatcher(server.base_url)


@pytest.fixture(autouse=True)
def _no_stray_threads() -> Iterator[None]:
    """Every test must leave no non-daemon thread behind (a host would hang on exit)."""
    before = {t.ident for t in threading.enumerate()}
    yield
    leaked = [t for t in threading.enumerate() if t.ident not in before and t.is_alive() and not t.daemon]
    assert not leaked, f"non-daemon threads left running: {leaked}"
