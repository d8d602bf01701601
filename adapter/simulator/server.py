"""HTTP face of the simulator: werkzeug routing, Basic auth, fault injection, request recording,
and the ``Simulator`` that serves it all from a background thread over HTTP/1.1 keep-alive."""

from __future__ import annotations

import json
import logging
import re
import secrets
import socket
import threading
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import LimitedStream

from .account import DEFAULT_CONFIG, AccountBook, AccountConfig
from .clock import Clock
from .control import PREFIX, Controls, control_response
from .errors import TwilioError, error_body
from .faults import Fault, FaultInjector
from .history import HistoryEntry, seed_history
from .lifecycle import Timings
from .outcomes import Outcome, Outcomes
from .service import Service
from .store import open_store
from .webhooks import Delivery, Webhook, Webhooks

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "RecordedRequest",
    "Simulator",
    "SimulatorApp",
    "TEST_ACCOUNT_SID",
    "TEST_AUTH_TOKEN",
    "TEST_CREDENTIALS_SID",
    "TEST_CREDENTIALS_TOKEN",
]

# Built-in credentials of the simulator's default account, which behaves like a live account. They
# only open this local simulator (no real Twilio account has them), so they are deliberately public.
DEFAULT_ACCOUNT_SID = "AC" + "51a1a70f" * 4
DEFAULT_AUTH_TOKEN = "7e57" * 8
# Older names of the same pair (the default account, not Twilio-style test credentials).
TEST_ACCOUNT_SID = DEFAULT_ACCOUNT_SID
TEST_AUTH_TOKEN = DEFAULT_AUTH_TOKEN
# Twilio-style test credentials: only POST Messages / POST Calls, magic numbers, nothing stored.
TEST_CREDENTIALS_SID = "AC" + "7e57c4ed" * 4
TEST_CREDENTIALS_TOKEN = "c4ed" * 8

_ACCOUNT = "/2010-04-01/Accounts/<account_sid>"
_TEST_CREDENTIALS_REFUSED = 20008

# (rule, kind, scope): the collection scope answers GET=list / POST=create, the instance scope
# GET=fetch / DELETE=delete. Methods not listed answer 405 like Twilio's 20004.
_ROUTES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (f"{_ACCOUNT}/Calls.json", "calls", "collection", ("GET", "POST")),
    (f"{_ACCOUNT}/Calls/<sid>.json", "calls", "instance", ("GET", "DELETE", "POST")),
    (f"{_ACCOUNT}/Messages.json", "messages", "collection", ("GET", "POST")),
    (f"{_ACCOUNT}/Messages/<sid>.json", "messages", "instance", ("GET", "DELETE", "POST")),
    (f"{_ACCOUNT}/Messages/<parent_sid>/Media.json", "media", "collection", ("GET",)),
    (f"{_ACCOUNT}/Messages/<parent_sid>/Media/<sid>.json", "media", "instance", ("GET", "DELETE")),
    # Lookup v2 and Verify v2, told apart from API v2010 (and from each other) by path: one base URL serves
    # every Twilio host. Their paths have no account; the credentials say whose data it is.
    ("/v2/PhoneNumbers/<number>", "lookup", "instance", ("GET",)),
    ("/v2/Services", "verify_services", "collection", ("GET", "POST")),
    ("/v2/Services/<service_sid>", "verify_services", "instance", ("GET",)),
    ("/v2/Services/<service_sid>/Verifications", "verifications", "collection", ("POST",)),
    ("/v2/Services/<service_sid>/Verifications/<sid>", "verifications", "instance", ("GET", "POST")),
    ("/v2/Services/<service_sid>/VerificationCheck", "verification_check", "collection", ("POST",)),
    (f"{_ACCOUNT}.json", "account", "instance", ("GET",)),
    (f"{_ACCOUNT}/IncomingPhoneNumbers.json", "incoming_phone_numbers", "collection", ("GET",)),
    (f"{_ACCOUNT}/IncomingPhoneNumbers/<sid>.json", "incoming_phone_numbers", "instance", ("GET", "POST")),
)

_URL_MAP = Map(
    [Rule(path, endpoint=(kind, scope), methods=list(methods)) for path, kind, scope, methods in _ROUTES],
    merge_slashes=False,
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the simulator saw it. ``status`` is None when the connection was dropped."""

    method: str
    path: str
    query: dict[str, str]
    form: MultiDict[str, str]
    username: str | None
    status: int | None
    dropped: bool = False
    at: float = field(default_factory=time.time)

    def __repr__(self) -> str:
        # The values stay as they came (tests read them); the repr hides a webhook URL's password.
        form = [(key, _without_password(value)) for key, value in self.form.items(multi=True)]
        query = {key: _without_password(value) for key, value in self.query.items()}
        return (f"RecordedRequest(method={self.method!r}, path={self.path!r}, query={query!r}, form={form!r}, "
                f"username={self.username!r}, status={self.status!r}, dropped={self.dropped!r})")


_URL_PASSWORD = re.compile(r"(://[^/?#@\s:]*:)[^/?#@\s]*@")


def _without_password(value: str) -> str:
    """``https://user:secret@host/`` as ``https://user:***@host/``."""
    return _URL_PASSWORD.sub(r"\1***@", value)


class _Dropped(Exception):
    """Raised inside the app to abandon a request without answering it."""


class SimulatorApp:
    """The WSGI application (usable in-process with ``werkzeug.test.Client``)."""

    def __init__(
        self,
        service: Service,
        accounts: dict[str, str],
        api_keys: dict[str, tuple[str, str]],
        faults: FaultInjector,
        test_credentials: Mapping[str, str] | None = None,
        controls: Controls | None = None,
    ) -> None:
        self.service = service
        self.accounts = accounts
        self.api_keys = api_keys
        self.faults = faults
        self.test_credentials = dict(test_credentials or {})
        self.controls = controls
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()

    # -- recording ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._requests_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    def _record(self, request: Request, status: int | None, dropped: bool = False) -> None:
        auth = request.authorization
        entry = RecordedRequest(
            method=request.method,
            path=request.path,
            query=request.args.to_dict(flat=True),
            form=ImmutableMultiDict(request.form),
            username=auth.username if auth is not None else None,
            status=status,
            dropped=dropped,
        )
        with self._requests_lock:
            self._requests.append(entry)

    # -- WSGI --------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request.form  # noqa: B018 - read the whole body first: a "drop" happens after the request arrived
        if request.path.startswith(PREFIX):
            # Control requests are not Twilio traffic: no faults, not recorded.
            response = self._control(request)
            response.headers["Twilio-Request-Id"] = _request_id()
            return response(environ, start_response)
        try:
            response = self._respond(request)
            response.headers["Twilio-Request-Id"] = _request_id()
        except _Dropped:
            self._record(request, None, dropped=True)
            _abort_connection(environ)
            # A ConnectionError is what werkzeug's server treats as "client went away": it logs
            # nothing and, crucially, writes no 500 onto the socket we just closed.
            raise ConnectionAbortedError("simulated dropped connection") from None
        self._record(request, response.status_code)
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        self.faults.delay()
        verdict = self.faults.judge()
        if verdict.fault is Fault.DROP:
            raise _Dropped
        if verdict.fault is Fault.DROP_RESPONSE:
            self._handle(request)
            raise _Dropped
        if verdict.fault is Fault.THROTTLE:
            response = _json(error_body(20429, "Too Many Requests", 429), 429)
            response.headers["Retry-After"] = str(verdict.retry_after)
            return response
        if verdict.fault is Fault.FAIL:
            return _json(error_body(20503, "Service unavailable", 503), 503)
        return self._handle(request)

    def _control(self, request: Request) -> Response:
        def answer() -> Response:
            if self.controls is None:
                raise TwilioError(20404, 404, path=request.path)
            owner, test = self._credentials(request)
            if owner is None or test:
                raise TwilioError(20003, 401)
            return control_response(self.controls, request, owner)

        return self._handle(request, answer)

    def _handle(self, request: Request, answer: Callable[[], Response] | None = None) -> Response:
        try:
            return answer() if answer is not None else self._dispatch(request)
        except TwilioError as error:
            response = _json(error.body(), error.status)
            if error.status == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response
        except Exception:  # a simulator bug must still look like a Twilio 500, not kill the socket
            logging.getLogger(__name__).exception("simulator failed on %s %s", request.method, request.path)
            return _json(error_body(20500, "Internal Server Error", 500), 500)

    def _dispatch(self, request: Request) -> Response:
        adapter = _URL_MAP.bind_to_environ(request.environ)
        not_allowed = False
        try:
            (kind, scope), values = adapter.match()
        except MethodNotAllowed:
            not_allowed = True
            (kind, scope), values = adapter.match(method="GET")
        except (NotFound, HTTPException):
            raise TwilioError(20404, 404, path=request.path) from None
        account_sid = values.get("account_sid")
        if account_sid is None:
            # Lookup and Verify paths carry no account: the credentials say whose data it is.
            account_sid, test = self._owner(request)
        else:
            test = self._authenticate(request, account_sid)
        if not_allowed:
            raise TwilioError(20004, 405)
        creating = scope == "collection" and request.method == "POST"
        # Twilio's test credentials serve creating messages and calls, and Lookup; nothing else.
        if test and not ((creating and kind in ("messages", "calls")) or kind == "lookup"):
            raise TwilioError(_TEST_CREDENTIALS_REFUSED, 403)
        sid, parent = values.get("sid", ""), values.get("parent_sid")  # a collection has no sid
        path = request.path
        service = self.service
        if kind in _V2_KINDS:
            return self._v2(kind, scope, request, values, account_sid)
        if kind == "account":
            return _json(service.account(account_sid))
        if kind == "incoming_phone_numbers":
            if scope == "collection":
                return _json(service.phone_numbers(account_sid, request.args, path))
            assert sid is not None  # the instance route names it
            if request.method == "POST":
                return _json(service.update_phone_number(account_sid, sid, request.form, path))
            return _json(service.phone_number(account_sid, sid, path))
        if scope == "instance" and request.method == "POST":
            return _json(service.update(kind, account_sid, sid, request.form, path))
        if creating:
            return _json(service.create(kind, account_sid, request.form, test_credentials=test), 201)
        if scope == "collection":
            return _json(service.list(kind, account_sid, request.args, path, parent))
        if request.method == "DELETE":
            service.delete(kind, account_sid, sid, path, parent)
            return _no_content()
        return _json(service.fetch(kind, account_sid, sid, path, parent))

    def _v2(self, kind: str, scope: str, request: Request, values: Mapping[str, Any], account_sid: str) -> Response:
        path, post = request.path, request.method == "POST"
        if kind == "lookup":
            return _json(self.service.lookup.fetch(account_sid, values["number"], request.args))
        verify = self.service.verify
        service_sid = values.get("service_sid", "")
        if kind == "verify_services":
            if scope == "instance":
                return _json(verify.fetch_service(account_sid, service_sid, path))
            if post:
                return _json(verify.create_service(account_sid, request.form), 201)
            return _json(verify.list_services(account_sid, request.args))
        if kind == "verification_check":
            return _json(verify.check(account_sid, service_sid, request.form, path))
        if scope == "collection":
            return _json(verify.start(account_sid, service_sid, request.form, path), 201)
        if post:
            return _json(verify.update(account_sid, service_sid, values["sid"], request.form, path))
        return _json(verify.fetch(account_sid, service_sid, values["sid"], path))

    def _owner(self, request: Request) -> tuple[str, bool]:
        """(the account whose valid credentials came with the request, whether they are test
        credentials); 20003 without valid credentials."""
        owner, test = self._credentials(request)
        if owner is None:
            raise TwilioError(20003, 401)
        return owner, test

    def _credentials(self, request: Request) -> tuple[str | None, bool]:
        """(the account the request's credentials open, whether they are test credentials)."""
        auth = request.authorization
        if auth is None or auth.type != "basic" or not auth.username or auth.password is None:
            return None, False
        if auth.username in self.accounts:
            return (auth.username if _same(self.accounts[auth.username], auth.password) else None), False
        if auth.username in self.test_credentials:
            return (auth.username if _same(self.test_credentials[auth.username], auth.password) else None), True
        if auth.username in self.api_keys:
            key_account, secret = self.api_keys[auth.username]
            return (key_account if _same(secret, auth.password) else None), False
        return None, False

    def _authenticate(self, request: Request, account_sid: str) -> bool:
        """Check the credentials open ``account_sid``; True when they are test credentials."""
        owner, test = self._credentials(request)
        # Valid credentials for another account are as good as none: Twilio answers 20003 too.
        if owner is None or owner != account_sid:
            raise TwilioError(20003, 401)
        return test


def _request_id() -> str:
    return "RQ" + uuid.uuid4().hex


def _no_content() -> Response:
    # A 204 carries no body, so no body type either.
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


_V2_KINDS = frozenset({"lookup", "verify_services", "verifications", "verification_check"})


def _same(expected: str, given: str) -> bool:
    return secrets.compare_digest(expected.encode(), given.encode())


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json; charset=utf-8")


def _abort_connection(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is None:  # in-process test client: there is no socket to close
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


# Hop-by-hop headers belong to the connection, which the handler manages, not to the application.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})
# A request body the application left unread is drained so the next request on the connection parses;
# past this many bytes the connection is closed instead.
_DRAIN_LIMIT = 10 * 1024 * 1024
_INTERNAL_ERROR = json.dumps(error_body(20500, "Internal Server Error", 500)).encode()


class _Connections:
    """The server's open client connections: counted, and closed promptly when the simulator stops.

    A connection is *busy* while a request on it is being answered; an idle one is a handler thread
    blocked waiting for the next request line, which ``close_idle`` wakes by shutting the socket down.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[socket.socket, bool] = {}  # socket -> busy
        self.accepted = 0
        self.stopping = False

    def opened(self, sock: socket.socket) -> None:
        with self._lock:
            self.accepted += 1
            self._open[sock] = False
            stopping = self.stopping
        if stopping:  # accepted in the instant the server was stopping: do not let it linger
            _shutdown(sock)

    def closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.pop(sock, None)

    def busy(self, sock: socket.socket, busy: bool) -> None:
        with self._lock:
            if sock in self._open:
                self._open[sock] = busy

    @property
    def open_count(self) -> int:
        with self._lock:
            return len(self._open)

    def close_idle(self) -> None:
        """Stop: idle connections are shut down now, busy ones close after their current answer."""
        with self._lock:
            self.stopping = True
            idle = [sock for sock, busy in self._open.items() if not busy]
        for sock in idle:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _BindFailed(Exception):
    def __init__(self, error: OSError) -> None:
        self.error = error


class _Server(ThreadedWSGIServer):
    daemon_threads = True  # handler threads must not keep the interpreter alive after the test/CLI is done

    def __init__(self, host: str, port: int, app: Any, handler: type[WSGIRequestHandler], idle_timeout: float) -> None:
        self.connections = _Connections()
        self.idle_timeout = idle_timeout
        try:
            super().__init__(host, port, app, handler=handler)
        except _BindFailed as failed:
            self.server_close()
            raise failed.error from None

    # werkzeug answers a failure to bind or listen (port in use, unknown host) by printing it and exiting the
    # process; the simulator is a library, so the OSError reaches the caller instead, past werkzeug's handler.
    def server_bind(self) -> None:
        try:
            super().server_bind()
        except OSError as error:
            raise _BindFailed(error) from None

    def server_activate(self) -> None:
        try:
            super().server_activate()
        except OSError as error:
            raise _BindFailed(error) from None


class _RequestBody:
    """The request body bounded to this request (Content-Length, or the chunked encoding's end), so
    neither the application nor the drain after it can read into the next request on the connection."""

    def __init__(self, environ: dict[str, Any]) -> None:
        stream = environ["wsgi.input"]
        self.framed = True
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's DechunkedInput stops at the last chunk
            self.stream = stream
            return
        raw = environ.get("CONTENT_LENGTH") or ""
        length = 0
        if raw.strip():
            try:
                length = int(raw)
            except ValueError:
                length = -1
            if length < 0:  # no way to tell where this request ends: answer, then close
                self.framed, length = False, 0
        self.stream = LimitedStream(stream, length)
        environ["wsgi.input"] = self.stream

    def drain(self) -> bool:
        """Read what the application left unread; False when the connection cannot be reused."""
        if not self.framed:
            return False
        total = 0
        try:
            while True:
                chunk = self.stream.read(65536)
                if not chunk:
                    return True
                total += len(chunk)
                if total > _DRAIN_LIMIT:
                    return False
        except Exception:  # noqa: BLE001 - the client went away mid-body, or sent a malformed chunk
            return False


class _Handler(WSGIRequestHandler):
    """werkzeug's handler speaking HTTP/1.1 keep-alive, as Twilio does.

    werkzeug's own ``run_wsgi`` answers every request with ``Connection: close`` (it cannot tell
    where one request's body ends and the next request begins). This one bounds each request body
    by its framing, buffers the (small, JSON) answer to send it with an exact Content-Length in a
    single write, drains any unread body, and keeps the connection open unless the client asked
    otherwise. An idle connection is closed after the server's ``idle_timeout``.
    """

    protocol_version = "HTTP/1.1"
    server: _Server
    _headers_buffer: list[bytes]  # BaseHTTPRequestHandler's own, undeclared in typeshed

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout  # type: ignore[misc]  # per connection, as socketserver reads it
        super().setup()
        try:
            # Small request/answer pairs on a kept-alive connection must not wait on Nagle + delayed ACK.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.server.connections.opened(self.connection)

    def finish(self) -> None:
        self.server.connections.closed(self.connection)
        super().finish()

    def log_error(self, format: str, *args: Any) -> None:
        # An idle keep-alive connection timing out is routine, not an error worth a log line.
        if format.startswith("Request timed out"):
            return
        super().log_error(format, *args)

    def run_wsgi(self) -> None:
        connections = self.server.connections
        connections.busy(self.connection, True)
        try:
            self._answer()
        finally:
            connections.busy(self.connection, False)

    def _answer(self) -> None:
        if self.headers.get("Expect", "").lower().strip() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        body = _RequestBody(environ)
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            started[:] = [status, headers]  # nothing is sent before the application is done
            return chunks.append

        try:
            result = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except (ConnectionError, TimeoutError):
            # A simulated drop (the application already shut the socket) or a client that went away.
            self.close_connection = True
            return
        except Exception:
            logging.getLogger(__name__).exception("simulator failed on %s %s", self.command, self.path)
            started[:] = ["500 INTERNAL SERVER ERROR", [("Content-Type", "application/json; charset=utf-8")]]
            chunks[:] = [_INTERNAL_ERROR]
            self.close_connection = True
        if not body.drain() or self.server.connections.stopping:
            self.close_connection = True
        status, headers = started or ["500 INTERNAL SERVER ERROR", []]
        self._send(status, headers, b"".join(chunks))

    def _send(self, status: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        code_text, _, reason = status.partition(" ")
        code = int(code_text)
        head = self.command == "HEAD"
        self.send_response(code, reason or None)
        for key, value in headers:
            lowered = key.lower()
            # A HEAD answer keeps the length the GET would have had; werkzeug's Response supplies it.
            if lowered in _HOP_BY_HOP and not (head and lowered == "content-length"):
                continue
            self.send_header(key, value)
        bodiless = 100 <= code < 200 or code in (204, 304)
        if bodiless or head:
            payload = b""  # RFC 9110: 1xx/204 carry no Content-Length; a 304 or HEAD no body
        else:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        elif self.request_version == "HTTP/1.0":
            self.send_header("Connection", "keep-alive")  # the client asked for it (else close_connection)
        self._headers_buffer.append(b"\r\n")
        self.wfile.write(b"".join(self._headers_buffer) + payload)  # one write: headers and body together
        self._headers_buffer = []


class _QuietHandler(_Handler):
    # Tests fire hundreds of requests; per-request access lines would drown their output.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class Simulator:
    """A local stand-in for Twilio's REST API v2010 (Calls, Messages, Media, the Account and its
    IncomingPhoneNumbers), with signed webhooks and a control API.

    ``with Simulator() as sim:`` starts it on a free port; point clients at ``sim.base_url`` with
    ``sim.account_sid`` / ``sim.auth_token`` (a live-like account owning ``config``'s numbers) or
    ``sim.test_credentials`` (Twilio-style test credentials: magic numbers, nothing stored).

    The default account starts with no records. ``history`` (e.g. ``history.DEFAULT_HISTORY``) is written
    for it the first time a store is opened for it (a new state file, or memory); ``fresh=True`` forgets
    the account's records first, so it starts from ``history`` (or from nothing) whatever the file held.

    Connections are HTTP/1.1 keep-alive, as with Twilio: a pooling client (requests' Session, the
    official SDK) sends many requests over one. ``sim.connections_accepted`` counts them; a
    connection left idle for ``idle_timeout`` seconds is closed by the server, and ``stop()`` closes
    idle ones at once.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        accounts: dict[str, str] | None = None,
        clock: Clock | None = None,
        state_path: str | Path | None = None,
        latency_ms: float = 0,
        rate_limit: float | None = None,
        fail_rate: float = 0.0,
        drop_rate: float = 0.0,
        seed: int | None = None,
        *,
        timings: Timings | None = None,
        api_keys: dict[str, tuple[str, str]] | None = None,
        log_requests: bool = False,
        idle_timeout: float = 5.0,
        config: AccountConfig | None = None,
        outcomes: Mapping[str, Mapping[str, Outcome]] | None = None,
        test_credentials: tuple[str, str] | None = (TEST_CREDENTIALS_SID, TEST_CREDENTIALS_TOKEN),
        remote_webhooks: bool = False,
        history: Sequence[HistoryEntry] | None = None,
        fresh: bool = False,
    ) -> None:
        if idle_timeout <= 0:
            raise ValueError("idle_timeout must be positive")
        self.host = host
        self.port = port
        self.accounts: dict[str, str] = dict(accounts) if accounts else {DEFAULT_ACCOUNT_SID: DEFAULT_AUTH_TOKEN}
        self.api_keys: dict[str, tuple[str, str]] = dict(api_keys or {})
        self.test_credentials = test_credentials
        self.clock = clock or Clock()
        self.state_path = state_path
        self.store = open_store(state_path)
        self.account_book = AccountBook(config or DEFAULT_CONFIG, self.accounts, created=self.clock.time())
        self.outcomes = Outcomes(outcomes)
        self.webhooks = Webhooks(self.clock, self.accounts.get, allow_remote=remote_webhooks, on_answer=self._answered)
        self.service = Service(
            self.store, self.clock, timings, accounts=self.account_book, outcomes=self.outcomes, webhooks=self.webhooks
        )
        if history is not None or fresh:
            try:
                self._initialise(history or (), fresh, timings)
            except BaseException:
                self.store.close()
                raise
        for account in self.accounts:
            self.service.verify.ensure_default_service(account)
        self.faults = FaultInjector(latency_ms, rate_limit, fail_rate, drop_rate, seed)
        self.controls = Controls(
            self.clock, self.service, self.store, self.account_book, self.outcomes, self.webhooks, self.clear_requests
        )
        self.wsgi_app = SimulatorApp(
            self.service, self.accounts, self.api_keys, self.faults,
            test_credentials=dict([test_credentials]) if test_credentials else None, controls=self.controls,
        )
        self.log_requests = log_requests
        self.idle_timeout = idle_timeout
        self._accepted_before = 0  # connections accepted by earlier start()/stop() rounds
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- control operations (also served over HTTP under /__sim__/) ---------------------------

    def advance(self, seconds: float, *, timeout: float = 30.0) -> None:
        """Move the clock forward; returns once every webhook due by then has been attempted."""
        self.controls.advance(seconds, timeout=timeout)

    def pause(self) -> None:
        self.clock.pause()

    def resume(self) -> None:
        self.clock.resume()

    def receive_message(
        self, from_: str, to: str, body: str = "", media_urls: Sequence[str] = (), *, account_sid: str | None = None
    ) -> dict[str, Any]:
        """A message from ``from_`` arrives at the owned number ``to`` (listed as ``inbound``, posted
        to the number's SmsUrl)."""
        return self.controls.receive_message(account_sid or self.account_sid, from_, to, body, media_urls)

    def set_outcome(
        self,
        to: str,
        status: str | None = None,
        *,
        kind: str = "messages",
        error_code: int | None = None,
        machine: bool = False,
        reject: int | None = None,
    ) -> None:
        """How messages (or calls, ``kind="calls"``) to ``to`` end; see ``outcomes.Outcome``."""
        from .outcomes import outcome_from_dict

        entry: dict[str, Any] = {"status": status, "error_code": error_code, "machine": machine, "reject": reject}
        given = {key: value for key, value in entry.items() if value not in (None, False)}
        self.controls.set_outcome(kind, to, outcome_from_dict(kind, given))

    def clear_outcome(self, to: str, *, kind: str = "messages") -> None:
        self.controls.set_outcome(kind, to, None)

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook attempt so far, oldest first."""
        return self.webhooks.deliveries()

    def wait_for_webhooks(self, timeout: float = 30.0) -> bool:
        """Wait until every webhook due now has been attempted."""
        return self.webhooks.wait_idle(timeout)

    def reset(self) -> None:
        """No resources, deliveries or requests; outcomes and the account's numbers as configured."""
        self.controls.reset()

    def _answered(self, hook: Webhook, delivery: Delivery) -> None:
        # TwiML <Message> in the answer to an inbound message sends a reply, as Twilio does.
        if hook.kind != "inbound-message" or not delivery.answer.strip():
            return
        try:
            root = ElementTree.fromstring(delivery.answer)
        except ElementTree.ParseError:
            return
        if root.tag != "Response":
            return
        params = dict(hook.params)
        for element in root.iter("Message"):
            body_element = element.find("Body")
            text = (body_element.text if body_element is not None else element.text) or ""
            try:
                sender, recipient = element.get("from") or params["To"], element.get("to") or params["From"]
                self.service.reply(hook.account_sid, sender, recipient, text.strip())
            except TwilioError:
                logging.getLogger(__name__).info("TwiML reply to %s was refused", params.get("From"))
    def _initialise(self, history: Sequence[HistoryEntry], fresh: bool, timings: Timings | None) -> None:
        account, service = self.account_sid, self.service
        self.store.initialise(
            account,
            lambda: seed_history(service, account, self.clock.time(), history, timings),
            reset=fresh,
        )

    @property
    def account_sid(self) -> str:
        return next(iter(self.accounts))

    @property
    def auth_token(self) -> str:
        return self.accounts[self.account_sid]

    @property
    def verify_service_sid(self) -> str:
        """The default account's Verify Service (every account has one, with the same SID in every run)."""
        return self.service.verify.default_service_sid(self.account_sid)

    def set_caller_name(
        self, number: str, name: str, caller_type: str = "CONSUMER", account_sid: str | None = None
    ) -> None:
        """What Lookup's caller_name package answers for ``number`` (E.164) in an account's data."""
        self.service.lookup.set_caller_name(account_sid or self.account_sid, number, name, caller_type)

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_port}"

    @property
    def connections_accepted(self) -> int:
        """TCP connections the server has accepted since this simulator was created."""
        server = self._server
        return self._accepted_before + (server.connections.accepted if server is not None else 0)

    @property
    def open_connections(self) -> int:
        """Client connections open right now (kept alive between requests, or being answered)."""
        server = self._server
        return server.connections.open_count if server is not None else 0

    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of every request received so far, oldest first (dropped ones included)."""
        return self.wsgi_app.requests

    def clear_requests(self) -> None:
        self.wsgi_app.clear_requests()

    def add_api_key(self, account_sid: str | None = None) -> tuple[str, str]:
        """Register a new API key (``SK...``) for an account; returns (key sid, secret)."""
        owner = account_sid or self.account_sid
        if owner not in self.accounts:
            raise KeyError(f"unknown account {owner}")
        key_sid, secret = "SK" + secrets.token_hex(16), secrets.token_hex(16)
        self.api_keys[key_sid] = (owner, secret)
        return key_sid, secret

    def start(self) -> Simulator:
        if self._server is not None:
            return self
        handler = _Handler if self.log_requests else _QuietHandler
        server = _Server(self.host, self.port, self.wsgi_app, handler, self.idle_timeout)
        self._server = server
        # stop() waits up to one poll interval; werkzeug's 0.5 s default would dominate test runs.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="twilio-simulator", daemon=True
        )
        self._thread.start()
        self.webhooks.start()
        return self

    def stop(self) -> None:
        self.webhooks.stop()
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()  # no new connections
            # Kept-alive connections would otherwise hold their handler threads until idle_timeout.
            server.connections.close_idle()
            server.server_close()
            self._accepted_before += server.connections.accepted
        if thread is not None:
            thread.join(timeout=5)
        self.store.close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "stopped"
        return f"<Simulator {where} account={self.account_sid}>"
