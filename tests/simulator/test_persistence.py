"""state_path: a second simulator on the same SQLite file sees what the first created."""

from __future__ import annotations

from pathlib import Path

from adapter.simulator import Clock, Simulator

from .conftest import Api


def test_resources_survive_a_restart(tmp_path: Path, clock: Clock) -> None:
    state = tmp_path / "twilio.sqlite"
    with Simulator(clock=clock, state_path=state) as first:
        api = Api(first)
        message = api.send_sms(MediaUrl=["https://example.com/a.png"])
        call = api.place_call()

    clock.advance(60)
    with Simulator(clock=clock, state_path=state) as second:
        api = Api(second)
        fetched = api.get(f"Messages/{message['sid']}.json").json()
        assert fetched["status"] == "delivered"  # the lifecycle kept running while it was down
        assert {k: v for k, v in fetched.items() if k not in ("status", "date_sent", "date_updated", "price", "price_unit")} == {
            k: v for k, v in message.items() if k not in ("status", "date_sent", "date_updated", "price", "price_unit")
        }
        assert api.get(f"Calls/{call['sid']}.json").json()["status"] == "completed"
        media = api.get(message["subresource_uris"]["media"]).json()["media_list"]
        assert len(media) == 1 and media[0]["content_type"] == "image/png"
        newer = api.send_sms()
        assert [m["sid"] for m in api.get("Messages.json").json()["messages"]] == [newer["sid"], message["sid"]]
        assert api.delete(f"Messages/{message['sid']}.json").status_code == 204

    with Simulator(clock=clock, state_path=state) as third:
        api = Api(third)
        assert [m["sid"] for m in api.get("Messages.json").json()["messages"]] == [newer["sid"]]
        assert third.store.list("media", third.account_sid) == []


def test_memory_is_the_default(clock: Clock) -> None:
    with Simulator(clock=clock) as first:
        Api(first).send_sms()
    with Simulator(clock=clock) as second:
        assert Api(second).get("Messages.json").json()["messages"] == []


def test_stop_and_start_again(tmp_path: Path, clock: Clock) -> None:
    sim = Simulator(clock=clock, state_path=tmp_path / "state.db")
    sim.start()
    sid = Api(sim).send_sms()["sid"]
    sim.stop()
    sim.start()
    try:
        assert Api(sim).get(f"Messages/{sid}.json").status_code == 200
    finally:
        sim.stop()
