"""Twilio's canned error answers, and real transport failures on loopback sockets, become TwilioError."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from tests.wire import WireMock
import urllib3

from adapter import Dispatcher, TwilioError
from adapter.client.retry import RetryPolicy

from .support import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, CALL_SID, raising_session

CALLS = f"{BASE_URL}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
MESSAGES = f"{BASE_URL}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
SEND = {"To": "+15005550001", "From": "+15005550006", "Body": "hi"}

CANNED = [
    pytest.param(400, {"code": 21211, "message": "The 'To' number +15005550001 is not a valid phone number.",
                       "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}, id="400-21211-invalid-to"),
    pytest.param(401, {"code": 20003, "detail": "Your AccountSid or AuthToken was incorrect.",
                       "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
                       "status": 401}, id="401-20003-authenticate"),
    pytest.param(404, {"code": 20404, "message": f"The requested resource /2010-04-01/Accounts/{ACCOUNT_SID}"
                       "/Messages.json was not found", "more_info": "https://www.twilio.com/docs/errors/20404",
                       "status": 404}, id="404-20404-not-found"),
    pytest.param(429, {"code": 20429, "message": "Too Many Requests",
                       "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}, id="429-20429"),
    pytest.param(400, {"code": 21602, "message": "Message body is required.",
                       "more_info": "https://www.twilio.com/docs/errors/21602", "status": 400,
                       "details": {"parameter": "Body"}}, id="400-21602-with-details"),
]


@pytest.mark.parametrize("status, body", CANNED)
def test_twilio_error_bodies(dispatcher: Dispatcher, mocked: WireMock, status: int, body: dict) -> None:
    mocked.add("POST", MESSAGES, json=body, status=status)
    with pytest.raises(TwilioError) as info:
        dispatcher.postMessage(SEND)
    error = info.value
    assert (error.type, error.status, error.code) == ("api", status, body["code"])
    assert str(error) == body["message"]
    assert error.more_info == body["more_info"]
    assert error.details == body.get("details")
    assert error.operation == "postMessage" and error.attempts == 1
    assert error.to_dict()["code"] == body["code"]
    assert len(mocked.calls) == 1


def test_html_500_gives_a_clean_message(dispatcher: Dispatcher, mocked: WireMock) -> None:
    html = "<!DOCTYPE html><html><body><h1>500 Internal Server Error</h1><p>upstream</p></body></html>"
    mocked.add("GET", CALLS, body=html, status=500, content_type="text/html")
    with pytest.raises(TwilioError) as info:
        dispatcher.listCall()
    assert (info.value.type, info.value.status, info.value.code) == ("api", 500, None)
    assert str(info.value) == "Twilio answered HTTP 500 Internal Server Error without a Twilio error body"


def test_429_is_retried_then_succeeds(mocked: WireMock) -> None:
    policy = RetryPolicy.from_spec({"rules": [{"when": "status", "statuses": [429], "methods": ["POST"]}]},
                                   backoff_initial=0.001, jitter="none")
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, retry_policy=policy, environ={})
    mocked.add("POST", MESSAGES, json=CANNED[3].values[1], status=429, headers={"Retry-After": "0"})
    mocked.add("POST", MESSAGES, json={"sid": "SM" + "0" * 32}, status=201)
    assert d.postMessage(SEND) == {"sid": "SM" + "0" * 32}
    assert len(mocked.calls) == 2


def test_429_after_the_last_retry_reports_the_attempts(mocked: WireMock) -> None:
    policy = RetryPolicy.from_spec({"rules": [{"when": "status", "statuses": [429], "methods": ["POST"]}]},
                                   backoff_initial=0.001, jitter="none", max_retries=2)
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, retry_policy=policy, environ={})
    mocked.add("POST", MESSAGES, json=CANNED[3].values[1], status=429)
    with pytest.raises(TwilioError) as info:
        d.postMessage(SEND)
    assert (info.value.status, info.value.code, info.value.attempts) == (429, 20429, 3)


def test_post_500_is_never_repeated_by_the_default_policy(mocked: WireMock) -> None:
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, environ={})  # the spec's policy, 3 retries
    mocked.add("POST", MESSAGES, body="oops", status=500)
    with pytest.raises(TwilioError) as info:
        d.postMessage(SEND)
    assert info.value.attempts == 1 and len(mocked.calls) == 1


# --- foreign exceptions never escape ------------------------------------------------------------------------

def _refused() -> requests.ConnectionError:
    cause = urllib3.exceptions.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, CALLS, cause))  # type: ignore[arg-type]


@pytest.mark.parametrize("exc, kind, status", [
    (_refused(), "network", 503),
    (requests.ConnectionError("reset by peer"), "network", 503),
    (requests.ConnectTimeout("connect"), "timeout", 504),
    (requests.ReadTimeout("read"), "timeout", 504),
    (requests.ConnectionError(urllib3.exceptions.ReadTimeoutError(None, CALLS, "read")), "timeout", 504),  # type: ignore[arg-type]
    (requests.exceptions.SSLError("bad certificate"), "network", 503),
    (requests.exceptions.ChunkedEncodingError("truncated"), "network", 503),
    (requests.exceptions.ContentDecodingError("bad gzip"), "network", 503),
    (requests.exceptions.TooManyRedirects("loop"), "network", 503),
    (requests.exceptions.InvalidURL("bad"), "config", 500),
    (urllib3.exceptions.ProtocolError("aborted"), "network", 503),
    (ConnectionResetError("reset"), "network", 503),
    (OSError("anything"), "network", 503),
    (ValueError("Invalid header value"), "network", 503),
    (UnicodeError("label too long"), "network", 503),
    (RuntimeError("a custom adapter broke"), "network", 503),
], ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v))
def test_foreign_exceptions_become_twilio_errors(exc: BaseException, kind: str, status: int) -> None:
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=BASE_URL, max_retries=0, environ={},
                   session=raising_session(exc))
    with pytest.raises(TwilioError) as info:
        d.listCall()
    assert (info.value.type, info.value.status) == (kind, status)
    assert info.value.operation == "listCall" and info.value.attempts == 1
    assert info.value.__cause__ is exc  # kept for debugging, never raised instead


# --- real sockets, loopback only ------------------------------------------------------------------------------

def loopback(url: str, **kw: Any) -> Dispatcher:
    kw.setdefault("max_retries", 0)
    return Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=url, environ={}, **kw)


def test_connection_refused_is_a_network_error(closed_port: int) -> None:
    with pytest.raises(TwilioError) as info:
        loopback(f"http://127.0.0.1:{closed_port}").getCall(CallSid=CALL_SID)
    assert (info.value.type, info.value.status) == ("network", 503)
    assert str(info.value) == "Could not connect to Twilio"


def test_connection_refused_is_retried_even_for_post(closed_port: int) -> None:
    policy = RetryPolicy.from_spec({"rules": [{"when": "connect_failed", "methods": ["POST"]}]},
                                   backoff_initial=0.001, jitter="none", max_retries=2)
    with pytest.raises(TwilioError) as info:
        loopback(f"http://127.0.0.1:{closed_port}", retry_policy=policy, max_retries=None).postMessage(SEND)
    assert (info.value.type, info.value.attempts) == ("network", 3)


def test_silent_server_is_a_timeout(silent_server: Any) -> None:
    started = time.monotonic()
    with pytest.raises(TwilioError) as info:
        loopback(silent_server.url, timeout=0.2).getCall(CallSid=CALL_SID)
    elapsed = time.monotonic() - started
    assert (info.value.type, info.value.status) == ("timeout", 504)
    assert str(info.value) == "Twilio did not answer in time"
    assert 0.15 < elapsed < 2


def test_post_read_timeout_is_not_repeated_even_with_retries(silent_server: Any) -> None:
    """The message may already be on its way: sending it again could deliver it twice."""
    d = loopback(silent_server.url, timeout=0.2, max_retries=3)
    with pytest.raises(TwilioError) as info:
        d.postMessage(SEND)
    assert info.value.type == "timeout" and info.value.attempts == 1
    time.sleep(0.05)
    assert silent_server.accepted == 1


def test_get_read_timeout_is_retried(silent_server: Any) -> None:
    policy = RetryPolicy.from_spec({"rules": [{"when": "read_timeout", "methods": ["GET"]}]},
                                   backoff_initial=0.001, jitter="none", max_retries=1)
    d = loopback(silent_server.url, timeout=0.2, retry_policy=policy, max_retries=None)
    with pytest.raises(TwilioError) as info:
        d.getCall(CallSid=CALL_SID)
    assert info.value.type == "timeout" and info.value.attempts == 2
    time.sleep(0.05)
    assert silent_server.accepted == 2


def test_server_that_hangs_up_is_a_lost_connection(hangup_server: Any) -> None:
    with pytest.raises(TwilioError) as info:
        loopback(hangup_server.url, timeout=2).postMessage(SEND)
    assert (info.value.type, info.value.status) == ("network", 503)
    assert str(info.value) == "The connection to Twilio was lost"
    assert info.value.attempts == 1
