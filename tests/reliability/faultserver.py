"""A small threaded HTTP/1.1 server on real loopback sockets whose every answer is scripted by the test.

Each request that arrives (request line, headers and body fully read) takes the next behaviour from a
queue; when the queue is empty the ``default`` behaviour answers. Behaviours are plain objects built with the
helpers below (``reply``, ``close``, ``reset``, ``slow``, ``truncated``, ``raw``, ``stream``). The server
records every request it read (``requests``) and counts the TCP connections it accepted (``connections``), so a
test can assert exactly how many times a client knocked.

    with FaultServer() as server:
        server.script(reply(503), reply(503), reply(200, {"sid": "SM..."}))
        ...
        assert len(server.requests) == 3
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Behaviour", "FaultServer", "Recorded", "close", "raw", "reply", "reset", "slow", "stall", "stream", "truncated",
    "closed_port",
]

_REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # with the query string, exactly as sent
    headers: dict[str, str]  # lower-case names
    body: bytes
    connection: int  # which accepted connection (1-based) carried it


@dataclass
class Behaviour:
    """What the server does with one request. ``action`` receives (server, socket) and returns True to keep
    the connection open for the next request."""

    name: str
    action: Callable[["FaultServer", socket.socket], bool]
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _response_bytes(status: int, body: bytes, headers: dict[str, str] | None, length: int | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Whatever')}"]
    merged = {"Content-Length": str(len(body) if length is None else length)}
    merged.update(headers or {})
    lines += [f"{k}: {v}" for k, v in merged.items() if v is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def reply(
    status: int = 200, body: Any = None, *, headers: dict[str, str] | None = None, content_type: str | None = None,
) -> Behaviour:
    """Answer normally. A dict/list body is sent as JSON; bytes/str as they are; None as an empty body."""
    if isinstance(body, (dict, list)):
        payload = json.dumps(body).encode()
        content_type = content_type or "application/json; charset=utf-8"
    elif isinstance(body, str):
        payload = body.encode()
    else:
        payload = body or b""
    hdrs = dict(headers or {})
    if content_type:
        hdrs.setdefault("Content-Type", content_type)
    data = _response_bytes(status, payload, hdrs)

    def act(server: FaultServer, sock: socket.socket) -> bool:
        sock.sendall(data)
        return True

    return Behaviour(f"reply {status}", act)


def close() -> Behaviour:
    """Read the request, then close the connection without a word (FIN)."""
    return Behaviour("close", lambda server, sock: False)


def reset() -> Behaviour:
    """Read the request, then abort the connection (RST)."""

    def act(server: FaultServer, sock: socket.socket) -> bool:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False

    return Behaviour("reset", act)


def slow(seconds: float, then: Behaviour | None = None) -> Behaviour:
    """Say nothing for ``seconds`` (or until the server stops), then behave like ``then`` (default: 200)."""
    follow = then or reply(200, {"slow": True})

    def act(server: FaultServer, sock: socket.socket) -> bool:
        if server._stopping.wait(seconds):
            return False
        try:
            return follow.action(server, sock)
        except OSError:  # the client gave up long ago
            return False

    return Behaviour(f"slow {seconds}s", act)


def truncated(status: int = 200, body: bytes = b'{"sid": "SM', declared: int = 500) -> Behaviour:
    """Promise ``declared`` bytes in Content-Length, send ``body`` (fewer), then close."""
    data = _response_bytes(status, body, {"Content-Type": "application/json"}, length=declared)

    def act(server: FaultServer, sock: socket.socket) -> bool:
        sock.sendall(data)
        return False

    return Behaviour("truncated", act)


def stall(seconds: float, status: int = 200, sent: bytes = b'{"sid": ', declared: int = 100) -> Behaviour:
    """Send the headers and the start of the body, then fall silent for ``seconds`` mid-body."""
    data = _response_bytes(status, sent, {"Content-Type": "application/json"}, length=declared)

    def act(server: FaultServer, sock: socket.socket) -> bool:
        sock.sendall(data)
        server._stopping.wait(seconds)
        return False

    return Behaviour(f"stall {seconds}s", act)


def raw(data: bytes, keep_open: bool = False) -> Behaviour:
    """Send exactly these bytes, then close (unless ``keep_open``)."""

    def act(server: FaultServer, sock: socket.socket) -> bool:
        sock.sendall(data)
        return keep_open

    return Behaviour("raw", act)


def stream(total: int, *, declare_length: bool = False, chunk: int = 65536, status: int = 200) -> Behaviour:
    """Send a body of ``total`` bytes of JSON-ish filler, chunked (or with Content-Length when
    ``declare_length``), stopping early when the client hangs up. ``extra['sent']`` counts body bytes sent."""
    behaviour = Behaviour("stream", lambda s, k: False, {"sent": 0})

    def act(server: FaultServer, sock: socket.socket) -> bool:
        headers = {"Content-Type": "application/json"}
        if declare_length:
            head = _response_bytes(status, b"", headers, length=total)
        else:
            headers["Transfer-Encoding"] = "chunked"
            head = _response_bytes(status, b"", headers)
            head = head.replace(b"Content-Length: 0\r\n", b"")
        piece = (b'["' + b"x" * (chunk - 4) + b'",')[:chunk]
        try:
            sock.sendall(head)
            remaining = total
            while remaining > 0 and not server._stopping.is_set():
                part = piece[: min(chunk, remaining)]
                if declare_length:
                    sock.sendall(part)
                else:
                    sock.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
                remaining -= len(part)
                behaviour.extra["sent"] += len(part)
            if not declare_length and remaining <= 0:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        return False

    behaviour.action = act
    return behaviour


def closed_port() -> int:
    """A loopback port nobody listens on (connecting to it is refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class FaultServer:
    def __init__(self, default: Behaviour | None = None, *, listen: bool = True) -> None:
        self.default = default or reply(200, {"ok": True})
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._connections = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: set[socket.socket] = set()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._acceptor: threading.Thread | None = None
        if listen:
            self.listen()

    # -- scripting and inspection ---------------------------------------------------------------

    def script(self, *behaviours: Behaviour) -> "FaultServer":
        with self._lock:
            self._queue.extend(behaviours)
        return self

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    @property
    def connections(self) -> int:
        with self._lock:
            return self._connections

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._queue.clear()

    # -- life cycle ------------------------------------------------------------------------------

    def listen(self) -> None:
        """Start accepting (a server built with ``listen=False`` refuses connections until then)."""
        if self._acceptor is not None:
            return
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self._acceptor = threading.Thread(target=self._accept_loop, name="faultserver-accept", daemon=True)
        self._acceptor.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._acceptor is not None:
            self._acceptor.join(5)
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in list(self._threads):
            thread.join(5)
        self._sock.close()

    def __enter__(self) -> "FaultServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving ---------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._connections += 1
                number = self._connections
                self._clients.add(client)
            thread = threading.Thread(target=self._serve, args=(client, number), name="faultserver-conn", daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket, number: int) -> None:
        reader = client.makefile("rb")
        try:
            while not self._stopping.is_set():
                request = self._read_request(reader, number)
                if request is None:
                    return
                with self._lock:
                    self._requests.append(request)
                    behaviour = self._queue.popleft() if self._queue else self.default
                try:
                    keep = behaviour.action(self, client)
                except OSError:
                    return
                if not keep:
                    return
        finally:
            try:
                reader.close()
                client.close()
            except OSError:
                pass
            with self._lock:
                self._clients.discard(client)

    @staticmethod
    def _read_request(reader: Any, number: int) -> Recorded | None:
        try:
            line = reader.readline(65537)
            if not line or not line.strip():
                return None
            method, target, _ = line.decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while True:
                header = reader.readline(65537)
                if header in (b"\r\n", b"\n", b""):
                    break
                name, _, value = header.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            body = reader.read(length) if length else b""
        except (OSError, ValueError):
            return None
        return Recorded(method, target, headers, body, number)

