from __future__ import annotations

import time

import pytest

from adapter.simulator import FaultInjector
from adapter.simulator.faults import Fault


def sequence(injector: FaultInjector, count: int) -> list[Fault | None]:
    return [injector.judge().fault for _ in range(count)]


def test_no_knobs_no_faults() -> None:
    assert sequence(FaultInjector(), 50) == [None] * 50


def test_seeded_faults_are_reproducible() -> None:
    first = sequence(FaultInjector(fail_rate=0.3, drop_rate=0.2, seed=7), 200)
    second = sequence(FaultInjector(fail_rate=0.3, drop_rate=0.2, seed=7), 200)
    assert first == second
    assert 10 < first.count(Fault.DROP) < 80
    assert 20 < first.count(Fault.FAIL) < 110
    assert first.count(None) > 50


def test_certain_faults() -> None:
    assert sequence(FaultInjector(fail_rate=1.0), 5) == [Fault.FAIL] * 5
    assert sequence(FaultInjector(drop_rate=1.0), 5) == [Fault.DROP] * 5
    injector = FaultInjector(drop_rate=1.0)
    injector.drop_after_processing = True
    assert sequence(injector, 2) == [Fault.DROP_RESPONSE] * 2


def test_rate_limit_admits_n_per_second_then_throttles() -> None:
    injector = FaultInjector(rate_limit=3)
    verdicts = [injector.judge() for _ in range(5)]
    assert [v.fault for v in verdicts] == [None, None, None, Fault.THROTTLE, Fault.THROTTLE]
    assert verdicts[3].retry_after == 1


def test_rate_limit_window_slides() -> None:
    injector = FaultInjector(rate_limit=20)
    assert sequence(injector, 20) == [None] * 20
    assert injector.judge().fault is Fault.THROTTLE
    time.sleep(1.05)
    assert injector.judge().fault is None


def test_scripted_faults_come_first_and_in_order() -> None:
    injector = FaultInjector()
    injector.fail_next()
    injector.drop_next(2)
    injector.throttle_next()
    injector.drop_next(after_processing=True)
    assert sequence(injector, 6) == [Fault.FAIL, Fault.DROP, Fault.DROP, Fault.THROTTLE, Fault.DROP_RESPONSE, None]


def test_latency(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    FaultInjector(latency_ms=250).delay()
    FaultInjector().delay()
    assert slept == [0.25]


@pytest.mark.parametrize(
    "kwargs",
    [{"fail_rate": 1.5}, {"drop_rate": -0.1}, {"rate_limit": 0}, {"latency_ms": -5}],
)
def test_invalid_knobs(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        FaultInjector(**kwargs)
