"""The Auth Token (and API secret) never appear in an error, a repr, or a log record, on success or failure."""

from __future__ import annotations

import logging
import pickle
import re
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from tests.wire import WireMock

from adapter import Dispatcher, TwilioError
from adapter.client.retry import RetryPolicy

from .support import (
    ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, CALL_SID, OTHER_ACCOUNT_SID, OTHER_AUTH_TOKEN,
    fixture, secret_forms,
)

SECRETS = secret_forms(AUTH_TOKEN, OTHER_AUTH_TOKEN, API_SECRET)
SEND = {"To": "+15558675310", "From": "+15005550006", "Body": "hi"}
ANY_URL = re.compile("/.*")


def assert_clean(*texts: Any) -> None:
    for text in texts:
        text = text if isinstance(text, str) else repr(text)
        for secret in SECRETS:
            assert secret not in text


def assert_error_clean(error: TwilioError) -> None:
    assert_clean(str(error), repr(error), error.to_dict(), error.args, pickle.dumps(error).decode("latin-1"),
                 "".join(traceback.format_exception(error)))


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # every logger: ours, requests', urllib3's
    return caplog


def assert_logs_clean(logs: pytest.LogCaptureFixture) -> None:
    assert logs.records, "expected some log records to check"
    for record in logs.records:
        assert_clean(record.getMessage(), record.args, record.msg)
    assert_clean(logs.text)


def test_dispatcher_repr_and_public_attributes() -> None:
    for d in (Dispatcher(ACCOUNT_SID, AUTH_TOKEN, environ={}),
              Dispatcher(ACCOUNT_SID, api_key=API_KEY, api_secret=API_SECRET, environ={}),
              Dispatcher(environ={"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN})):
        assert_clean(repr(d), str(d))
        public = {name: getattr(d, name) for name in dir(d) if not name.startswith("_")
                  and not callable(getattr(d, name))}
        assert_clean(public)


def run_and_capture(action: Callable[[], Any]) -> TwilioError | None:
    try:
        action()
    except TwilioError as error:
        assert_error_clean(error)
        return error
    return None


def test_successful_calls_log_nothing_secret(logs: pytest.LogCaptureFixture, mocked: WireMock,
                                             dispatcher: Dispatcher) -> None:
    mocked.add("POST", ANY_URL, json=fixture("message.json"), status=201)
    mocked.add("GET", ANY_URL, json=fixture("call_completed.json"))
    dispatcher.postMessage(SEND)
    dispatcher.getCall(CallSid=CALL_SID, AccountSid=OTHER_ACCOUNT_SID, AuthToken=OTHER_AUTH_TOKEN)
    assert_logs_clean(logs)


def test_failed_calls_leak_nothing(logs: pytest.LogCaptureFixture, mocked: WireMock,
                                   dispatcher: Dispatcher) -> None:
    mocked.add("GET", ANY_URL, status=401, json={
        "code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401})
    errors = [
        run_and_capture(lambda: dispatcher.getCall(CallSid=CALL_SID)),
        run_and_capture(lambda: dispatcher.getCall(CallSid=CALL_SID, AuthToken=OTHER_AUTH_TOKEN)),
        # Malformed tokens: the validation error names the argument, never the value.
        run_and_capture(lambda: dispatcher.getCall(CallSid=CALL_SID, AuthToken=OTHER_AUTH_TOKEN + "!")),
        run_and_capture(lambda: dispatcher.getCall(CallSid=CALL_SID, AuthToken=[OTHER_AUTH_TOKEN])),
        run_and_capture(lambda: dispatcher.getCall({"CallSid": OTHER_AUTH_TOKEN})),
    ]
    assert [e.type for e in errors if e] == ["api", "api", "validation", "validation", "validation"]
    assert errors[0].status == 401 and errors[0].code == 20003
    assert len(mocked.calls) == 2
    assert_logs_clean(logs)


def test_forbidden_override_leaks_nothing(mocked: WireMock) -> None:
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, allow_credential_override=False, environ={})
    error = run_and_capture(lambda: d.getCall(CallSid=CALL_SID, AuthToken=OTHER_AUTH_TOKEN))
    assert error is not None and error.type == "validation"


def test_config_errors_leak_nothing() -> None:
    for kwargs in ({"account_sid": "AC1", "auth_token": AUTH_TOKEN},
                   {"account_sid": ACCOUNT_SID, "api_secret": API_SECRET},
                   {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "base_url": "ftp://x"},
                   {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "timeout": -1}):
        error = run_and_capture(lambda kwargs=kwargs: Dispatcher(environ={}, **kwargs))
        assert error is not None and error.type == "config"


def test_retries_and_transport_failures_log_nothing_secret(
    logs: pytest.LogCaptureFixture, closed_port: int, silent_server: Any, http_server: Any
) -> None:
    policy = RetryPolicy.from_spec({"rules": [{"when": "connect_failed", "methods": ["GET"]},
                                              {"when": "status", "statuses": [503], "methods": ["GET"]}]},
                                   backoff_initial=0.001, jitter="none", max_retries=1)
    for url, kind in ((f"http://127.0.0.1:{closed_port}", "network"), (silent_server.url, "timeout")):
        d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=url, timeout=0.2, retry_policy=policy, environ={})
        error = run_and_capture(lambda d=d: d.getCall(CallSid=CALL_SID, AccountSid=OTHER_ACCOUNT_SID,
                                                      AuthToken=OTHER_AUTH_TOKEN))
        assert error is not None and error.type == kind
    # A real exchange, with a retried 503 then success, through the whole HTTP stack.
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=http_server.url, retry_policy=policy, environ={})
    http_server.answer(503, b"busy")
    http_server.answer(200, fixture("call_completed.json"))
    assert d.getCall(CallSid=CALL_SID)["sid"] == CALL_SID
    assert any(r.levelno == logging.WARNING and "retrying" in r.getMessage() for r in logs.records)
    assert any(r.name.startswith("urllib3") for r in logs.records)  # the HTTP stack's own debug lines were seen
    assert_logs_clean(logs)
