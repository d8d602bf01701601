"""The generic client: one ``call`` for every operation in the spec, and a method per operation (generated
from the spec into :mod:`adapter.client.operations`).

Stages, each its own module, with plain dicts between them:
spec -> validation -> serialize (request dict) -> transport (response dict) -> parse (result dict).
"""

from __future__ import annotations

import base64
import contextlib
import os
import platform
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

import requests

from .. import __version__
from .errors import TwilioError
from .operations import Operations
from .paging import next_page_request
from .parse import parse_response
from .retry import RetryPolicy
from .serialize import build_request
from .spec import OperationSpec, ServiceSpec, default_spec
from .transport import Transport
from .validation import OperationValidator, shown_name, unknown_operation
from .webhooks import WebhookValidator

__all__ = ["DEFAULT_BASE_URL", "Dispatcher", "DispatcherBase", "deadline"]

DEFAULT_BASE_URL = "https://api.twilio.com"
DEFAULT_TIMEOUT = (5.0, 30.0)
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_API_KEY_SID = re.compile(r"^SK[0-9a-fA-F]{32}$")
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_CREDENTIAL_ARGS = frozenset({"AccountSid", "AuthToken"})


_DEADLINE: ContextVar[float | None] = ContextVar("adapter_call_deadline", default=None)


@contextlib.contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Within the block, every call of a :class:`Dispatcher` (in this thread or task) gives up at ``at`` (a
    :func:`time.monotonic` time), as :meth:`Dispatcher.call_until` does; ``None`` sets none. The Lua host uses
    it so that a run's wall-clock quota includes time waiting on Twilio."""
    token = _DEADLINE.set(at)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class DispatcherBase:
    """Everything a dispatcher does except sending: options, credentials, validation, building the request,
    paging. :class:`Dispatcher` and :class:`~adapter.client.async_dispatcher.AsyncDispatcher` differ only in
    their transport, so both refuse, send and report exactly alike."""

    _transport: Any

    def __reduce__(self) -> Any:
        # Its state holds the Authorization header: a pickle would carry the credentials wherever it goes.
        raise TypeError(f"a {type(self).__name__} holds credentials and cannot be pickled; create one where it is used")

    def _configure(
        self,
        account_sid: str | None = None,
        auth_token: str | None = None,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        edge: str | None = None,
        region: str | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry_budget: float | None = None,
        retry_policy: RetryPolicy | None = None,
        allow_credential_override: bool = True,
        spec: ServiceSpec | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> tuple[tuple[float, float], RetryPolicy]:
        """Set everything but the transport; return the timeout and retry policy it is to use."""
        env = os.environ if environ is None else environ
        self.account_sid = account_sid or env.get("TWILIO_ACCOUNT_SID") or None
        token_given = bool(auth_token) and not (api_key or api_secret)
        auth_token = auth_token or env.get("TWILIO_AUTH_TOKEN") or None
        if token_given:
            # The environment holds defaults: an API key there must not replace a token given here.
            api_key = api_secret = None
        else:
            api_key = api_key or env.get("TWILIO_API_KEY") or None
            api_secret = api_secret or env.get("TWILIO_API_SECRET") or None
        if self.account_sid is not None and not _ACCOUNT_SID.fullmatch(self.account_sid):
            raise TwilioError("config", "The Account SID must be AC followed by 32 hexadecimal digits")
        if api_key is not None and not _API_KEY_SID.fullmatch(api_key):
            raise TwilioError("config", "The API key must be SK followed by 32 hexadecimal digits")
        if (api_key is None) != (api_secret is None):
            raise TwilioError("config", "An API key needs its secret, and a secret its API key")
        # Only the Authorization header is kept, never the token itself in a public attribute.
        if api_key is not None:
            self._default_auth: str | None = _basic(api_key, api_secret or "")
            self.auth_username: str | None = api_key
        elif self.account_sid is not None and auth_token is not None:
            self._default_auth = _basic(self.account_sid, auth_token)
            self.auth_username = self.account_sid
        else:
            self._default_auth = None
            self.auth_username = None

        #: Checks webhook signatures with the Auth Token (None without one): ``Twilio.validateRequest``.
        self.webhook_validator = WebhookValidator(auth_token) if auth_token else None
        self.spec = spec or default_spec()
        edge, region = edge or env.get("TWILIO_EDGE"), region or env.get("TWILIO_REGION")
        if base_url is not None and base_url.rstrip("/") in self.spec.servers:
            # One of Twilio's own hosts (base_url="https://api.twilio.com") means Twilio: every API on its host.
            base_url = None
        # Each API host of the spec, and the URL it is reached at: Twilio's own host with the edge and region
        # put in as Twilio's SDKs do, or, for a Twilio-compatible server, its one base URL for every host.
        self.base_urls: dict[str, str] = {
            server: _base_url(base_url, edge, region, server) for server in self.spec.servers
        }
        self.base_url = self.base_urls[self.spec.default_server]
        if isinstance(timeout, (int, float)):
            timeout = (float(timeout), float(timeout))
        if min(timeout) <= 0:
            raise TwilioError("config", "Timeouts must be positive numbers of seconds")
        policy = retry_policy or RetryPolicy.from_spec(self.spec.retry_policy)
        policy = policy.with_changes(max_retries=max_retries, total_seconds=retry_budget)
        self.allow_credential_override = allow_credential_override
        self._forbidden = frozenset() if allow_credential_override else _CREDENTIAL_ARGS
        self._validators = {name: OperationValidator(op) for name, op in self.spec.operations.items()}
        return timeout, policy

    def _connect(self, make: Any) -> None:
        """Give every API host of the spec its transport, made by ``make(url)``: one per distinct URL."""
        self._transport = make(self.base_url)
        by_url = {self.base_url: self._transport}
        for url in self.base_urls.values():
            if url not in by_url:
                by_url[url] = make(url)
        self._transports = {server: by_url[url] for server, url in self.base_urls.items()}

    @property
    def operations(self) -> list[str]:
        return list(self.spec.operations)

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._transport.retry_policy

    @property
    def timeout(self) -> tuple[float, float]:
        return self._transport.timeout

    def _prepare(
        self, operation: str, args: Mapping[str, Any] | None, kwargs: dict[str, Any]
    ) -> tuple[OperationSpec, dict[str, Any], str]:
        """Validate a call and build its request: (operation, request dict, Authorization header). Raises
        :class:`~adapter.TwilioError` before anything is sent."""
        validator = self._validators[self._operation(operation).name]
        if kwargs:
            if args is not None and not isinstance(args, Mapping):
                args = {"(arguments)": args}
            args = {**(args or {}), **kwargs}
        values = validator.validate(args, forbidden=self._forbidden)
        account_sid = values.get("AccountSid") or self.account_sid
        if account_sid is None:
            raise TwilioError(
                "config",
                "No Twilio account: pass account_sid= to Dispatcher, set TWILIO_ACCOUNT_SID, or give AccountSid",
                operation=operation,
            )
        token = values.get("AuthToken")
        if token is not None:
            authorization = _basic(account_sid, token)
        elif self._default_auth is not None:
            authorization = self._default_auth
        else:
            raise TwilioError(
                "config",
                "No Twilio credentials: pass auth_token= to Dispatcher, set TWILIO_AUTH_TOKEN, or give AuthToken",
                operation=operation,
            )
        op = validator.operation
        return op, build_request(op, values, account_sid), authorization

    def _items_key(self, operation: str) -> str:
        key = self._operation(operation).items_key
        if key is None:
            raise TwilioError("validation", f"{operation} is not a list operation", operation=operation)
        return key

    def _operation(self, operation: Any) -> OperationSpec:
        op = self.spec.operations.get(operation) if isinstance(operation, str) else None
        if op is None:
            message = unknown_operation(operation, self.spec.operations)
            raise TwilioError(
                "validation", message, operation=shown_name(operation).strip("'\""),
                details=[{"field": "(operation)", "error": message}],
            )
        return op

    def _following(
        self, operation: str, args: Mapping[str, Any] | None, next_page_uri: Any
    ) -> tuple[OperationSpec, dict[str, Any], str]:
        """Like :meth:`_prepare`, for the page at ``next_page_uri`` of the list called with ``args``: the same
        credentials and path arguments, and the link as Twilio gave it (see :mod:`adapter.client.paging`)."""
        op, request, authorization = self._prepare(operation, args, {})
        self._items_key(op.name)
        return op, next_page_request(request, next_page_uri, self.base_urls[op.server]), authorization


class Dispatcher(DispatcherBase, Operations):
    """Runs the spec's operations against Twilio's REST API (or any Twilio-compatible base URL).

    Credentials default to ``TWILIO_ACCOUNT_SID`` / ``TWILIO_AUTH_TOKEN`` (or ``TWILIO_API_KEY`` /
    ``TWILIO_API_SECRET``). Every failure is raised as :class:`~adapter.TwilioError`. Thread-safe: one
    dispatcher may serve many threads (its connection pool holds ``pool_size`` connections).
    """

    def __init__(
        self,
        account_sid: str | None = None,
        auth_token: str | None = None,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        edge: str | None = None,
        region: str | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry_budget: float | None = None,
        retry_policy: RetryPolicy | None = None,
        allow_credential_override: bool = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        pool_size: int = 10,
        session: requests.Session | None = None,
        spec: ServiceSpec | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        timeout, policy = self._configure(
            account_sid, auth_token, api_key=api_key, api_secret=api_secret, base_url=base_url, edge=edge,
            region=region, timeout=timeout, max_retries=max_retries, retry_budget=retry_budget,
            retry_policy=retry_policy, allow_credential_override=allow_credential_override, spec=spec,
            environ=environ,
        )
        agent = user_agent(f"requests/{requests.__version__}")
        shared: list[requests.Session] = []

        def make(url: str) -> Transport:
            # Every host's transport on the one session (one connection pool per host inside it).
            transport = Transport(
                url, timeout=timeout, user_agent=agent, retry_policy=policy, max_response_bytes=max_response_bytes,
                session=shared[0] if shared else session, pool_size=pool_size,
            )
            shared[:] = [transport.session]
            return transport

        self._connect(make)

    @property
    def session(self) -> requests.Session:
        return self._transport.session

    def call(self, operation: str, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any] | None:
        """Run ``operation`` with ``args`` (Twilio's argument names). Returns the resource or page as a
        dict, ``None`` for a delete. Raises :class:`~adapter.TwilioError`."""
        try:
            return self._call(operation, args, kwargs, _DEADLINE.get())
        except TwilioError as exc:
            error = exc
        # Raised from here, with nothing below: the frames that held the Authorization header (the
        # transport's, urllib3's) must not travel with the error, where a traceback printed with
        # capture_locals=True or an error tracker recording frame locals would show them.
        del args, kwargs  # they may hold an AuthToken given per call
        raise detached(error)

    def call_until(self, until: float, operation: str, args: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """:meth:`call` that gives up at ``until`` (a :func:`time.monotonic` time): each attempt's connect
        and read timeouts are cut to the time left, and no retry starts after it. A call that runs out of
        time raises a ``timeout`` :class:`~adapter.TwilioError`."""
        try:
            return self._call(operation, args, {}, until)
        except TwilioError as exc:
            error = exc
        args = None
        raise detached(error)

    def _call(self, operation: str, args: Mapping[str, Any] | None, kwargs: dict[str, Any],
              until: float | None) -> dict[str, Any] | None:
        op, request, authorization = self._prepare(operation, args, kwargs)
        transport = self._transports[op.server]
        if until is None:
            return parse_response(op, transport.send(request, authorization))
        return parse_response(op, transport.send(request, authorization, deadline=until))

    def follow(self, operation: str, args: Mapping[str, Any] | None, next_page_uri: str) -> dict[str, Any]:
        """The page at ``next_page_uri`` (a list's ``next_page_uri``, as Twilio gave it) of the list operation
        called with ``args``: the same credentials and path arguments, the link's query sent verbatim."""
        try:
            op, request, authorization = self._following(operation, args, next_page_uri)
            transport, until = self._transports[op.server], _DEADLINE.get()
            if until is None:
                page = parse_response(op, transport.send(request, authorization))
            else:
                page = parse_response(op, transport.send(request, authorization, deadline=until))
            assert page is not None
            return page
        except TwilioError as exc:
            error = exc
        # As call: no frame that held the Authorization header travels with the error.
        args = request = authorization = None  # type: ignore[assignment]
        raise detached(error)

    def pages(self, operation: str, args: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every page of a list operation, fetched lazily, one at a time, following each ``next_page_uri``
        exactly as Twilio gave it."""
        page = self.call(operation, args)
        assert page is not None
        while True:
            yield page
            link = page.get("next_page_uri")
            if not link:
                return
            page = self.follow(operation, args, link)

    def items(self, operation: str, args: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list operation across all pages, one page in memory at a time."""
        key = self._items_key(operation)
        for page in self.pages(operation, args):
            yield from page.get(key) or []

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Dispatcher(account_sid={self.account_sid!r}, base_url={self.base_url!r})"



def detached(error: TwilioError) -> TwilioError:
    """``error`` without the frames it was raised through. The exception it came from stays (as
    ``__cause__``, for debugging), but without its frames, and without the request it carried (requests
    attaches the prepared request, Authorization header included)."""
    error.__traceback__ = None
    error.__context__ = None
    error.__suppress_context__ = True
    seen = {id(error)}
    link: BaseException | None = error.__cause__
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        if getattr(link, "request", None) is not None:
            try:
                link.request = None  # type: ignore[attr-defined]
            except AttributeError:
                pass
        link = link.__cause__ or link.__context__
    return error


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def _base_url(base_url: str | None, edge: str | None, region: str | None, server: str = DEFAULT_BASE_URL) -> str:
    if base_url is None:
        for label in (edge, region):
            # Each is one DNS label: anything else could point the credentials at a host that is not Twilio's.
            if label and not _HOST_LABEL.fullmatch(label):
                raise TwilioError("config", "The edge and region must be single host-name labels such as sydney, au1")
        return _regional(server, edge, region)
    try:
        split = urlsplit(base_url)
    except ValueError:  # e.g. an unclosed [IPv6] bracket
        split = urlsplit("")
    if split.scheme not in ("http", "https") or not split.netloc or split.query or split.fragment:
        raise TwilioError("config", "base_url must be an absolute http(s) URL such as https://api.twilio.com")
    return base_url.rstrip("/")


def _regional(server: str, edge: str | None, region: str | None) -> str:
    """``server`` with the edge and region put into its host name the way twilio-python's
    ``ClientBase.get_hostname`` does it, for every Twilio host alike: ``{product}.{edge}.{region}.twilio.com``
    (an edge alone implies region us1); an edge or region already in the spec's host is kept unless replaced."""
    if not edge and not region:
        return server
    split = urlsplit(server)
    pieces = split.netloc.split(".")
    given_edge = given_region = None
    if len(pieces) == 4:  # product.region.twilio.com
        given_region = pieces[1]
    elif len(pieces) == 5:  # product.edge.region.twilio.com
        given_edge, given_region = pieces[1], pieces[2]
    edge = edge or given_edge
    region = region or given_region or ("us1" if edge else None)
    host = ".".join(p for p in (pieces[0], edge, region, ".".join(pieces[-2:])) if p)
    return split._replace(netloc=host).geturl()


def user_agent(library: str) -> str:
    """The User-Agent header, naming the HTTP library that sends (``requests/2.32.3``)."""
    return (
        f"twilio-lua-adapter/{__version__} ({platform.system()} {platform.machine()}) "
        f"Python/{platform.python_version()} {library}"
    )
