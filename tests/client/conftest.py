"""Shared fixtures for the core tests: a dispatcher with fake credentials on a stub Twilio (a loopback HTTP
server, tests/wire.py) that records what went over the wire and lets a test assert that nothing was sent,
and loopback-only socket servers for transport failures."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from adapter import Dispatcher
from adapter.client.spec import default_spec

from tests.wire import WireMock

from .support import ACCOUNT_SID, AUTH_TOKEN

_ENV_VARS = (
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET", "TWILIO_EDGE",
    "TWILIO_REGION", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real Twilio settings or a proxy (loopback traffic must stay local)."""
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def spec():
    return default_spec()


@pytest.fixture
def mocked() -> Iterator[WireMock]:
    """The stub Twilio; an unstubbed request fails. ``len(mocked.calls) == 0`` proves nothing was sent."""
    with WireMock() as mock:
        yield mock


@pytest.fixture
def dispatcher(mocked: WireMock) -> Iterator[Dispatcher]:
    """Fixed fake credentials, the stub Twilio, and no retries (tests of retries build their own policy)."""
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, max_retries=0, environ={})
    yield d
    d.close()


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers; counts the connections."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.accepted = 0
        self.hang_up = False
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            if self.hang_up:
                try:
                    conn.recv(65536)
                finally:
                    conn.close()
            else:
                self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self._held:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def hangup_server() -> Iterator[SilentServer]:
    """Reads the request, then closes the connection without a word."""
    server = SilentServer()
    server.hang_up = True
    yield server
    server.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 that records requests (for what `responses` cannot see)."""
    from .loopback_http import LoopbackHTTP

    server = LoopbackHTTP()
    yield server
    server.close()
