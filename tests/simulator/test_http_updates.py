"""Updating calls and messages over HTTP, as Twilio allows it: hang up, cancel, redirect, cap a call; redact a
finished message, cancel a scheduled one; Twilio's codes when the state does not allow it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapter.simulator import DEFAULT_MESSAGING_SERVICE_SID, Clock, Simulator
from adapter.simulator.store import MemoryStore, Record, SqliteStore

from .conftest import START, Api, Schemas


def call_path(sid: str) -> str:
    return f"Calls/{sid}.json"


def message_path(sid: str) -> str:
    return f"Messages/{sid}.json"


def test_hanging_up_a_call_in_progress(api: Api, clock: Clock, schemas: Schemas) -> None:
    call = api.place_call()
    clock.advance(3.5)  # queued 1 s, ringing 1 s, then in progress
    assert api.get(call_path(call["sid"])).json()["status"] == "in-progress"
    response = api.post(call_path(call["sid"]), {"Status": "completed"})
    assert response.status_code == 200, response.text
    body = response.json()
    schemas.check("call", body)
    assert (body["status"], body["duration"]) == ("completed", "2")  # from ringing (1 s) to the hang-up (3.5 s)
    assert body["end_time"] == "Wed, 01 May 2024 12:00:03 +0000"
    clock.advance(60)
    later = api.get(call_path(call["sid"])).json()
    assert (later["status"], later["duration"], later["end_time"]) == ("completed", "2", body["end_time"])
    assert api.sim.requests[-2].form.to_dict() == {"Status": "completed"}


@pytest.mark.parametrize(("wait", "status"), [(0.0, "queued"), (1.5, "ringing")])
@pytest.mark.parametrize("asked", ["canceled", "completed"])
def test_a_call_not_yet_answered_ends_canceled(api: Api, clock: Clock, wait: float, status: str, asked: str) -> None:
    call = api.place_call()
    clock.advance(wait)
    assert api.get(call_path(call["sid"])).json()["status"] == status
    body = api.post(call_path(call["sid"]), {"Status": asked}).json()
    assert body["status"] == "canceled"
    clock.advance(60)
    assert api.get(call_path(call["sid"])).json()["status"] == "canceled"


def test_canceling_a_call_in_progress_leaves_it_as_twilio_does(api: Api, clock: Clock) -> None:
    call = api.place_call()
    clock.advance(2.5)
    response = api.post(call_path(call["sid"]), {"Status": "canceled"})
    assert response.status_code == 200 and response.json()["status"] == "in-progress"


@pytest.mark.parametrize("change", [{"Status": "completed"}, {"Url": "https://example.com/next"},
                                    {"Twiml": "<Response/>"}, {"TimeLimit": "10"}])
def test_a_call_that_has_ended_cannot_change(api: Api, clock: Clock, change: dict[str, str]) -> None:
    call = api.place_call()
    clock.advance(10)
    response = api.post(call_path(call["sid"]), change)
    assert response.status_code == 400
    assert response.json()["code"] == 21220


def test_redirecting_needs_a_call_in_progress(api: Api, clock: Clock) -> None:
    call = api.place_call()
    refused = api.post(call_path(call["sid"]), {"Url": "https://example.com/next"})
    assert (refused.status_code, refused.json()["code"]) == (400, 21220)
    assert refused.json()["message"] == "Call is not in-progress. Cannot redirect."
    clock.advance(2.5)
    redirected = api.post(call_path(call["sid"]), {"Twiml": "<Response><Say>Bye</Say></Response>"})
    assert redirected.status_code == 200 and redirected.json()["status"] == "in-progress"


def test_a_time_limit_ends_the_call_early(api: Api, clock: Clock) -> None:
    call = api.place_call()  # answered at 2 s, would complete at 5 s
    clock.advance(2.5)
    assert api.post(call_path(call["sid"]), {"TimeLimit": "1"}).json()["status"] == "in-progress"
    clock.advance(0.6)  # 3.1 s: past answered (2 s) + 1 s
    body = api.get(call_path(call["sid"])).json()
    assert (body["status"], body["end_time"]) == ("completed", "Wed, 01 May 2024 12:00:03 +0000")


def test_a_time_limit_already_passed_ends_it_now(api: Api, clock: Clock) -> None:
    call = api.place_call()
    clock.advance(4)
    assert api.post(call_path(call["sid"]), {"TimeLimit": "1"}).json()["status"] == "completed"


def test_a_bad_call_status_is_refused(api: Api, clock: Clock) -> None:
    call = api.place_call()
    response = api.post(call_path(call["sid"]), {"Status": "busy"})
    assert response.status_code == 400 and "Status" in response.json()["message"]
    assert response.json()["code"] == 20001  # Twilio's invalid-parameter code, never a bare 400


@pytest.mark.parametrize("change", [{"Url": "not a url"}, {"Method": "PUT", "Url": "https://example.com/x"},
                                    {"StatusCallback": "ftp://example.com/x"}])
def test_update_formats_come_from_the_spec(api: Api, clock: Clock, change: dict[str, str]) -> None:
    call = api.place_call()
    clock.advance(2.5)
    response = api.post(call_path(call["sid"]), change)
    assert response.status_code == 400 and response.json()["code"] != 400, response.text
    assert api.get(call_path(call["sid"])).json()["status"] == "in-progress"


def test_redacting_a_delivered_message(api: Api, clock: Clock, schemas: Schemas) -> None:
    message = api.send_sms(Body="the door code is 4711")
    clock.advance(5)
    response = api.post(message_path(message["sid"]), {"Body": ""})
    assert response.status_code == 200, response.text
    body = response.json()
    schemas.check("message", body)
    assert (body["body"], body["status"], body["sid"]) == ("", "delivered", message["sid"])
    assert api.get(message_path(message["sid"])).json()["body"] == ""
    listed = api.get("Messages.json").json()["messages"]
    assert [m["body"] for m in listed if m["sid"] == message["sid"]] == [""]


def test_a_message_still_on_its_way_cannot_be_redacted(api: Api) -> None:
    message = api.send_sms()
    response = api.post(message_path(message["sid"]), {"Body": ""})
    assert response.status_code == 400 and response.json()["code"] == 20009
    assert api.get(message_path(message["sid"])).json()["body"] == "hello"


def test_a_body_can_only_be_erased(api: Api, clock: Clock) -> None:
    message = api.send_sms()
    clock.advance(5)
    response = api.post(message_path(message["sid"]), {"Body": "rewritten"})
    assert (response.status_code, response.json()["code"]) == (400, 20001)
    assert api.get(message_path(message["sid"])).json()["body"] == "hello"


def _scheduled(api: Api) -> dict[str, object]:
    send_at = (START + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return api.send_sms(MessagingServiceSid=DEFAULT_MESSAGING_SERVICE_SID, ScheduleType="fixed", SendAt=send_at)


def test_canceling_a_scheduled_message(api: Api, clock: Clock) -> None:
    message = _scheduled(api)
    assert message["status"] == "scheduled"
    body = api.post(message_path(str(message["sid"])), {"Status": "canceled"}).json()
    assert body["status"] == "canceled"
    clock.advance(7200)
    later = api.get(message_path(str(message["sid"]))).json()
    assert (later["status"], later["date_sent"], later["price"]) == ("canceled", None, None)


def test_a_message_past_scheduled_cannot_be_canceled(api: Api, clock: Clock) -> None:
    message = api.send_sms()
    response = api.post(message_path(message["sid"]), {"Status": "canceled"})
    assert (response.status_code, response.json()["code"]) == (400, 30409)
    scheduled = _scheduled(api)
    clock.advance(3601)
    response = api.post(message_path(str(scheduled["sid"])), {"Status": "canceled"})
    assert response.json()["code"] == 30409


def test_updating_what_does_not_exist_is_404(api: Api) -> None:
    assert api.post(call_path("CA" + "0" * 32), {"Status": "completed"}).json()["code"] == 20404
    assert api.post(message_path("SM" + "0" * 32), {"Body": ""}).json()["code"] == 20404


def test_media_cannot_be_updated(api: Api) -> None:
    message = api.send_sms(MediaUrl="https://example.com/a.png")
    media = api.get(f"Messages/{message['sid']}/Media.json").json()["media_list"][0]
    response = api.post(f"Messages/{message['sid']}/Media/{media['sid']}.json", {"Body": ""})
    assert response.status_code == 405


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_store_update_keeps_the_record_in_its_place(backend: str, tmp_path: Path) -> None:
    store = MemoryStore() if backend == "memory" else SqliteStore(tmp_path / "state.db")
    first = store.add(Record("messages", "SM1", "AC1", 1.0, {"to": "+1", "body": "a"}))
    store.add(Record("messages", "SM2", "AC1", 2.0, {"to": "+1", "body": "b"}))
    updated = store.update(Record("messages", "SM1", "AC1", 99.0, {"to": "+1", "body": ""}))
    assert updated is not None and (updated.seq, updated.created) == (first.seq, 1.0)
    assert [(r.sid, r.data["body"]) for r in store.scan("messages", "AC1", where={"to": "+1"})] == [
        ("SM2", "b"), ("SM1", "")]
    assert store.update(Record("messages", "SM1", "AC2", 1.0, {})) is None  # another account's sid
    assert store.update(Record("messages", "SM9", "AC1", 1.0, {})) is None
    store.close()


def test_updates_survive_a_restart_on_a_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    clock = Clock(start=START)
    with Simulator(clock=clock, state_path=state) as sim:
        message = Api(sim).send_sms(Body="secret")
        clock.advance(5)
        Api(sim).post(message_path(message["sid"]), {"Body": ""})
    with Simulator(clock=clock, state_path=state) as sim:
        assert Api(sim).get(message_path(message["sid"])).json()["body"] == ""


# --- status callbacks follow the changed lifecycle -------------------------------------------------------------

def test_hanging_up_sends_the_completed_callback_now_and_nothing_of_the_old_plan(sim: Simulator, api: Api) -> None:
    from .test_webhooks import Receiver

    receiver = Receiver()
    try:
        call = api.place_call(StatusCallback=receiver.url("/progress"),
                              StatusCallbackEvent=["answered", "completed"])
        sim.advance(2.5)
        assert [r["form"]["CallStatus"] for r in receiver.received] == ["in-progress"]
        api.post(call_path(call["sid"]), {"Status": "completed"})
        sim.advance(60)
        statuses = [(r["form"]["CallStatus"], r["form"].get("CallDuration")) for r in receiver.received]
        assert statuses == [("in-progress", None), ("completed", "1")]  # once, at the hang-up, not at 5 s
        progress = [d for d in sim.deliveries if d.kind == "call-status"]
        assert [d.due - progress[0].due for d in progress] == [0.0, 0.5]  # answered at 2 s, hung up at 2.5 s
    finally:
        receiver.close()


def test_a_redirect_requests_the_new_url_with_its_method(sim: Simulator, api: Api) -> None:
    from .test_webhooks import Receiver

    receiver = Receiver()
    try:
        call = api.place_call(Url=receiver.url("/answer"))
        sim.advance(2.5)
        receiver.answers["/next"] = (200, "<Response><Say>Redirected</Say></Response>")
        api.post(call_path(call["sid"]), {"Url": receiver.url("/next?step=2"), "Method": "GET"})
        sim.advance(0)
        assert [(r["method"], urlsplit_path(r["path"])) for r in receiver.received] == [
            ("POST", "/answer"), ("GET", "/next")]
        assert receiver.received[1]["path"].startswith("/next?") and "CallStatus=in-progress" in receiver.received[1]["path"]
    finally:
        receiver.close()


def test_a_canceled_scheduled_message_reports_canceled_and_is_never_sent(sim: Simulator, api: Api) -> None:
    from .test_webhooks import Receiver

    receiver = Receiver()
    try:
        message = _scheduled_with_callback(api, receiver.url("/status"))
        api.post(message_path(message["sid"]), {"Status": "canceled"})
        sim.advance(7200)
        assert [r["form"]["MessageStatus"] for r in receiver.received] == ["canceled"]
    finally:
        receiver.close()


def _scheduled_with_callback(api: Api, url: str) -> dict[str, Any]:
    send_at = (START + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return api.send_sms(MessagingServiceSid=DEFAULT_MESSAGING_SERVICE_SID, ScheduleType="fixed", SendAt=send_at,
                        StatusCallback=url)


def urlsplit_path(path: str) -> str:
    return path.split("?", 1)[0]
