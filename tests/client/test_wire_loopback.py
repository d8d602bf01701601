"""The same wire checks as test_operations.py, against a real HTTP server on 127.0.0.1, so the whole HTTP
stack (not a `responses` stub) is exercised: every operation sends exactly the expected request."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from adapter import Dispatcher
from adapter.client.spec import default_spec

from .support import ACCOUNT_SID, AUTH_TOKEN, basic_auth, fixture, load_cases, pairs_to_multidict

SAMPLES: dict[str, dict[str, Any]] = load_cases("operations.yaml")


@pytest.fixture
def live(http_server: Any) -> Dispatcher:
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=http_server.url, max_retries=0, timeout=2, environ={})
    yield d
    d.close()


@pytest.mark.parametrize("op", list(default_spec().operations))
def test_wire_over_a_real_socket(http_server: Any, live: Dispatcher, op: str) -> None:
    sample = SAMPLES[op]
    http_server.answer(sample["status"], fixture(sample["fixture"]) if sample["fixture"] else None)
    result = live.call(op, sample["args"])
    assert result == (fixture(sample["fixture"]) if sample["fixture"] else None)

    (request,) = http_server.requests
    split = urlsplit(request.url)
    assert request.method == sample["method"]
    assert split.path == sample["path"]
    assert pairs_to_multidict(parse_qsl(split.query, keep_blank_values=True)) == sample["query"]
    assert basic_auth(request) == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.headers["User-Agent"].startswith("twilio-lua-adapter/")
    if sample["method"] == "POST":
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        form = pairs_to_multidict(parse_qsl(request.body.decode("ascii"), keep_blank_values=True))
        assert form == sample["form"]
    else:
        assert request.body == b""
        assert "Content-Type" not in request.headers


def test_connections_are_reused(http_server: Any, live: Dispatcher) -> None:
    for _ in range(3):
        http_server.answer(200, fixture("call_completed.json"))
        live.getCall(CallSid=fixture("call_completed.json")["sid"])
    assert len(http_server.requests) == 3
    assert all(r.headers.get("Connection", "keep-alive").lower() == "keep-alive" for r in http_server.requests)
    assert len({r.peer for r in http_server.requests}) == 1, "one pooled connection serves every call"


def test_gzip_answers_are_decoded(http_server: Any, live: Dispatcher) -> None:
    import gzip
    import json

    body = fixture("message_delivered.json")
    http_server.answer(200, gzip.compress(json.dumps(body).encode()),
                       {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert live.getMessage(MessageSid=body["sid"]) == body
    assert "gzip" in http_server.requests[0].headers["Accept-Encoding"]


def test_the_size_limit_counts_decoded_bytes(http_server: Any) -> None:
    import gzip

    from adapter import TwilioError

    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=http_server.url, max_retries=0, timeout=2, environ={},
                   max_response_bytes=100_000)
    bomb = gzip.compress(b'{"a": "' + b"x" * 1_000_000 + b'"}')
    assert len(bomb) < 100_000
    http_server.answer(200, bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    with pytest.raises(TwilioError) as info:
        d.getCall(CallSid=fixture("call.json")["sid"])
    assert (info.value.type, info.value.status) == ("api", 502)
    assert "100000-byte limit" in str(info.value)


def test_declared_oversized_answer_is_refused_unread(http_server: Any) -> None:
    from adapter import TwilioError

    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=http_server.url, max_retries=0, timeout=2, environ={},
                   max_response_bytes=1000)
    http_server.answer(200, b"{" + b" " * 5000 + b"}", {"Content-Type": "application/json"})
    with pytest.raises(TwilioError) as info:
        d.getCall(CallSid=fixture("call.json")["sid"])
    assert info.value.status == 502 and info.value.attempts == 1


def test_html_error_page_over_a_real_socket(http_server: Any, live: Dispatcher) -> None:
    from adapter import TwilioError

    http_server.answer(503, b"<html><body>Service Unavailable</body></html>", {"Content-Type": "text/html"})
    with pytest.raises(TwilioError) as info:
        live.deleteCall(CallSid=fixture("call.json")["sid"])
    assert (info.value.type, info.value.status) == ("api", 503)
    assert str(info.value) == "Twilio answered HTTP 503 Service Unavailable without a Twilio error body"
