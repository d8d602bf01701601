from __future__ import annotations

import pytest

from adapter.simulator.lifecycle import Timings, call_timeline, message_timeline, reached, status_at


def test_default_timings_are_human_scale() -> None:
    timings = Timings()
    assert message_timeline(timings)[-1] == [2.0, "delivered"]
    assert call_timeline(timings)[-1] == [5.0, "completed"]


def test_message_timeline_steps() -> None:
    timings = Timings(message_queued=1, message_sending=2, message_sent=3)
    assert message_timeline(timings) == [[0.0, "queued"], [1.0, "sending"], [3.0, "sent"], [6.0, "delivered"]]
    assert message_timeline(timings, via_service=True)[:2] == [[0.0, "accepted"], [0.5, "queued"]]
    assert message_timeline(timings, send_after=600)[:2] == [[0.0, "scheduled"], [600, "queued"]]
    assert message_timeline(timings, final="undelivered")[-1] == [6.0, "undelivered"]


def test_status_at_and_reached() -> None:
    timeline = call_timeline(Timings(call_queued=1, call_ringing=2, call_in_progress=3))
    assert status_at(timeline, 0) == ("queued", 0.0)
    assert status_at(timeline, 0.99) == ("queued", 0.0)
    assert status_at(timeline, 1) == ("ringing", 1.0)
    assert status_at(timeline, 5.5) == ("in-progress", 3.0)
    assert status_at(timeline, 600) == ("completed", 6.0)
    assert reached(timeline, "in-progress", 2.9) is None
    assert reached(timeline, "in-progress", 3) == 3.0
    assert reached(timeline, "busy", 600) is None


def test_negative_timings_are_rejected() -> None:
    with pytest.raises(ValueError, match="call_ringing"):
        Timings(call_ringing=-1)
