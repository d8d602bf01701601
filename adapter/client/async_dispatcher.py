"""The Dispatcher for asyncio: the same options, spec, validation, errors, retry policy and secret rules as
:class:`~adapter.client.dispatcher.Dispatcher` (both are a :class:`DispatcherBase`); only the transport
differs (aiohttp, waits that do not block the loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

from .async_transport import AsyncTransport
from .dispatcher import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, DispatcherBase, detached, user_agent
from .errors import TwilioError
from .operations import AsyncOperations
from .parse import parse_response
from .retry import RetryPolicy
from .spec import ServiceSpec

__all__ = ["AsyncDispatcher"]


class AsyncDispatcher(DispatcherBase, AsyncOperations):
    """Runs the spec's operations from asyncio code without blocking the event loop.

    ``async with AsyncDispatcher() as twilio: msg = await twilio.postMessage(To=..., From=..., Body=...)``.
    Options are :class:`~adapter.Dispatcher`'s; ``pool_size`` is the most connections open at once (100, as
    aiohttp's default) and ``session`` an ``aiohttp.ClientSession`` the host owns (it is not closed here).
    One dispatcher may serve any number of tasks on one event loop; every failure is a
    :class:`~adapter.TwilioError`.
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
        pool_size: int = 100,
        session: aiohttp.ClientSession | None = None,
        spec: ServiceSpec | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        timeout, policy = self._configure(
            account_sid, auth_token, api_key=api_key, api_secret=api_secret, base_url=base_url, edge=edge,
            region=region, timeout=timeout, max_retries=max_retries, retry_budget=retry_budget,
            retry_policy=retry_policy, allow_credential_override=allow_credential_override, spec=spec,
            environ=environ,
        )
        agent = user_agent(f"aiohttp/{aiohttp.__version__}")
        self._connect(lambda url: AsyncTransport(
            url, timeout=timeout, user_agent=agent, retry_policy=policy, max_response_bytes=max_response_bytes,
            session=session, pool_size=pool_size,
        ))

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session of the running loop."""
        return self._transport.session

    async def call(
        self, operation: str, args: Mapping[str, Any] | None = None, /, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Run ``operation`` with ``args`` (Twilio's argument names). Returns the resource or page as a
        dict, ``None`` for a delete. Raises :class:`~adapter.TwilioError` (bad arguments before anything is
        sent, exactly as :meth:`Dispatcher.call <adapter.Dispatcher.call>`)."""
        try:
            op, request, authorization = self._prepare(operation, args, kwargs)
            return parse_response(op, await self._transports[op.server].send(request, authorization))
        except TwilioError as exc:
            error = exc
        # As Dispatcher.call: no frame that held the Authorization header travels with the error.
        args = kwargs = None  # type: ignore[assignment]  # they may hold an AuthToken given per call
        request = authorization = None  # type: ignore[assignment]
        raise detached(error)

    async def follow(self, operation: str, args: Mapping[str, Any] | None, next_page_uri: str) -> dict[str, Any]:
        """The page at ``next_page_uri`` of the list called with ``args``, exactly as
        :meth:`Dispatcher.follow <adapter.Dispatcher.follow>` fetches it."""
        try:
            op, request, authorization = self._following(operation, args, next_page_uri)
            page = parse_response(op, await self._transports[op.server].send(request, authorization))
            assert page is not None
            return page
        except TwilioError as exc:
            error = exc
        args = request = authorization = None  # type: ignore[assignment]
        raise detached(error)

    async def pages(self, operation: str, args: Mapping[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every page of a list operation, fetched lazily, one at a time: ``async for page in d.pages(...)``;
        each ``next_page_uri`` is followed exactly as Twilio gave it."""
        page = await self.call(operation, args)
        assert page is not None
        while True:
            yield page
            link = page.get("next_page_uri")
            if not link:
                return
            page = await self.follow(operation, args, link)

    async def items(self, operation: str, args: Mapping[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every item of a list operation across all pages, one page in memory at a time."""
        key = self._items_key(operation)
        async for page in self.pages(operation, args):
            for item in page.get(key) or []:
                yield item

    async def close(self) -> None:
        for transport in {id(t): t for t in self._transports.values()}.values():
            await transport.close()

    async def __aenter__(self) -> AsyncDispatcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncDispatcher(account_sid={self.account_sid!r}, base_url={self.base_url!r})"
