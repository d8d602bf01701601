"""Signed webhook requests, delivered on the simulator's clock, every attempt recorded.

A ``Webhook`` is one request Twilio would make (a status callback, a call's answer URL, an inbound
message) with the simulator-clock instant it is due. ``Webhooks`` keeps them in time order and a
worker thread sends each once the clock reaches it: with a frozen clock that is when a test advances
it (``Simulator.advance`` returns once everything due has been attempted), with a real-time clock
when the moment comes.

Requests are signed as Twilio signs them (``X-Twilio-Signature``: HMAC-SHA1 with the account's Auth
Token over the URL followed by every POST parameter, sorted by name, as name then value; base64).
Twilio's connection overrides in the URL fragment are honoured (``#rc=`` retries, ``ct``/``rt``
timeouts in ms, ``tt`` total time, ``rp`` retry policy); by default a failed connection is retried
once. Only loopback hosts are contacted unless the simulator allows others.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import http.client
import ipaddress
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from .clock import Clock
from .dates import format_rfc2822

__all__ = ["Delivery", "Overrides", "Webhook", "Webhooks", "is_loopback", "sign"]

_log = logging.getLogger(__name__)
_MAX_ANSWER = 64 * 1024  # Twilio reads at most 64 kB of TwiML (error 11750)
_USER_AGENT = "TwilioProxy/1.1"


def sign(auth_token: str, url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """Twilio's request signature (what ``twilio.request_validator.RequestValidator`` checks)."""
    payload = url + "".join(f"{key}{value}" for key, value in sorted(params, key=lambda item: item[0]))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Overrides:
    """Twilio's per-URL connection settings, from the fragment (docs: "Webhooks connection overrides")."""

    retries: int = 1
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 15.0
    policy: frozenset[str] = frozenset({"ct"})

    @classmethod
    def parse(cls, fragment: str) -> Overrides:
        values = dict(parse_qsl(fragment))

        def bounded(name: str, low: int, high: int, default: float) -> float:
            try:
                return min(max(int(values[name]), low), high)
            except (KeyError, ValueError):
                return default

        policy = frozenset(p for p in values.get("rp", "ct").split(",") if p)
        return cls(
            retries=int(bounded("rc", 0, 5, 1)),
            connect_timeout=bounded("ct", 100, 10000, 5000) / 1000,
            read_timeout=bounded("rt", 100, 15000, 15000) / 1000,
            total_timeout=bounded("tt", 100, 15000, 15000) / 1000,
            policy=policy,
        )

    def retry_on(self, status: int | None, error: str | None) -> bool:
        if "all" in self.policy:
            return True
        if error is not None:
            # ct: the connection could not be made; rt: no answer in time.
            connect = "ct" in self.policy and error.startswith("connect")
            return connect or ("rt" in self.policy and error.startswith("read"))
        assert status is not None
        return (f"{status // 100}xx" in self.policy)


@dataclass(frozen=True)
class Webhook:
    """One request the simulator will make, due at ``due`` on the simulator clock."""

    due: float
    kind: str  # message-status, call-status, call-answer, inbound-message
    account_sid: str
    resource_sid: str
    url: str = field(repr=False)  # may carry user:password@ for the request's Basic auth
    method: str = "POST"
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Delivery:
    """One attempt at a webhook, as made and as answered (``status`` None: no HTTP answer)."""

    id: int
    kind: str
    account_sid: str
    resource_sid: str
    url: str
    method: str
    params: dict[str, str]
    headers: dict[str, str]
    attempt: int
    due: float
    at: float
    status: int | None
    answer: str
    content_type: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "account_sid": self.account_sid,
            "resource_sid": self.resource_sid,
            "url": self.url,
            "method": self.method,
            "params": dict(self.params),
            "headers": dict(self.headers),
            "attempt": self.attempt,
            "due": format_rfc2822(self.due),
            "at": format_rfc2822(self.at),
            "status": self.status,
            "answer": self.answer,
            "content_type": self.content_type,
            "error": self.error,
        }


Answered = Callable[[Webhook, Delivery], None]


class Webhooks:
    """Pending webhooks in time order, the worker that sends them, and every attempt made."""

    def __init__(
        self,
        clock: Clock,
        token_of: Callable[[str], str | None],
        *,
        allow_remote: bool = False,
        on_answer: Answered | None = None,
    ) -> None:
        self.clock = clock
        self.token_of = token_of
        self.allow_remote = allow_remote
        self.on_answer = on_answer
        self._cond = threading.Condition()
        self._pending: list[tuple[float, int, Webhook]] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._inflight = 0
        self._deliveries: list[Delivery] = []
        self._thread: threading.Thread | None = None
        self._stopping = False
        clock.add_listener(self.wake)

    # -- scheduling --------------------------------------------------------------------------

    def schedule(self, hooks: Iterable[Webhook]) -> None:
        with self._cond:
            for hook in hooks:
                heapq.heappush(self._pending, (hook.due, next(self._seq), hook))
            self._cond.notify_all()

    def cancel(self, resource_sid: str, due_from: float) -> int:
        """Drop the pending webhooks of a resource due at or after ``due_from``: its lifecycle changed (a call
        hung up, a scheduled message canceled), so what its old timeline promised will not happen."""
        with self._cond:
            kept = [entry for entry in self._pending if not (entry[2].resource_sid == resource_sid
                                                              and entry[2].due >= due_from)]
            dropped = len(self._pending) - len(kept)
            if dropped:
                heapq.heapify(kept)
                self._pending = kept
                self._cond.notify_all()
            return dropped

    def pending(self) -> list[Webhook]:
        with self._cond:
            return [hook for _, _, hook in sorted(self._pending)]

    def deliveries(self) -> list[Delivery]:
        with self._cond:
            return list(self._deliveries)

    def clear_deliveries(self) -> None:
        with self._cond:
            self._deliveries.clear()

    def clear(self) -> None:
        """Forget pending webhooks and recorded deliveries."""
        with self._cond:
            self._pending.clear()
            self._deliveries.clear()
            self._cond.notify_all()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _due_now(self) -> bool:
        return bool(self._pending) and self._pending[0][0] <= self.clock.time()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is due and nothing is being sent; False on timeout."""
        with self._cond:
            self._cond.notify_all()
            return self._cond.wait_for(lambda: self._inflight == 0 and not self._due_now(), timeout)

    # -- the worker --------------------------------------------------------------------------

    def start(self) -> None:
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="twilio-simulator-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._cond.notify_all()
        if thread is not None:
            thread.join(timeout=20)

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                now = self.clock.time()
                batch: list[Webhook] = []
                while self._pending and self._pending[0][0] <= now:
                    batch.append(heapq.heappop(self._pending)[2])
                if not batch:
                    self._cond.notify_all()  # idle: wake wait_idle
                    wait = None
                    if not self.clock.frozen:
                        wait = 0.5 if not self._pending else min(max(self._pending[0][0] - now, 0.001), 0.5)
                    self._cond.wait(wait)
                    continue
                self._inflight += len(batch)
            for hook in batch:
                try:
                    self._deliver(hook)
                except Exception:  # noqa: BLE001 - a webhook must never take the simulator down
                    _log.exception("webhook %s for %s failed", hook.kind, hook.resource_sid)
                finally:
                    with self._cond:
                        self._inflight -= 1
                        self._cond.notify_all()

    # -- one webhook, with its retries -------------------------------------------------------

    def _deliver(self, hook: Webhook) -> None:
        parts = urlsplit(hook.url)
        overrides = Overrides.parse(parts.fragment)
        # user:password@ in a webhook URL is HTTP Basic auth for the request, never part of what is
        # signed or recorded (the receiving server sees the URL without it).
        credentials = (parts.username or "", parts.password or "") if parts.username is not None else None
        parts = parts._replace(netloc=parts.netloc.rpartition("@")[2])
        target = urlunsplit(parts._replace(fragment=""))
        params = list(hook.params)
        if hook.method == "GET":
            query = parse_qsl(parts.query, keep_blank_values=True) + params
            target = urlunsplit(parts._replace(query=urlencode(query), fragment=""))
            body, signed = b"", sign(self._token(hook), target)
        else:
            body, signed = urlencode(params).encode(), sign(self._token(hook), target, params)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "User-Agent": _USER_AGENT,
            "X-Twilio-Signature": signed,
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
            "Accept": "*/*",
        }
        if hook.method == "GET":
            del headers["Content-Type"]
        recorded_headers = dict(headers)
        if credentials is not None:
            token = base64.b64encode(f"{unquote(credentials[0])}:{unquote(credentials[1])}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
            recorded_headers["Authorization"] = "Basic [redacted]"
        started = time.monotonic()
        for attempt in range(1, overrides.retries + 2):
            status, answer, content_type, error = self._attempt(target, hook.method, body, headers, overrides)
            delivery = Delivery(
                id=next(self._ids), kind=hook.kind, account_sid=hook.account_sid, resource_sid=hook.resource_sid,
                url=target, method=hook.method, params=dict(params), headers=recorded_headers, attempt=attempt,
                due=hook.due, at=self.clock.time(), status=status, answer=answer, content_type=content_type,
                error=error,
            )
            with self._cond:
                self._deliveries.append(delivery)
            if delivery.ok:
                if self.on_answer is not None:
                    self.on_answer(hook, delivery)
                return
            if error is not None and error.startswith("blocked"):
                return
            if not overrides.retry_on(status, error) or time.monotonic() - started >= overrides.total_timeout:
                return

    def _token(self, hook: Webhook) -> str:
        return self.token_of(hook.account_sid) or ""

    def _attempt(
        self, url: str, method: str, body: bytes, headers: dict[str, str], overrides: Overrides
    ) -> tuple[int | None, str, str | None, str | None]:
        parts = urlsplit(url)
        host = parts.hostname
        if not (self.allow_remote or is_loopback(host)):
            reason = f"blocked: {host} is not a loopback host (only loopback unless remote webhooks are allowed)"
            return None, "", None, reason
        assert host is not None
        connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_type(host, parts.port, timeout=overrides.connect_timeout)
        path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        try:
            try:
                connection.connect()
            except (OSError, http.client.HTTPException) as exc:
                return None, "", None, f"connect: {type(exc).__name__}: {exc}"
            if connection.sock is not None:
                connection.sock.settimeout(overrides.read_timeout)
            try:
                connection.request(method, path, body=body if method != "GET" else None, headers=headers)
                response = connection.getresponse()
                answer = response.read(_MAX_ANSWER)
            except TimeoutError as exc:
                return None, "", None, f"read: timed out ({exc})"
            except (OSError, http.client.HTTPException) as exc:
                return None, "", None, f"read: {type(exc).__name__}: {exc}"
            return response.status, answer.decode("utf-8", "replace"), response.getheader("Content-Type"), None
        finally:
            connection.close()
