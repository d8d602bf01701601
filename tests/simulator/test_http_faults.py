"""Each fault knob over a real socket, counting what reached the simulator."""

from __future__ import annotations

import time

import pytest
import requests

from adapter.simulator import Clock, Simulator

from .conftest import Api

SMS = {"To": "+15558675310", "From": "+15005550006", "Body": "hi"}


def test_latency(clock: Clock) -> None:
    with Simulator(clock=clock, latency_ms=200) as sim:
        api = Api(sim)
        started = time.monotonic()
        assert api.get("Messages.json").status_code == 200
        assert time.monotonic() - started >= 0.2


def test_rate_limit(clock: Clock) -> None:
    with Simulator(clock=clock, rate_limit=3) as sim:
        api = Api(sim)
        responses = [api.get("Messages.json") for _ in range(5)]
        assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
        throttled = responses[3]
        assert throttled.json() == {
            "code": 20429,
            "message": "Too Many Requests",
            "more_info": "https://www.twilio.com/docs/errors/20429",
            "status": 429,
        }
        assert int(throttled.headers["Retry-After"]) >= 1
        # A throttled create was never processed, so retrying it is safe.
        sent = api.post("Messages.json", SMS)
        assert sent.status_code == 429
        assert sim.store.list("messages", sim.account_sid) == []
        assert [r.status for r in sim.requests] == [200, 200, 200, 429, 429, 429]
        time.sleep(1.05)
        assert api.post("Messages.json", SMS).status_code == 201


def test_fail_rate_always(clock: Clock) -> None:
    with Simulator(clock=clock, fail_rate=1.0) as sim:
        response = Api(sim).post("Messages.json", SMS)
        assert response.status_code == 503
        assert response.json() == {
            "code": 20503,
            "message": "Service unavailable",
            "more_info": "https://www.twilio.com/docs/errors/20503",
            "status": 503,
        }
        assert sim.store.list("messages", sim.account_sid) == []
        assert [r.status for r in sim.requests] == [503]


def test_fail_rate_is_deterministic_with_a_seed(clock: Clock) -> None:
    def statuses() -> list[int]:
        with Simulator(clock=clock, fail_rate=0.5, seed=1234) as sim:
            api = Api(sim)
            return [api.get("Messages.json").status_code for _ in range(20)]

    first, second = statuses(), statuses()
    assert first == second
    assert set(first) == {200, 503}


def test_drop_rate_closes_the_connection_without_a_response(clock: Clock) -> None:
    with Simulator(clock=clock, drop_rate=1.0) as sim:
        with pytest.raises(requests.ConnectionError):
            requests.post(
                f"{sim.base_url}/2010-04-01/Accounts/{sim.account_sid}/Messages.json",
                data=SMS, auth=(sim.account_sid, sim.auth_token), timeout=10,
            )
        recorded = sim.requests
        assert len(recorded) == 1
        assert (recorded[0].method, recorded[0].status, recorded[0].dropped) == ("POST", None, True)
        assert recorded[0].form["Body"] == "hi"
        # Dropped before processing: nothing was created.
        assert sim.store.list("messages", sim.account_sid) == []
        sim.faults.drop_rate = 0.0
        assert Api(sim).get("Messages.json").status_code == 200
        assert len(sim.requests) == 2


def test_dropped_response_after_processing(sim: Simulator) -> None:
    api = Api(sim)
    sim.faults.drop_next(after_processing=True)
    with pytest.raises(requests.ConnectionError):
        api.post("Messages.json", SMS)
    # The message exists although the client never heard back: the duplicate-send hazard.
    assert len(sim.store.list("messages", sim.account_sid)) == 1
    assert [(r.status, r.dropped) for r in sim.requests] == [(None, True)]


def test_scripted_faults_then_recovery(sim: Simulator) -> None:
    api = Api(sim)
    sim.faults.fail_next()
    sim.faults.throttle_next()
    sim.faults.drop_next()
    assert api.post("Messages.json", SMS).status_code == 503
    throttled = api.post("Messages.json", SMS)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    with pytest.raises(requests.ConnectionError):
        api.post("Messages.json", SMS)
    assert api.post("Messages.json", SMS).status_code == 201
    assert [r.status for r in sim.requests] == [503, 429, None, 201]
    assert len(sim.store.list("messages", sim.account_sid)) == 1
