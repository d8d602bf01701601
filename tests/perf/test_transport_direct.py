"""The transport's direct path (straight onto the requests session adapter's urllib3 pool) behaves as
requests' full path did, and gives way to the full path whenever something would need it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import requests.adapters

from adapter import Dispatcher
from tests.client.loopback_http import LoopbackHTTP

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "secret-token"
CALL_SID = "CA" + "0123456789abcdef" * 2
MESSAGE = {"sid": "SM" + "0" * 32, "status": "queued"}
SEND = {"To": "+15558675310", "From": "+15005550006", "Body": "hi"}


@pytest.fixture
def server() -> Iterator[LoopbackHTTP]:
    s = LoopbackHTTP()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def dispatcher(url: str, **kw: Any) -> Dispatcher:
    return Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=url, max_retries=0, timeout=2, environ={}, **kw)


def test_plain_calls_skip_requests_per_call_machinery(server: LoopbackHTTP, monkeypatch: pytest.MonkeyPatch) -> None:
    def no(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the direct path should not go through Session.send or PreparedRequest")

    monkeypatch.setattr(requests.Session, "send", no)
    monkeypatch.setattr(requests.PreparedRequest, "prepare", no)
    d = dispatcher(server.url)
    server.answer(201, MESSAGE)
    assert d.postMessage(SEND) == MESSAGE
    assert server.requests[0].headers["Content-Length"] == str(len(server.requests[0].body))


def test_delete_sends_content_length_zero_as_requests_does(server: LoopbackHTTP) -> None:
    d = dispatcher(server.url)
    server.answer(204)
    assert d.deleteCall(CallSid=CALL_SID) is None
    (request,) = server.requests
    assert request.method == "DELETE" and request.headers["Content-Length"] == "0" and request.body == b""


def test_calls_go_on_after_the_session_closed_its_pools(server: LoopbackHTTP) -> None:
    d = dispatcher(server.url)
    server.answer(201, MESSAGE)
    d.postMessage(SEND)
    d.session.close()  # the pool manager drops (and closes) every pool, ours included
    server.answer(201, MESSAGE)
    assert d.postMessage(SEND) == MESSAGE
    assert len(server.requests) == 2


def test_a_subclassed_adapter_sees_every_request(server: LoopbackHTTP) -> None:
    seen = []

    class Recording(requests.adapters.HTTPAdapter):
        def send(self, request: Any, **kwargs: Any) -> Any:
            seen.append(request.method)
            return super().send(request, **kwargs)

    session = requests.Session()
    session.mount("http://", Recording())
    d = dispatcher(server.url, session=session)
    server.answer(201, MESSAGE)
    assert d.postMessage(SEND) == MESSAGE
    assert seen == ["POST"]


def test_the_path_depends_on_configuration_only(server: LoopbackHTTP, monkeypatch: pytest.MonkeyPatch) -> None:
    """Patching requests' HTTPAdapter.send (as `responses` and mocks do) does not change the path a
    default Dispatcher takes: production code never looks at whether something was replaced."""
    seen = []
    original = requests.adapters.HTTPAdapter.send

    def spy(self: Any, request: Any, **kwargs: Any) -> Any:
        seen.append(request.method)
        return original(self, request, **kwargs)

    d = dispatcher(server.url)
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", spy)
    server.answer(201, MESSAGE)
    assert d.postMessage(SEND) == MESSAGE
    assert seen == [] and len(server.requests) == 1


def test_a_proxy_from_the_environment_is_used(server: LoopbackHTTP, monkeypatch: pytest.MonkeyPatch) -> None:
    """The proxy (here the loopback server itself) gets the request in absolute form."""
    monkeypatch.setenv("HTTP_PROXY", server.url)
    target = "http://twilio.invalid"
    d = dispatcher(target)
    assert not d._transport._direct  # a proxy is requests' business: the full path runs
    server.answer(201, MESSAGE)
    assert d.postMessage(SEND) == MESSAGE
    (request,) = server.requests
    assert request.url.startswith(target + "/2010-04-01/Accounts/")


def test_a_base_url_with_a_path_prefix_keeps_it(server: LoopbackHTTP) -> None:
    d = dispatcher(server.url + "/prefix")
    server.answer(201, MESSAGE)
    d.postMessage(SEND)
    assert server.requests[0].url.startswith("/prefix/2010-04-01/Accounts/")


def test_query_strings_arrive_encoded(server: LoopbackHTTP) -> None:
    d = dispatcher(server.url)
    server.answer(200, {"messages": [], "next_page_uri": None})
    d.listMessage({"To": "+15558675310", "DateSent>": "2026-11-01", "PageSize": 20})
    assert "?To=%2B15558675310&DateSent%3E=2026-11-01&PageSize=20" in server.requests[0].url
