"""The retry policy as data, and the transport applying it (a stub Twilio on loopback; sleeps recorded, not
slept)."""

from __future__ import annotations

import random
from typing import Any

import pytest
import requests
import requests.adapters
import urllib3

from tests.wire import WireMock

from adapter import TwilioError
from adapter.client.retry import RetryPolicy
from adapter.client.spec import default_spec
from adapter.client.transport import Transport

URL = "/x.json"

RULES = {
    "rules": [
        {"when": "status", "statuses": [429], "methods": ["get", "POST", "DELETE"]},
        {"when": "status", "statuses": [500, "503"], "methods": ["GET"]},
        {"when": "connect_failed", "methods": ["GET", "POST"]},
        {"when": "connection_lost", "methods": ["GET"]},
    ],
}


def policy(**overrides: Any) -> RetryPolicy:
    data = dict(RULES, max_retries=3, total_seconds=30, backoff_initial=0.5, backoff_multiplier=2, backoff_max=3,
                jitter="none", retry_after_max=10)
    data.update(overrides)
    return RetryPolicy.from_spec(data)


# --- the policy -----------------------------------------------------------------------------------------

def test_from_spec_reads_rules_and_settings() -> None:
    p = RetryPolicy.from_spec(dict(RULES, max_retries=5, jitter="none", unknown_key=1))
    assert p.max_retries == 5 and p.jitter == "none"
    assert p.rules[0].methods == frozenset({"GET", "POST", "DELETE"})
    assert p.rules[1].statuses == frozenset({500, 503})
    assert p.total_seconds == RetryPolicy().total_seconds  # defaults for what the data leaves out


def test_from_spec_overrides_and_with_changes() -> None:
    p = RetryPolicy.from_spec(RULES, max_retries=0, total_seconds=None)
    assert p.max_retries == 0 and p.total_seconds == 30.0
    assert p.with_changes(max_retries=None, backoff_max=1).backoff_max == 1
    assert p.with_changes(max_retries=None).max_retries == 0


@pytest.mark.parametrize("method, outcome, status, expected", [
    ("GET", "status", 429, True), ("POST", "status", 429, True), ("DELETE", "status", 429, True),
    ("GET", "status", 503, True), ("POST", "status", 503, False), ("GET", "status", 404, False),
    ("GET", "status", 502, False), ("POST", "connect_failed", None, True), ("DELETE", "connect_failed", None, False),
    ("GET", "connection_lost", None, True), ("POST", "connection_lost", None, False),
    ("GET", "read_timeout", None, False), ("GET", "unusable", None, False),
])
def test_rules_match_method_outcome_and_status(method: str, outcome: Any, status: int | None, expected: bool) -> None:
    assert policy().applies(method, outcome, status) is expected


@pytest.mark.parametrize("method, outcome, status, expected", [
    ("POST", "status", 429, True), ("GET", "status", 429, True), ("DELETE", "status", 429, True),
    ("POST", "status", 500, False), ("POST", "status", 503, False), ("GET", "status", 500, True),
    ("DELETE", "status", 504, True), ("GET", "status", 400, False), ("GET", "status", 404, False),
    ("POST", "connect_failed", None, True), ("POST", "connection_lost", None, False),
    ("POST", "read_timeout", None, False), ("GET", "read_timeout", None, True),
    ("GET", "connection_lost", None, True), ("DELETE", "connection_lost", None, True),
    ("GET", "unusable", None, False), ("POST", "unusable", None, False),
])
def test_packaged_policy_never_repeats_a_post_that_may_have_arrived(
    method: str, outcome: Any, status: int | None, expected: bool
) -> None:
    assert RetryPolicy.from_spec(default_spec().retry_policy).applies(method, outcome, status) is expected


def test_packaged_policy_settings() -> None:
    p = RetryPolicy.from_spec(default_spec().retry_policy)
    assert (p.max_retries, p.total_seconds, p.retry_after_max, p.jitter) == (3, 30, 10, "full")


def test_exponential_backoff_without_jitter_is_capped() -> None:
    p = policy()
    assert [p.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3, 3]


def test_full_jitter_stays_within_bounds() -> None:
    p = policy(jitter="full").with_changes(rng=random.Random(7))
    for n in range(1, 8):
        ceiling = min(3, 0.5 * 2 ** (n - 1))
        samples = [p.delay(n) for _ in range(200)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.8 and min(samples) < ceiling * 0.2  # really spread out
        assert len(set(samples)) > 150


@pytest.mark.parametrize("header, expected", [
    ("2", 2.0), ("0", 0.0), ("1.5", 1.5), ("120", 10.0), ("inf", 10.0),
    ("-1", 0.5), ("nan", 0.5), ("soon", 0.5), ("Wed, 21 Oct 2026 07:28:00 GMT", 0.5), ("", 0.5),
])
def test_retry_after_is_honoured_and_capped(header: str, expected: float) -> None:
    assert policy().delay(1, header) == expected


def test_next_delay_counts_retries() -> None:
    p = policy(max_retries=2)
    assert p.next_delay("GET", "status", status=503, retries_done=0, elapsed=0) == 0.5
    assert p.next_delay("GET", "status", status=503, retries_done=1, elapsed=0) == 1.0
    assert p.next_delay("GET", "status", status=503, retries_done=2, elapsed=0) is None


def test_next_delay_respects_the_budget() -> None:
    p = policy(total_seconds=5)
    assert p.next_delay("GET", "status", status=503, retries_done=0, elapsed=4.5) == 0.5
    assert p.next_delay("GET", "status", status=503, retries_done=0, elapsed=4.6) is None
    assert p.next_delay("GET", "status", status=429, retries_done=0, elapsed=0, retry_after="6") is None
    assert p.next_delay("GET", "status", status=429, retries_done=0, elapsed=0, retry_after="4") == 4


def test_next_delay_for_failures_the_rules_do_not_cover() -> None:
    assert policy().next_delay("POST", "status", status=503, retries_done=0, elapsed=0) is None
    assert policy(max_retries=0).next_delay("GET", "status", status=503, retries_done=0, elapsed=0) is None


# --- the transport applying it ------------------------------------------------------------------------

class Recorder:
    def __init__(self, retry_policy: RetryPolicy, base_url: str, **kw: Any) -> None:
        self.sleeps: list[float] = []
        self.transport = Transport(base_url, timeout=(1.0, 1.0), user_agent="test", retry_policy=retry_policy,
                                   max_response_bytes=kw.pop("max_response_bytes", 1 << 20),
                                   sleep=self.sleeps.append, **kw)

    def send(self, method: str = "GET") -> dict[str, Any]:
        request = {"operation": "op", "method": method, "path": "/x.json", "query": [], "form": [("A", "1")]}
        return self.transport.send(request, "Basic dGVzdA==")


@pytest.fixture
def rsps() -> Any:
    with WireMock() as mock:
        yield mock


def test_get_503_is_retried_until_it_succeeds(rsps: WireMock) -> None:
    r = Recorder(policy(), rsps.url)
    rsps.add("GET", URL, status=503)
    rsps.add("GET", URL, status=503)
    rsps.add("GET", URL, status=200, body=b"{}")
    response = r.send()
    assert response["status"] == 200 and response["attempts"] == 3 and response["body"] == b"{}"
    assert r.sleeps == [0.5, 1.0]


def test_retries_stop_at_max_retries_and_return_the_last_answer(rsps: WireMock) -> None:
    r = Recorder(policy(max_retries=2), rsps.url)
    rsps.add("GET", URL, status=500)
    response = r.send()
    assert len(rsps.calls) == 3
    assert response["status"] == 500 and response["attempts"] == 3
    assert r.sleeps == [0.5, 1.0]


def test_post_500_is_not_retried(rsps: WireMock) -> None:
    r = Recorder(policy(), rsps.url)
    rsps.add("POST", URL, status=500)
    assert r.send("POST")["attempts"] == 1
    assert len(rsps.calls) == 1
    assert rsps.calls[0].request.body == "A=1"
    assert r.sleeps == []


def test_post_429_is_retried_after_retry_after(rsps: WireMock) -> None:
    r = Recorder(policy(), rsps.url)
    rsps.add("POST", URL, status=429, headers={"Retry-After": "2"})
    rsps.add("POST", URL, status=429, headers={"Retry-After": "600"})
    rsps.add("POST", URL, status=201, body=b"{}")
    assert r.send("POST")["status"] == 201
    assert len(rsps.calls) == 3
    assert r.sleeps == [2.0, 10.0]


def test_retry_after_beyond_the_budget_is_final(rsps: WireMock) -> None:
    r = Recorder(policy(total_seconds=5, retry_after_max=60), rsps.url)
    rsps.add("GET", URL, status=429, headers={"Retry-After": "30"})
    assert r.send()["status"] == 429
    assert len(rsps.calls) == 1
    assert r.sleeps == []


def test_client_errors_are_never_retried(rsps: WireMock) -> None:
    r = Recorder(policy(), rsps.url)
    rsps.add("GET", URL, status=404)
    assert r.send()["attempts"] == 1
    assert len(rsps.calls) == 1


class RefusingOnceAdapter(requests.adapters.HTTPAdapter):
    """An adapter of the caller's own (so requests' full path runs) whose first connection is refused."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)
        self.refused = 0

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if not self.refused:
            self.refused += 1
            cause = urllib3.exceptions.NewConnectionError(None, "refused")  # type: ignore[arg-type]
            raise requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, request.url, cause))  # type: ignore[arg-type]
        return super().send(request, **kwargs)


def test_connect_failure_is_retried_even_for_post(rsps: WireMock) -> None:
    session = requests.Session()
    session.mount("http://", RefusingOnceAdapter())
    r = Recorder(policy(), rsps.url, session=session)
    rsps.add("POST", URL, status=201, body=b"{}")
    assert r.send("POST")["attempts"] == 2
    assert len(rsps.calls) == 1
    assert r.sleeps == [0.5]


def test_refused_connection_on_the_direct_path_is_retried_even_for_post(closed_port: int) -> None:
    r = Recorder(policy(max_retries=1), f"http://127.0.0.1:{closed_port}")
    with pytest.raises(TwilioError) as info:
        r.send("POST")
    assert (info.value.type, info.value.attempts) == ("network", 2)
    assert r.sleeps == [0.5]


def test_lost_connection_is_not_retried_for_post(rsps: WireMock) -> None:
    r = Recorder(policy(), rsps.url)
    rsps.add("POST", URL, body=ConnectionResetError())  # the stub hangs up without answering
    with pytest.raises(TwilioError) as info:
        r.send("POST")
    assert len(rsps.calls) == 1
    assert (info.value.type, info.value.attempts, info.value.operation) == ("network", 1, "op")


def test_lost_connection_is_retried_for_get_then_reported(rsps: WireMock) -> None:
    r = Recorder(policy(max_retries=2), rsps.url)
    rsps.add("GET", URL, body=ConnectionResetError())
    with pytest.raises(TwilioError) as info:
        r.send()
    assert len(rsps.calls) == 3
    assert (info.value.type, info.value.status, info.value.attempts) == ("network", 503, 3)
    assert r.sleeps == [0.5, 1.0]


def test_oversized_answer_is_an_api_error_and_not_retried(rsps: WireMock) -> None:
    # The declared Content-Length alone refuses it (the production path's first check).
    r = Recorder(policy(), rsps.url, max_response_bytes=10)
    rsps.add("GET", URL, body=b"x" * 11)
    with pytest.raises(TwilioError) as info:
        r.send()
    assert len(rsps.calls) == 1
    assert (info.value.type, info.value.status) == ("api", 502)
    assert "10-byte limit" in str(info.value)


def test_answer_at_the_size_limit_is_read(rsps: WireMock) -> None:
    r = Recorder(policy(), rsps.url, max_response_bytes=10)
    rsps.add("GET", URL, body=b"x" * 10)
    assert r.send()["body"] == b"x" * 10
