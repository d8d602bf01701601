"""The same wire checks as test_operations.py, against a real HTTP server on 127.0.0.1, so the whole HTTP
stack (not a `responses` stub) is exercised: every operation sends exactly the expected request."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from adapter import Dispatcher
from adapter.spec import default_spec

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
