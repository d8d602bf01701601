"""Send a built request over one pooled ``requests.Session``, retrying as the policy says.

This is the only module that touches requests and urllib3: their exceptions are mapped to
:class:`TwilioError` here (``_classify``) and nowhere else.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import requests.adapters
import urllib3
import urllib3.exceptions
from requests.utils import get_environ_proxies, requote_uri, select_proxy

from .errors import TwilioError
from .retry import AttemptFailed, Attempts, RetryPolicy

__all__ = ["Transport"]

log = logging.getLogger("adapter")

_FORM = "application/x-www-form-urlencoded"

_DIRECT_CAPABLE = hasattr(requests.adapters.HTTPAdapter, "get_connection_with_tls_context")  # requests >= 2.32


def wire_message(
    base_url: str, request: dict[str, Any], headers: dict[str, str], authorization: str
) -> tuple[str, str, dict[str, str], str | None]:
    """What goes over the wire for a request dict, for either transport: method, full URL (a page link's
    query sent as Twilio gave it, see client/paging.py), headers with the Authorization header, and the
    form body of a POST."""
    method = request["method"]
    url = base_url + request["path"]
    raw_query = request.get("raw_query")
    if raw_query:
        url += "?" + raw_query
    elif request["query"]:
        url += "?" + urlencode(request["query"])
    sent = dict(headers, Authorization=authorization)
    body = None
    if method == "POST":
        body = urlencode(request["form"])
        sent["Content-Type"] = _FORM
    return method, url, sent, body


class Transport:
    """Holds the connection pool and knows how to send one request dict, with retries."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float],
        user_agent: str,
        retry_policy: RetryPolicy,
        max_response_bytes: int,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        pool_size: int = 10,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_policy = retry_policy
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self.session = session
        # Proxy and CA settings come from the environment once, not on every call as Session.request does.
        # As Session.request would merge them: the environment's proxies over the session's own, and the
        # environment's CA bundle only in place of the default verify=True (a session's own CA file or
        # verify=False stays as it is).
        self._proxies = {**session.proxies, **(get_environ_proxies(self.base_url) if session.trust_env else {})}
        self._verify = session.verify
        if session.trust_env and session.verify is True:
            self._verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        # A caller's session headers (a trace id, a gateway key) go on every request, under ours.
        self._headers: dict[str, str] = {
            **{name: value if isinstance(value, str) else value.decode("latin-1")
               for name, value in session.headers.items()},
            "User-Agent": user_agent,
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            "Connection": "keep-alive",
        }
        # The path is chosen here, from configuration only. The direct path is for a plain base URL reached
        # without a proxy through requests' own HTTPAdapter; anything else (credentials or non-ASCII in the
        # URL, a proxy, an adapter of the caller's own mounted on the session) takes requests' full path,
        # which knows how to handle it and runs whatever the caller mounted.
        split = urlsplit(self.base_url)
        self._direct = (
            _DIRECT_CAPABLE
            and split.scheme in ("http", "https")
            and "@" not in split.netloc
            and self.base_url.isascii()
            and requote_uri(self.base_url) == self.base_url
            and not select_proxy(self.base_url, self._proxies)
        )
        self._origin_length = len(f"{split.scheme}://{split.netloc}")
        self._pool_cache: tuple[Any, Any] | None = None  # (adapter, its urllib3 pool for base_url)
        self._timeout_cache: tuple[Any, Any] = (None, None)  # (self.timeout, the same as a urllib3 Timeout)

    def close(self) -> None:
        self.session.close()

    def send(self, request: dict[str, Any], authorization: str, *, deadline: float | None = None) -> dict[str, Any]:
        """Send ``request`` (from :func:`adapter.client.serialize.build_request`) and return the response as a dict
        with ``status``, ``reason``, ``headers``, ``body`` (bytes) and ``attempts``. Raises a ``network`` or
        ``timeout`` :class:`TwilioError` when no usable answer came. With ``deadline`` (a monotonic time) each
        attempt's timeouts are cut to the time left, and no retry starts past it."""
        method, url, headers, body = wire_message(self.base_url, request, self._headers, authorization)
        attempts = Attempts(self.retry_policy, request, deadline)
        while True:
            attempts.start()
            timeout = attempts.timeout(self.timeout)
            try:
                response = self._send_once(method, url, headers, body, timeout)
            except AttemptFailed as failure:
                self._sleep(attempts.failed(failure))  # raises when the failure is final
                continue
            wait = attempts.answered(response)
            if wait is None:
                return response
            self._sleep(wait)

    def _send_once(self, method: str, url: str, headers: dict[str, str], body: str | None,
                   timeout: tuple[float, float] | None = None) -> dict[str, Any]:
        if self._direct:
            try:
                adapter = self.session.get_adapter(url)
                if type(adapter) is requests.adapters.HTTPAdapter:
                    return self._send_direct(adapter, method, url, headers, body, timeout)
            except Exception as exc:  # noqa: BLE001 - whatever the HTTP stack (or a custom session) raises becomes ours
                raise _classify(exc) from exc
        prepared = requests.PreparedRequest()
        try:
            prepared.prepare(method=method, url=url, headers=headers, data=body)
            resp = self.session.send(
                prepared, timeout=timeout or self.timeout, allow_redirects=False, stream=True,
                proxies=self._proxies, verify=self._verify,
            )
            try:
                content = self._read_body(resp)
            finally:
                resp.close()
        except Exception as exc:  # noqa: BLE001 - whatever the HTTP stack (or a custom session) raises becomes ours
            raise _classify(exc) from exc
        return {"status": resp.status_code, "reason": resp.reason or "", "headers": resp.headers, "body": content}

    def _send_direct(
        self, adapter: requests.adapters.HTTPAdapter, method: str, url: str, headers: dict[str, str],
        body: str | None, timeout: tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        """What ``session.send`` and ``HTTPAdapter.send`` do for our requests, on the adapter's own urllib3 pool
        (so connections, TLS settings and the adapter's retry setting stay the session's), without their
        per-call bookkeeping: no PreparedRequest (URL re-quoting and IDNA of a URL we built quoted), no
        hooks or cookie extraction, no Response object. Profiled, those were about half of a call's cost."""
        data = None
        if body is not None:
            data = body.encode("ascii")  # urlencode's output is ASCII
            headers["Content-Length"] = str(len(data))
        elif method not in ("GET", "HEAD"):
            headers["Content-Length"] = "0"  # as requests sends it
        target = url[self._origin_length:] or "/"
        for attempt in (1, 2):
            pool = self._pool(adapter)
            try:
                resp = pool.urlopen(
                    method, target, body=data, headers=headers, redirect=False, assert_same_host=False,
                    preload_content=False, decode_content=False, retries=adapter.max_retries,
                    timeout=self._urllib3_timeout() if timeout is None else urllib3.Timeout(
                        connect=timeout[0], read=timeout[1]),
                    chunked=False,
                )
                break
            except urllib3.exceptions.ClosedPoolError:
                # The session's pool manager closed this pool (evicted, or session.close()) after we looked it
                # up; nothing was sent, so ask for the current one, once.
                self._pool_cache = None
                if attempt == 2:
                    raise
        complete = False
        try:
            content = self._read_urllib3_body(resp)
            complete = True
        finally:
            if not complete:
                resp.close()  # a connection with unread bytes on it must not go back to the pool
            resp.release_conn()
        return {"status": resp.status, "reason": resp.reason or "", "headers": resp.headers, "body": content}

    def _pool(self, adapter: requests.adapters.HTTPAdapter) -> Any:
        cached = self._pool_cache
        if cached is not None and cached[0] is adapter and cached[1].pool is not None:
            return cached[1]
        prepared = requests.PreparedRequest()
        prepared.url = self.base_url
        pool = adapter.get_connection_with_tls_context(prepared, self._verify, proxies=self._proxies, cert=None)
        adapter.cert_verify(pool, self.base_url, self._verify, None)  # type: ignore[no-untyped-call]
        self._pool_cache = (adapter, pool)
        return pool

    def _urllib3_timeout(self) -> urllib3.Timeout:
        key, value = self._timeout_cache
        if key is not self.timeout:
            connect, read = self.timeout
            key, value = self.timeout, urllib3.Timeout(connect=connect, read=read)
            self._timeout_cache = (key, value)
        return value

    def _read_urllib3_body(self, resp: urllib3.HTTPResponse) -> bytes:
        limit = self.max_response_bytes
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit():
            if int(declared) > limit:
                raise TooLarge(limit)
            if "Transfer-Encoding" not in resp.headers and resp.headers.get(
                "Content-Encoding", "identity"
            ).strip().lower() == "identity":
                # Exactly the declared bytes, in one read; urllib3 raises if fewer arrive.
                return resp.read(decode_content=False)
        chunks = []
        total = 0
        for chunk in resp.stream(65536, decode_content=True):  # decoded size is what the limit counts
            total += len(chunk)
            if total > limit:
                raise TooLarge(limit)
            chunks.append(chunk)
        return b"".join(chunks)

    def _read_body(self, resp: requests.Response) -> bytes:
        limit = self.max_response_bytes
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise TooLarge(limit)
        chunks = []
        total = 0
        for chunk in resp.iter_content(65536):
            total += len(chunk)
            if total > limit:
                raise TooLarge(limit)
            chunks.append(chunk)
        return b"".join(chunks)


class TooLarge(OSError):
    """A response over the size limit (raised while reading it; both transports use it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the response is larger than {limit} bytes")
        self.limit = limit


def _classify(exc: BaseException) -> AttemptFailed:
    """The single place where foreign exceptions become ours (any exception an attempt raises comes here).
    Whether the request may have reached the server decides what may be retried, so that a POST is never sent
    twice; an exception nobody expected counts as a lost connection, which is never retried for a POST."""
    if isinstance(exc, TooLarge):
        error = TwilioError("api", f"Twilio's response was larger than the {exc.limit}-byte limit", status=502)
        return AttemptFailed("unusable", error)  # asking again would bring the same oversized answer
    if isinstance(exc, urllib3.exceptions.HTTPError):
        return _classify_urllib3(exc)
    if isinstance(exc, requests.ConnectTimeout):
        return AttemptFailed("connect_failed", TwilioError("timeout", "Timed out connecting to Twilio"))
    if isinstance(exc, (requests.ReadTimeout, urllib3.exceptions.ReadTimeoutError)) or (
        # A read timeout while streaming the body arrives as ConnectionError(ReadTimeoutError).
        isinstance(exc, requests.ConnectionError) and exc.args
        and isinstance(exc.args[0], urllib3.exceptions.ReadTimeoutError)
    ):
        return AttemptFailed("read_timeout", TwilioError("timeout", "Twilio did not answer in time"))
    if isinstance(exc, requests.ConnectionError) and _never_connected(exc):
        return AttemptFailed("connect_failed", TwilioError("network", "Could not connect to Twilio"))
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return AttemptFailed("unusable", TwilioError("config", "The base URL is not a valid http(s) URL"))
    return AttemptFailed("connection_lost", TwilioError("network", "The connection to Twilio was lost"))


def _classify_urllib3(exc: urllib3.exceptions.HTTPError) -> AttemptFailed:
    """urllib3's own exceptions, as the direct path gets them, classified as requests' would be."""
    reason: Any = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason else exc
    if isinstance(reason, urllib3.exceptions.NewConnectionError):  # includes NameResolutionError
        return AttemptFailed("connect_failed", TwilioError("network", "Could not connect to Twilio"))
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return AttemptFailed("connect_failed", TwilioError("timeout", "Timed out connecting to Twilio"))
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
        return AttemptFailed("read_timeout", TwilioError("timeout", "Twilio did not answer in time"))
    if isinstance(reason, urllib3.exceptions.LocationValueError):
        return AttemptFailed("unusable", TwilioError("config", "The base URL is not a valid http(s) URL"))
    return AttemptFailed("connection_lost", TwilioError("network", "The connection to Twilio was lost"))


def _never_connected(exc: requests.ConnectionError) -> bool:
    reason: Any = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.NameResolutionError,
                               urllib3.exceptions.ConnectTimeoutError))
