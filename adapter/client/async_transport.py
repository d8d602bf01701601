"""Send a built request over one pooled ``aiohttp.ClientSession``, retrying as the policy says, without
blocking the event loop (waits between attempts are ``asyncio.sleep``).

The asyncio twin of :mod:`adapter.client.transport`: the same request and response dicts, the same retry
decisions (:class:`~adapter.client.retry.Attempts`), the same errors. This is the only module that touches
aiohttp: its exceptions are mapped to :class:`TwilioError` here (``_classify``) and nowhere else.

aiohttp was chosen by measurement (see bench/README.md): with 100 concurrent tasks it sent about 5,000
requests/s on the measuring machine, httpx's async client about 200/s; it is also what Twilio's own async
client uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from requests.utils import get_environ_proxies, select_proxy
from yarl import URL

from .errors import TwilioError
from .retry import AttemptFailed, Attempts, RetryPolicy
from .transport import TooLarge, wire_message

__all__ = ["AsyncTransport"]



class AsyncTransport:
    """Holds the aiohttp session (made on first use, on the running loop) and sends one request dict, with
    retries. A session belongs to one event loop: used from another loop, the transport makes a new one."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float],
        user_agent: str,
        retry_policy: RetryPolicy,
        max_response_bytes: int,
        session: aiohttp.ClientSession | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        pool_size: int = 100,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_policy = retry_policy
        self.max_response_bytes = max_response_bytes
        self.pool_size = pool_size
        self._sleep = sleep
        self._given_session = session
        self._session: aiohttp.ClientSession | None = session
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._headers = {
            "User-Agent": user_agent,
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
        }
        # As the sync transport does: the environment's proxy for the base URL, read once.
        self._proxy = select_proxy(self.base_url, get_environ_proxies(self.base_url)) or None
        # Only the connect and per-read timeouts, as requests has them: waiting for a free connection of the
        # pool is not a failure of Twilio's.
        connect, read = timeout
        self._client_timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
        self._origin = URL(self.base_url, encoded=True) if urlsplit(self.base_url).netloc else None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session on the running loop (made now if needed)."""
        return self._current_session()

    def _current_session(self) -> aiohttp.ClientSession:
        if self._given_session is not None:
            return self._given_session
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None or session.closed or self._session_loop is not loop:
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size, enable_cleanup_closed=False),
                timeout=self._client_timeout,
                auto_decompress=True,
                trust_env=False,  # proxies are read once, above; netrc must never add credentials
                skip_auto_headers=("Content-Type",),
            )
            # aiohttp silently sends an idempotent request again when a kept-alive connection turns out
            # closed; the retry policy must decide every attempt (and count it), so that is switched off. It
            # has no public switch: without the attribute, the policy still holds for every POST.
            if hasattr(session, "_retry_connection"):
                session._retry_connection = False
            self._session, self._session_loop = session, loop
        return session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and session is not self._given_session and not session.closed:
            try:
                await session.close()
            except RuntimeError:  # its loop is gone: nothing left to close on it
                pass

    async def send(self, request: dict[str, Any], authorization: str) -> dict[str, Any]:
        """Send ``request`` (from :func:`adapter.client.serialize.build_request`) and return the response as a dict
        with ``status``, ``reason``, ``headers``, ``body`` (bytes) and ``attempts``. Raises a ``network`` or
        ``timeout`` :class:`TwilioError` when no usable answer came."""
        method, url, headers, form = wire_message(self.base_url, request, self._headers, authorization)
        body = None if form is None else form.encode("ascii")  # urlencode's output is ASCII
        try:
            target: Any = URL(url, encoded=True)  # built quoted: aiohttp must not quote it again
        except (ValueError, TypeError):
            target = url
        attempts = Attempts(self.retry_policy, request)
        while True:
            attempts.start()
            try:
                response = await self._send_once(method, target, headers, body)
            except AttemptFailed as failure:
                await self._sleep(attempts.failed(failure))  # raises when the failure is final
                continue
            wait = attempts.answered(response)
            if wait is None:
                return response
            await self._sleep(wait)

    async def _send_once(self, method: str, url: Any, headers: dict[str, str], body: bytes | None) -> dict[str, Any]:
        try:
            session = self._current_session()
            async with session.request(
                method, url, data=body, headers=headers, allow_redirects=False, proxy=self._proxy,
                timeout=self._client_timeout,
            ) as resp:
                content = await self._read_body(resp)
                return {"status": resp.status, "reason": resp.reason or "", "headers": resp.headers, "body": content}
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the HTTP stack (or a custom session) raises becomes ours
            raise _classify(exc) from exc

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes:
        limit = self.max_response_bytes
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise TooLarge(limit)
        if declared and declared.isdigit() and "Content-Encoding" not in resp.headers:
            return await resp.read()
        chunks = []
        total = 0
        async for chunk in resp.content.iter_chunked(65536):  # decoded size is what the limit counts
            total += len(chunk)
            if total > limit:
                raise TooLarge(limit)
            chunks.append(chunk)
        return b"".join(chunks)


def _classify(exc: BaseException) -> AttemptFailed:
    """The single place where aiohttp's exceptions become ours. As in the sync transport, whether the request
    may have reached the server decides what may be retried; anything unexpected counts as a lost connection,
    which is never retried for a POST."""
    if isinstance(exc, TooLarge):
        error = TwilioError("api", f"Twilio's response was larger than the {exc.limit}-byte limit", status=502)
        return AttemptFailed("unusable", error)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return AttemptFailed("connect_failed", TwilioError("timeout", "Timed out connecting to Twilio"))
    if isinstance(exc, (aiohttp.SocketTimeoutError, asyncio.TimeoutError)):
        return AttemptFailed("read_timeout", TwilioError("timeout", "Twilio did not answer in time"))
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS handshake, proxy unreachable
        return AttemptFailed("connect_failed", TwilioError("network", "Could not connect to Twilio"))
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return AttemptFailed("unusable", TwilioError("config", "The base URL is not a valid http(s) URL"))
    return AttemptFailed("connection_lost", TwilioError("network", "The connection to Twilio was lost"))
