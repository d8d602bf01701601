"""A tiny HTTP server on 127.0.0.1 that records every request and answers from a queue (tests only)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Recorded:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes, peer: Any = None) -> None:
        self.method, self.url, self.headers, self.body, self.peer = method, path, headers, body, peer


class LoopbackHTTP:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.answers: list[tuple[int, dict[str, str], bytes]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                owner.requests.append(Recorded(self.command, self.path, dict(self.headers), body, self.client_address))
                status, headers, payload = owner.answers.pop(0) if owner.answers else (404, {}, b"")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        payload = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json"} if body is not None and not isinstance(body, bytes) else {}
        self.answers.append((status, {**hdrs, **(headers or {})}, payload))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(2)
