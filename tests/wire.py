"""A stub Twilio on 127.0.0.1 for tests: canned answers registered per method and path, every request
recorded as it went over the wire.

The API follows the `responses` library (``add``, ``calls[i].request``, query matchers) so tests read the
same, but the requests are real HTTP on a loopback socket: the client runs its production path, byte for byte.
Registered URLs may carry any origin (``https://api.twilio.test/...``); only the path (and the query, when
the registered URL or a matcher names one) is matched, and the client must be pointed at :attr:`WireMock.url`.
"""

from __future__ import annotations

import json as jsonlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from requests.structures import CaseInsensitiveDict

__all__ = ["Call", "WireMock", "WireRequest", "query_param_matcher", "wire_mock"]

GET, POST, DELETE = "GET", "POST", "DELETE"

Matcher = Callable[["WireRequest"], bool]


@dataclass
class WireRequest:
    """One request as the server read it. ``body`` is the text sent, or None when there was none."""

    method: str
    url: str
    headers: CaseInsensitiveDict[str]
    body: str | None
    raw_body: bytes

    @property
    def path_url(self) -> str:
        split = urlsplit(self.url)
        return split.path + (f"?{split.query}" if split.query else "")


@dataclass
class WireResponse:
    status_code: int | None  # None: the connection was dropped without an answer


@dataclass
class Call:
    request: WireRequest
    response: WireResponse


@dataclass
class _Stub:
    method: str
    path: str
    query: dict[str, str] | None
    matchers: list[Matcher]
    status: int
    headers: dict[str, str]
    body: bytes | None  # None: drop the connection without answering
    pattern: re.Pattern[str] | None = None
    uses: int = 0

    def matches(self, request: WireRequest) -> bool:
        split = urlsplit(request.url)
        if request.method != self.method:
            return False
        if self.pattern is not None:
            if not self.pattern.fullmatch(request.path_url):
                return False
        elif split.path != self.path:
            return False
        if self.query is not None and dict(parse_qsl(split.query, keep_blank_values=True)) != self.query:
            return False
        return all(match(request) for match in self.matchers)


def query_param_matcher(params: dict[str, Any]) -> Matcher:
    """The request's query is exactly ``params`` (values compared as text)."""
    wanted = {key: str(value) for key, value in params.items()}

    def match(request: WireRequest) -> bool:
        return dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True)) == wanted

    return match


class WireMock:
    """Serves registered answers; an unregistered request is recorded and its connection dropped (the client
    sees a lost connection, as with `responses`' ConnectionError)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._stubs: list[_Stub] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                request = WireRequest(
                    self.command, owner.url + self.path, CaseInsensitiveDict(dict(self.headers.items())),
                    raw.decode("latin-1") if raw else None, raw,
                )
                stub = owner._answer_for(request)
                if stub is None or stub.body is None:
                    owner._record(request, None)
                    self.close_connection = True
                    return
                owner._record(request, stub.status)
                self.send_response(stub.status)
                for key, value in stub.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(stub.body)))
                self.end_headers()
                self.wfile.write(stub.body)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def add(
        self,
        method: str,
        url: str | re.Pattern[str],
        *,
        status: int = 200,
        json: Any = None,
        body: str | bytes | BaseException | None = None,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
        match: list[Matcher] | tuple[Matcher, ...] = (),
    ) -> None:
        """Answer ``method`` on ``url``'s path. ``body`` may be an exception: the connection is then dropped
        without an answer. As with `responses`, several answers for one request are used in order and the
        last one repeats. A compiled pattern is matched against the whole path and query."""
        pattern = url if isinstance(url, re.Pattern) else None
        split = urlsplit("" if pattern is not None else str(url))
        query = dict(parse_qsl(split.query, keep_blank_values=True)) if split.query else None
        answer_headers = dict(headers or {})
        payload: bytes | None
        if isinstance(body, BaseException):
            payload = None
        elif json is not None:
            payload = jsonlib.dumps(json).encode()
            answer_headers.setdefault("Content-Type", content_type or "application/json")
        else:
            payload = body.encode() if isinstance(body, str) else (body or b"")
            answer_headers.setdefault("Content-Type", content_type or "text/plain")
        with self._lock:
            self._stubs.append(_Stub(method.upper(), split.path or "/", query, list(match), status,
                                     answer_headers, payload, pattern))

    def _answer_for(self, request: WireRequest) -> _Stub | None:
        with self._lock:
            found = [stub for stub in self._stubs if stub.matches(request)]
            if not found:
                return None
            for stub in found:
                if stub.uses == 0 or stub is found[-1]:
                    stub.uses += 1
                    return stub
            return found[-1]

    def _record(self, request: WireRequest, status: int | None) -> None:
        with self._lock:
            self.calls.append(Call(request, WireResponse(status)))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(2)

    def __enter__(self) -> WireMock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wire_mock() -> Iterator[WireMock]:
    """Fixture body: ``mocked = pytest.fixture(wire_mock)``."""
    with WireMock() as mock:
        yield mock
