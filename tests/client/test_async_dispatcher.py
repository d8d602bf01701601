"""AsyncDispatcher: the same requests on the wire as Dispatcher, the same refusals before anything is sent, and
the asyncio behaviour of its own (async context manager, async iterators, cancellation, many tasks)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from adapter import AsyncDispatcher, Dispatcher, TwilioError
from adapter.client.spec import default_spec
from adapter.simulator import Simulator

from .support import ACCOUNT_SID, AUTH_TOKEN, basic_auth, fixture, load_cases, pairs_to_multidict

SAMPLES: dict[str, dict[str, Any]] = load_cases("operations.yaml")
SEND = {"From": "+15005550006", "To": "+15558675310", "Body": "Pump 3 overheated"}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.mark.parametrize("op", list(default_spec().operations))
def test_every_operation_sends_what_the_sync_dispatcher_sends(http_server: Any, op: str) -> None:
    sample = SAMPLES[op]
    body = fixture(sample["fixture"]) if sample["fixture"] else None

    async def go() -> Any:
        async with AsyncDispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=http_server.url, max_retries=0, timeout=2,
                                   environ={}) as d:
            return await getattr(d, op)(sample["args"])

    http_server.answer(sample["status"], body)
    assert run(go()) == body
    (request,) = http_server.requests
    split = urlsplit(request.url)
    assert request.method == sample["method"]
    assert split.path == sample["path"]
    assert pairs_to_multidict(parse_qsl(split.query, keep_blank_values=True)) == sample["query"]
    assert basic_auth(request) == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.headers["User-Agent"].startswith("twilio-lua-adapter/") and "aiohttp/" in request.headers[
        "User-Agent"]
    if sample["method"] == "POST":
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert pairs_to_multidict(parse_qsl(request.body.decode("ascii"), keep_blank_values=True)) == sample["form"]
    else:
        assert request.body == b""
        assert "Content-Type" not in request.headers


def test_generated_methods_are_coroutines_with_the_sync_names() -> None:
    for name in default_spec().operations:
        assert inspect.iscoroutinefunction(getattr(AsyncDispatcher, name)), name
        assert callable(getattr(Dispatcher, name))


def test_bad_arguments_are_refused_alike_and_nothing_is_sent(http_server: Any) -> None:
    args = {"From": "+15005550006", "body": "x", "MaxPrice": "cheap"}

    async def go() -> dict[str, Any]:
        async with AsyncDispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=http_server.url, environ={}) as d:
            with pytest.raises(TwilioError) as caught:
                await d.postMessage(args)
            return caught.value.to_dict()

    with Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=http_server.url, environ={}) as sync:
        with pytest.raises(TwilioError) as sync_caught:
            sync.postMessage(args)
    assert run(go()) == sync_caught.value.to_dict()
    assert sync_caught.value.type == "validation" and len(sync_caught.value.details) >= 3
    assert http_server.requests == []


def test_missing_credentials_is_a_config_error_before_sending(http_server: Any) -> None:
    async def go() -> TwilioError:
        d = AsyncDispatcher(ACCOUNT_SID, base_url=http_server.url, environ={})
        try:
            await d.postMessage(SEND)
        except TwilioError as err:
            return err
        finally:
            await d.close()
        raise AssertionError("no error")

    assert run(go()).type == "config"
    assert http_server.requests == []


def test_secret_is_not_in_repr_or_errors() -> None:
    d = AsyncDispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url="http://127.0.0.1:9", max_retries=0, environ={})

    async def go() -> TwilioError:
        try:
            await d.getMessage(MessageSid="SM" + "a" * 32)
        except TwilioError as err:
            return err
        finally:
            await d.close()
        raise AssertionError("no error")

    err = run(go())
    assert err.type == "network" and err.attempts == 1
    for text in (repr(d), str(err), repr(err), repr(err.to_dict()), repr(vars(d))):
        assert AUTH_TOKEN not in text


def test_against_the_simulator_items_pages_and_many_tasks() -> None:
    with Simulator() as sim:
        async def go() -> tuple[list[str], int, int]:
            async with AsyncDispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url) as d:
                sent = await asyncio.gather(*(d.postMessage(SEND, Body=f"n{i}") for i in range(40)))
                sids = [m["sid"] for m in sent]
                seen = [m["sid"] async for m in d.items("listMessage", {"PageSize": 7})]
                pages = [p async for p in d.pages("listMessage", {"PageSize": 7})]
                return sids, len(set(seen) & set(sids)), len(pages)

        sids, found, pages = run(go())
        posts = [r for r in sim.requests if r.method == "POST"]
    assert len(set(sids)) == 40 and found == 40
    assert pages >= 6
    assert len(posts) == 40  # each message sent exactly once


def test_items_of_a_non_list_operation_is_a_validation_error() -> None:
    async def go() -> None:
        async with AsyncDispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url="http://127.0.0.1:9", environ={}) as d:
            async for _ in d.items("postMessage"):
                pass

    with pytest.raises(TwilioError) as caught:
        run(go())
    assert caught.value.type == "validation"


def test_cancelling_a_call_cancels_it_and_frees_its_connection() -> None:
    async def go() -> tuple[int, int]:
        arrived = asyncio.Event()
        connections: list[asyncio.StreamWriter] = []

        async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connections.append(writer)
            await reader.readuntil(b"\r\n\r\n")
            arrived.set()
            await reader.read()  # until the client goes away

        server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with AsyncDispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=f"http://127.0.0.1:{port}", environ={},
                                   pool_size=1) as d:
            task = asyncio.ensure_future(d.getCall(CallSid="CA" + "c" * 32))
            await asyncio.wait_for(arrived.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            arrived.clear()
            # The only connection of the pool was freed: a second call gets one (and is cancelled in turn).
            second = asyncio.ensure_future(d.getCall(CallSid="CA" + "c" * 32))
            await asyncio.wait_for(arrived.wait(), 5)
            second.cancel()
            with pytest.raises(asyncio.CancelledError):
                await second
        server.close()
        return len(connections), int(arrived.is_set())

    assert run(go()) == (2, 1)


def test_one_dispatcher_used_from_two_event_loops() -> None:
    with Simulator() as sim:
        d = AsyncDispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url)

        async def send() -> str:
            return (await d.postMessage(SEND))["sid"]

        first, second = run(send()), run(send())
        run(d.close())
    assert first != second
