"""Twilio's bad days, on real loopback sockets: every fault ends as a result or an error object, and the
server sees exactly as many requests as the retry policy allows. A POST (a send) is never repeated once it
may have reached the server."""

from __future__ import annotations

import logging
import resource
import time
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from adapter import Dispatcher, TwilioError
from adapter.client.retry import RetryPolicy
from adapter.client.spec import default_spec
from adapter.simulator import Simulator

from .conftest import ACCOUNT_SID, FETCH, MESSAGE_SID, SEND, fast_policy
from .faultserver import (
    FaultServer, close, closed_port, raw, reply, reset, slow, stall, stream, truncated,
)

MESSAGE = {"sid": MESSAGE_SID, "status": "queued", "body": "disk full on db-1"}
TWILIO_503 = {"code": 20503, "message": "Service unavailable", "more_info": "https://www.twilio.com/docs/errors/20503",
              "status": 503}
TWILIO_429 = {"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429",
              "status": 429}
HTML_503 = "<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>"


def outcome(dispatcher: Dispatcher, operation: str, args: dict[str, Any]) -> tuple[str, Any]:
    """("ok", result) or ("error", error object); anything else escaping fails the test."""
    try:
        return "ok", dispatcher.call(operation, args)
    except TwilioError as err:
        return "error", err.to_dict()


# -- 429: safe to retry for every method ---------------------------------------------------------------


@pytest.mark.parametrize("retry_after", [None, "0", "1"])
def test_post_429_is_retried_then_sent_once(server: FaultServer, dispatcher: Dispatcher, retry_after: str | None):
    headers = {"Retry-After": retry_after} if retry_after is not None else None
    server.script(reply(429, TWILIO_429, headers=headers), reply(201, MESSAGE))
    assert outcome(dispatcher, "postMessage", SEND) == ("ok", MESSAGE)
    assert [r.method for r in server.requests] == ["POST", "POST"]
    assert server.requests[0].body == server.requests[1].body  # the very same message, sent once


def test_429_until_retries_run_out_reports_attempts(server: FaultServer, dispatcher: Dispatcher):
    server.script(*[reply(429, TWILIO_429)] * 10)
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert kind == "error"
    assert error["type"] == "api" and error["status"] == 429 and error["code"] == 20429
    assert error["attempts"] == 4  # 1 + max_retries (3)
    assert len(server.requests) == 4


def test_max_retries_is_configurable(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]):
    server.script(*[reply(429, TWILIO_429)] * 10)
    kind, error = outcome(make_dispatcher(server.base_url, max_retries=1), "getMessage", FETCH)
    assert (kind, error["attempts"], len(server.requests)) == ("error", 2, 2)
    server.clear()
    server.script(*[reply(429, TWILIO_429)] * 10)
    kind, error = outcome(make_dispatcher(server.base_url, max_retries=0), "getMessage", FETCH)
    assert (kind, error["attempts"], len(server.requests)) == ("error", 1, 1)


def test_retry_after_is_honoured_and_capped(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]):
    # Twilio asking for 1000 s must not park an alert for 17 minutes: the wait is capped (here at 0.2 s).
    dispatcher = make_dispatcher(server.base_url, retry_policy=fast_policy(retry_after_max=0.2))
    waits: list[float] = []
    dispatcher._transport._sleep = waits.append  # record instead of sleeping
    server.script(reply(429, TWILIO_429, headers={"Retry-After": "1000"}), reply(201, MESSAGE))
    assert outcome(dispatcher, "postMessage", SEND) == ("ok", MESSAGE)
    assert waits == [0.2]
    assert len(server.requests) == 2


def test_retry_after_real_wait_ends_within_bounds(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]):
    dispatcher = make_dispatcher(server.base_url, retry_policy=fast_policy(retry_after_max=0.3))
    server.script(reply(429, TWILIO_429, headers={"Retry-After": "1000"}), reply(200, MESSAGE))
    started = time.monotonic()
    assert outcome(dispatcher, "getMessage", FETCH) == ("ok", MESSAGE)
    assert time.monotonic() - started < 5  # functional: it did not wait 1000 s
    assert len(server.requests) == 2


def test_retry_after_beyond_the_budget_stops_retrying(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]):
    policy = fast_policy(retry_after_max=10, total_seconds=0.5)
    dispatcher = make_dispatcher(server.base_url, retry_policy=policy)
    server.script(reply(429, TWILIO_429, headers={"Retry-After": "5"}), reply(201, MESSAGE))
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert (kind, error["status"], error["attempts"]) == ("error", 429, 1)
    assert len(server.requests) == 1


def test_budget_stops_backoff_retries(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]):
    # Fixed 0.2 s waits within a 0.3 s budget: one retry fits (0 + 0.2), a second would not (~0.2 + 0.2).
    policy = fast_policy(backoff_initial=0.2, backoff_multiplier=1.0, backoff_max=0.2, jitter="none",
                         total_seconds=0.3, max_retries=10)
    server.script(*[reply(503, TWILIO_503)] * 20)
    kind, error = outcome(make_dispatcher(server.base_url, retry_policy=policy), "getMessage", FETCH)
    assert (kind, error["status"], error["attempts"]) == ("error", 503, 2)
    assert len(server.requests) == 2


def test_retry_budget_argument(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]):
    dispatcher = make_dispatcher(server.base_url, retry_policy=fast_policy(retry_after_max=10), retry_budget=0.5)
    assert dispatcher.retry_policy.total_seconds == 0.5
    server.script(reply(429, TWILIO_429, headers={"Retry-After": "2"}), reply(200, MESSAGE))
    assert outcome(dispatcher, "getMessage", FETCH)[1]["attempts"] == 1


def test_default_policy_is_the_specs():
    dispatcher = Dispatcher(ACCOUNT_SID, "x" * 32, base_url="http://127.0.0.1:9")
    policy = dispatcher.retry_policy
    assert (policy.max_retries, policy.total_seconds) == (3, 30.0)
    assert policy.applies("POST", "status", 429) and policy.applies("DELETE", "status", 429)
    for status in (500, 502, 503, 504):
        assert policy.applies("GET", "status", status) and policy.applies("DELETE", "status", status)
        assert not policy.applies("POST", "status", status)
    assert policy.applies("POST", "connect_failed")
    for outcome_ in ("connection_lost", "read_timeout"):
        assert policy.applies("GET", outcome_) and not policy.applies("POST", outcome_)
    assert not any(policy.applies(m, "unusable") for m in ("GET", "POST", "DELETE"))
    for status in (400, 401, 404, 409):
        assert not any(policy.applies(m, "status", status) for m in ("GET", "POST", "DELETE"))
    assert policy.delay(1, "1000") == policy.retry_after_max == 10
    assert Dispatcher(ACCOUNT_SID, "x" * 32, base_url="http://127.0.0.1:9", max_retries=7,
                      retry_budget=3).retry_policy.max_retries == 7


def test_backoff_grows_with_full_jitter_and_is_capped():
    policy = RetryPolicy.from_spec(default_spec().retry_policy)
    import random

    policy = policy.with_changes(rng=random.Random(1))
    for retry in range(1, 12):
        ceiling = min(policy.backoff_max, policy.backoff_initial * policy.backoff_multiplier ** (retry - 1))
        for _ in range(20):
            assert 0 <= policy.delay(retry) <= ceiling
    # Malformed hints fall back to backoff rather than crash or wait forever.
    for hint in ("soon", "-5", "nan", "Wed, 21 Oct 2015 07:28:00 GMT", ""):
        assert 0 <= policy.delay(1, hint) <= policy.backoff_initial
    assert policy.delay(1, "inf") == policy.retry_after_max


# -- 5xx: retried for GET and DELETE, never for POST -----------------------------------------------------


def test_get_503_burst_is_retried_then_succeeds(server: FaultServer, dispatcher: Dispatcher):
    server.script(reply(503, TWILIO_503), reply(502, TWILIO_503), reply(200, MESSAGE))
    assert outcome(dispatcher, "getMessage", FETCH) == ("ok", MESSAGE)
    assert len(server.requests) == 3


def test_delete_500_is_retried(server: FaultServer, dispatcher: Dispatcher):
    server.script(reply(500, TWILIO_503), reply(204))
    assert outcome(dispatcher, "deleteMessage", FETCH) == ("ok", None)
    assert [r.method for r in server.requests] == ["DELETE", "DELETE"]


NOT_FOUND = {"code": 20404, "message": "The requested resource was not found", "status": 404}


@pytest.mark.parametrize("first", [close, lambda: slow(3, reply(204)), lambda: reply(503, TWILIO_503)],
                         ids=["lost", "timeout", "503"])
def test_delete_retried_after_an_uncertain_attempt_and_now_404_is_deleted(
    server: FaultServer, make_dispatcher: Callable[..., Dispatcher], first: Callable[[], Any],
    caplog: pytest.LogCaptureFixture,
):
    # The first attempt may have deleted the message before its answer was lost: the retry's 404 means
    # "already gone", which is what the script asked for, not an error.
    dispatcher = make_dispatcher(server.base_url, timeout=(2.0, 0.3))
    server.script(first(), reply(404, NOT_FOUND))
    with caplog.at_level(logging.WARNING, logger="adapter"):
        assert outcome(dispatcher, "deleteMessage", FETCH) == ("ok", None)
    assert [r.method for r in server.requests] == ["DELETE", "DELETE"]
    assert "treating it as deleted" in caplog.text


def test_delete_404_is_an_error_when_nothing_was_uncertain(server: FaultServer, dispatcher: Dispatcher):
    server.script(reply(404, NOT_FOUND))
    kind, error = outcome(dispatcher, "deleteMessage", FETCH)
    assert (kind, error["code"], error["attempts"]) == ("error", 20404, 1)
    server.clear()
    server.script(reply(429, TWILIO_429), reply(404, NOT_FOUND))  # a 429 was certainly not carried out
    kind, error = outcome(dispatcher, "deleteMessage", FETCH)
    assert (kind, error["code"], error["attempts"]) == ("error", 20404, 2)
    server.clear()
    server.script(close(), reply(404, NOT_FOUND))  # a GET's 404 stays a 404
    kind, error = outcome(dispatcher, "getMessage", FETCH)
    assert (kind, error["code"], error["attempts"]) == ("error", 20404, 2)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_post_5xx_is_not_retried(server: FaultServer, dispatcher: Dispatcher, status: int):
    server.script(reply(status, dict(TWILIO_503, status=status)), reply(201, MESSAGE))
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert kind == "error"
    assert (error["type"], error["status"], error["attempts"]) == ("api", status, 1)
    assert len(server.requests) == 1


def test_4xx_is_never_retried(server: FaultServer, dispatcher: Dispatcher):
    body = {"code": 20404, "message": "The requested resource was not found", "status": 404}
    server.script(reply(404, body), reply(200, MESSAGE))
    kind, error = outcome(dispatcher, "getMessage", FETCH)
    assert (kind, error["code"], error["attempts"]) == ("error", 20404, 1)
    assert len(server.requests) == 1


# -- connection refused: provably never sent, so even a POST is retried ------------------------------------


def test_connection_refused_post_is_retried_and_nothing_arrives(make_dispatcher: Callable[..., Dispatcher]):
    dispatcher = make_dispatcher(f"http://127.0.0.1:{closed_port()}")
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert kind == "error"
    assert (error["type"], error["attempts"]) == ("network", 4)
    assert "connect" in error["error"].lower()


def test_refused_then_server_comes_up_post_is_sent_once(make_dispatcher: Callable[..., Dispatcher]):
    with FaultServer(listen=False) as server:  # bound, not listening: connections are refused
        server.script(reply(201, MESSAGE))
        dispatcher = make_dispatcher(server.base_url)
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 2:
                server.listen()

        dispatcher._transport._sleep = sleep
        assert outcome(dispatcher, "postMessage", SEND) == ("ok", MESSAGE)
        assert len(waits) == 2  # refused twice, then the third attempt got through
        assert len(server.requests) == 1


# -- the connection dies after the request was sent: a POST may have been processed ----------------------


@pytest.mark.parametrize("fault", [close, reset], ids=["closed", "reset"])
def test_post_lost_connection_is_not_retried(server: FaultServer, dispatcher: Dispatcher, fault: Callable[[], Any]):
    server.script(fault(), reply(201, MESSAGE))
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert kind == "error"
    assert (error["type"], error["status"], error["attempts"]) == ("network", 503, 1)
    assert len(server.requests) == 1  # exactly one: a retry could have sent the alert twice


@pytest.mark.parametrize("fault", [close, reset], ids=["closed", "reset"])
def test_get_lost_connection_is_retried(server: FaultServer, dispatcher: Dispatcher, fault: Callable[[], Any]):
    server.script(fault(), reply(200, MESSAGE))
    assert outcome(dispatcher, "getMessage", FETCH) == ("ok", MESSAGE)
    assert len(server.requests) == 2


def test_get_lost_connection_every_time(server: FaultServer, dispatcher: Dispatcher):
    server.script(*[close()] * 10)
    kind, error = outcome(dispatcher, "getMessage", FETCH)
    assert (kind, error["type"], error["attempts"]) == ("error", "network", 4)
    assert len(server.requests) == 4


def test_garbage_instead_of_http(server: FaultServer, dispatcher: Dispatcher):
    server.script(raw(b"SSH-2.0-OpenSSH_9.6\r\n"), raw(b"SSH-2.0-OpenSSH_9.6\r\n"))
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert (kind, error["type"], error["attempts"]) == ("error", "network", 1)
    assert len(server.requests) == 1


# -- slower than the timeout ----------------------------------------------------------------------------


def test_post_read_timeout_is_not_retried(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]):
    dispatcher = make_dispatcher(server.base_url, timeout=(2.0, 0.3))
    server.script(slow(3, reply(201, MESSAGE)), reply(201, MESSAGE))
    started = time.monotonic()
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert time.monotonic() - started < 2.5
    assert (kind, error["type"], error["status"], error["attempts"]) == ("error", "timeout", 504, 1)
    assert len(server.requests) == 1


def test_get_read_timeout_is_retried(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]):
    dispatcher = make_dispatcher(server.base_url, timeout=(2.0, 0.3))
    server.script(slow(3, reply(200, MESSAGE)), reply(200, MESSAGE))
    assert outcome(dispatcher, "getMessage", FETCH) == ("ok", MESSAGE)
    assert len(server.requests) == 2


def test_stall_in_the_middle_of_the_body(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]):
    dispatcher = make_dispatcher(server.base_url, timeout=(2.0, 0.3))
    server.script(stall(3), reply(200, MESSAGE))
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert (kind, error["type"], error["attempts"]) == ("error", "timeout", 1)
    assert len(server.requests) == 1
    server.clear()
    server.script(stall(3), reply(200, MESSAGE))
    assert outcome(dispatcher, "getMessage", FETCH) == ("ok", MESSAGE)
    assert len(server.requests) == 2


# -- junk answers ------------------------------------------------------------------------------------------


def test_truncated_json_with_a_complete_response(server: FaultServer, dispatcher: Dispatcher):
    server.script(reply(201, b'{"sid": "SMbbbb', content_type="application/json"))
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert kind == "error"
    assert (error["type"], error["status"], error["attempts"]) == ("api", 502, 1)
    assert "not a JSON object" in error["error"]
    assert len(server.requests) == 1


def test_body_cut_short_post_is_not_retried(server: FaultServer, dispatcher: Dispatcher):
    server.script(truncated(201), reply(201, MESSAGE))
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert (kind, error["type"], error["attempts"]) == ("error", "network", 1)
    assert len(server.requests) == 1


def test_body_cut_short_get_is_retried(server: FaultServer, dispatcher: Dispatcher):
    server.script(truncated(200), reply(200, MESSAGE))
    assert outcome(dispatcher, "getMessage", FETCH) == ("ok", MESSAGE)
    assert len(server.requests) == 2


def test_html_503_gives_a_clean_message(server: FaultServer, dispatcher: Dispatcher):
    server.script(*[reply(503, HTML_503, content_type="text/html")] * 10)
    kind, error = outcome(dispatcher, "getMessage", FETCH)
    assert kind == "error"
    assert (error["type"], error["status"], error["attempts"]) == ("api", 503, 4)
    assert error["error"] == "Twilio answered HTTP 503 Service Unavailable without a Twilio error body"
    assert "<" not in repr(error)
    assert len(server.requests) == 4
    server.clear()
    server.script(reply(503, HTML_503, content_type="text/html"))
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert (error["status"], error["attempts"], len(server.requests)) == (503, 1, 1)


@pytest.mark.parametrize("operation,args", [("postMessage", SEND), ("getMessage", FETCH), ("listMessage", {})])
def test_200_with_an_empty_body(server: FaultServer, dispatcher: Dispatcher, operation: str, args: dict[str, Any]):
    server.script(reply(200, b""))
    kind, error = outcome(dispatcher, operation, args)
    assert kind == "error"
    assert (error["type"], error["status"], error["attempts"]) == ("api", 502, 1)
    assert error["error"] == "Twilio answered HTTP 200 with an empty body"
    assert len(server.requests) == 1


@pytest.mark.parametrize("body", [b"[1, 2, 3]", b"null", b'"queued"', b"\xff\xfe\x00garbage", b"{" * 100_000])
def test_2xx_that_is_not_a_json_object(server: FaultServer, dispatcher: Dispatcher, body: bytes):
    server.script(reply(200, body, content_type="application/json"))
    kind, error = outcome(dispatcher, "getMessage", FETCH)
    assert (kind, error["type"], error["status"]) == ("error", "api", 502)
    assert len(server.requests) == 1


GZIP = {"Content-Encoding": "gzip", "Content-Type": "application/json"}


def test_body_that_does_not_decompress(server: FaultServer, dispatcher: Dispatcher):
    # Classified like a connection broken mid-answer (tests/client pins network/503): a GET may try again,
    # a POST, which was carried out, is not sent twice.
    garbage = reply(200, b"\x1f\x8b\x08\x00garbage-not-gzip", headers=GZIP)
    server.script(garbage, reply(201, MESSAGE))
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert (kind, error["type"], error["status"], error["attempts"]) == ("error", "network", 503, 1)
    assert len(server.requests) == 1
    server.clear()
    server.script(garbage, reply(200, MESSAGE))
    assert outcome(dispatcher, "getMessage", FETCH) == ("ok", MESSAGE)
    assert len(server.requests) == 2


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    return b"".join(compressor.compress(zeros) for _ in range(256)) + compressor.flush()  # 256 MiB inflated


def test_gzip_bomb_is_stopped_at_the_decoded_limit(server: FaultServer, make_dispatcher: Callable[..., Dispatcher],
                                                  gzip_bomb: bytes):
    assert len(gzip_bomb) < 1_000_000
    dispatcher = make_dispatcher(server.base_url, max_response_bytes=1_000_000)
    server.script(reply(200, gzip_bomb, headers=GZIP))
    before = _rss_kib()
    kind, error = outcome(dispatcher, "getMessage", FETCH)
    assert (kind, error["type"], error["status"], error["attempts"]) == ("error", "api", 502, 1)
    assert "1000000-byte limit" in error["error"]
    assert (_rss_kib() - before) / 1024 < 64
    assert len(server.requests) == 1


def test_error_body_with_odd_fields_stays_clean(server: FaultServer, dispatcher: Dispatcher):
    body = {"code": "21211", "message": "Invalid 'To'", "more_info": 42, "details": "text", "status": "400"}
    server.script(reply(400, body))
    kind, error = outcome(dispatcher, "postMessage", SEND)
    assert error == {"type": "api", "error": "Invalid 'To'", "status": 400, "operation": "postMessage",
                     "attempts": 1}


def test_delete_204_and_200_with_junk_both_succeed(server: FaultServer, dispatcher: Dispatcher):
    server.script(reply(204), reply(200, b"<html>ok</html>"))
    assert outcome(dispatcher, "deleteMessage", FETCH) == ("ok", None)
    assert outcome(dispatcher, "deleteMessage", FETCH) == ("ok", None)


def test_redirect_is_not_followed(server: FaultServer, dispatcher: Dispatcher):
    server.script(reply(302, b"", headers={"Location": "http://127.0.0.1:9/steal"}))
    kind, error = outcome(dispatcher, "getMessage", FETCH)
    assert (kind, error["type"], error["status"]) == ("error", "api", 302)
    assert len(server.requests) == 1


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
@pytest.mark.parametrize("operation,args", [("getMessage", FETCH), ("postMessage", SEND)])
def test_huge_body_is_refused_without_blowing_memory(
    server: FaultServer, make_dispatcher: Callable[..., Dispatcher], declared: bool, operation: str,
    args: dict[str, Any],
):
    limit = 1_000_000
    dispatcher = make_dispatcher(server.base_url, max_response_bytes=limit)
    huge = stream(400_000_000, declare_length=declared)
    server.script(huge, reply(200, MESSAGE))
    before = _rss_kib()
    kind, error = outcome(dispatcher, operation, args)
    grown_mib = (_rss_kib() - before) / 1024
    assert kind == "error"
    assert (error["type"], error["status"], error["attempts"]) == ("api", 502, 1)
    assert f"{limit}-byte limit" in error["error"]
    assert len(server.requests) == 1  # the same oversized answer would come again: not retried
    assert grown_mib < 64, f"RSS grew by {grown_mib:.0f} MiB reading a capped body"
    assert huge.extra["sent"] < 50_000_000  # the client hung up instead of draining 400 MB
    # The connection that carried the oversized answer was not put back in the pool half-read.
    assert outcome(dispatcher, "getMessage", FETCH) == ("ok", MESSAGE)


def test_max_rss_is_sane_after_the_suite_so_far():
    # ru_maxrss is in KiB on Linux; a generous ceiling that a 400 MB read would break.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2 * 1024 * 1024


# -- the simulator's own knobs ------------------------------------------------------------------------


@pytest.fixture
def sim():
    with Simulator(seed=7) as running:
        yield running


def _sim_dispatcher(sim: Any, **options: Any) -> Dispatcher:
    options.setdefault("retry_policy", fast_policy())
    return Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, **options)


def test_simulator_throttle_post_is_retried_and_sent_once(sim: Any):
    sim.faults.throttle_next(2)
    with _sim_dispatcher(sim) as dispatcher:
        message = dispatcher.call("postMessage", SEND)
    assert message["sid"].startswith("SM")
    assert [r.status for r in sim.requests] == [429, 429, 201]
    listed = _sim_dispatcher(sim).call("listMessage", {})
    assert len(listed["messages"]) == 1  # one alert, not three


def test_simulator_fail_get_retried_post_not(sim: Any):
    with _sim_dispatcher(sim) as dispatcher:
        sid = dispatcher.call("postMessage", SEND)["sid"]
        sim.clear_requests()
        sim.faults.fail_next(2)
        assert dispatcher.call("getMessage", {"MessageSid": sid})["sid"] == sid
        assert [r.status for r in sim.requests] == [503, 503, 200]
        sim.clear_requests()
        sim.faults.fail_next(1)
        with pytest.raises(TwilioError) as caught:
            dispatcher.call("postMessage", SEND)
        assert (caught.value.status, caught.value.attempts) == (503, 1)
        assert [r.status for r in sim.requests] == [503]


def test_simulator_drop_post_is_not_retried(sim: Any):
    sim.faults.drop_next(1)
    with _sim_dispatcher(sim) as dispatcher:
        with pytest.raises(TwilioError) as caught:
            dispatcher.call("postMessage", SEND)
    assert (caught.value.type, caught.value.attempts) == ("network", 1)
    assert len(sim.requests) == 1


# -- logging ---------------------------------------------------------------------------------------------


def test_one_debug_line_per_attempt_and_a_warning_per_retry(
    server: FaultServer, dispatcher: Dispatcher, caplog: pytest.LogCaptureFixture,
):
    server.script(reply(503, TWILIO_503), close(), reply(200, MESSAGE))
    with caplog.at_level(logging.DEBUG, logger="adapter"):
        assert outcome(dispatcher, "getMessage", FETCH) == ("ok", MESSAGE)
    mine = [r for r in caplog.records if r.name == "adapter"]
    debug = [r.getMessage() for r in mine if r.levelno == logging.DEBUG]
    warnings = [r.getMessage() for r in mine if r.levelno == logging.WARNING]
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}.json"
    assert len(debug) == 3
    for number, (line, status) in enumerate(zip(debug, ["503", "connection_lost", "200"], strict=True), start=1):
        assert line.startswith(f"getMessage GET {path} -> {status} in ")
        assert " ms " in line and line.endswith(f"(attempt {number})")
    assert len(warnings) == 2
    assert warnings[0].startswith(f"getMessage GET {path} failed (HTTP 503) on attempt 1; retrying in ")
    assert warnings[1].startswith(f"getMessage GET {path} failed (connection_lost) on attempt 2; retrying in ")


def test_final_failure_logs_no_retry_warning(server: FaultServer, dispatcher: Dispatcher,
                                             caplog: pytest.LogCaptureFixture):
    server.script(close())
    with caplog.at_level(logging.DEBUG, logger="adapter"):
        outcome(dispatcher, "postMessage", SEND)
    levels = [r.levelno for r in caplog.records if r.name == "adapter"]
    assert levels == [logging.DEBUG]
