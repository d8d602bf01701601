from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from adapter.simulator import Clock

START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def test_frozen_clock_only_moves_when_told() -> None:
    clock = Clock(start=START)
    assert clock.frozen
    assert clock.now() == START
    time.sleep(0.01)
    assert clock.time() == START.timestamp()
    clock.advance(90.5)
    assert clock.time() == START.timestamp() + 90.5
    assert clock.now() == datetime(2024, 5, 1, 12, 1, 30, 500000, tzinfo=timezone.utc)


def test_naive_start_is_taken_as_utc() -> None:
    assert Clock(start=datetime(2024, 5, 1, 12, 0)).now() == START


def test_epoch_start() -> None:
    assert Clock(start=START.timestamp()).now() == START


def test_advance_refuses_to_go_back() -> None:
    clock = Clock(start=START)
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert clock.now() == START


def test_set_jumps_and_freezes() -> None:
    clock = Clock()
    assert not clock.frozen
    clock.set(START)
    assert clock.frozen
    assert clock.now() == START


def test_real_time_clock_follows_wall_time_plus_offset() -> None:
    clock = Clock()
    assert abs(clock.time() - time.time()) < 1
    clock.advance(3600)
    assert 3599 < clock.time() - time.time() < 3601
    assert clock.now().tzinfo == timezone.utc
