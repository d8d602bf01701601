"""Signed webhooks on the simulator clock: message status callbacks, call progress and answer
requests, inbound messages; outcomes; retries; the control API. Every webhook goes to a loopback
HTTP server in this process, and signatures are checked with twilio-python's own RequestValidator."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from twilio.request_validator import RequestValidator

from adapter.simulator import Clock, Simulator, sign

from .conftest import Api


class Receiver:
    """A loopback HTTP server that records what it is sent and answers as told."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: dict[str, tuple[int, str]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                receiver.received.append({
                    "method": self.command, "path": self.path, "headers": dict(self.headers),
                    "form": dict(parse_qsl(body, keep_blank_values=True)),
                })
                status, text = receiver.answers.get(urlsplit(self.path).path, (200, "<Response/>"))
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def valid(sim: Simulator, url: str, request: dict[str, Any]) -> bool:
    return RequestValidator(sim.auth_token).validate(url, request["form"], request["headers"]["X-Twilio-Signature"])


def test_signature_matches_twilio_python() -> None:
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
              "To": "+18005551212"}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert sign("12345", url, params.items()) == RequestValidator("12345").compute_signature(url, params)
    assert RequestValidator("12345").validate(url, params, sign("12345", url, params.items()))
    assert not RequestValidator("12345").validate(url, {**params, "Digits": "1235"}, sign("12345", url, params.items()))


def test_message_status_callbacks_are_signed_and_follow_the_clock(sim: Simulator, api: Api, receiver: Receiver) -> None:
    url = receiver.url("/status?tenant=7")
    sid = api.send_sms(StatusCallback=url)["sid"]
    sim.advance(0.5)
    assert [r["form"]["MessageStatus"] for r in receiver.received] == ["sending"]
    sim.advance(10)
    statuses = [r["form"]["MessageStatus"] for r in receiver.received]
    assert statuses == ["sending", "sent", "delivered"]
    for request in receiver.received:
        assert request["method"] == "POST" and request["path"] == "/status?tenant=7"
        assert valid(sim, url, request)
        form = request["form"]
        assert (form["MessageSid"], form["SmsSid"], form["AccountSid"]) == (sid, sid, sim.account_sid)
        assert (form["From"], form["To"], form["ApiVersion"]) == ("+15005550006", "+15558675310", "2010-04-01")
        assert form["SmsStatus"] == form["MessageStatus"] and "ErrorCode" not in form
        assert request["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    deliveries = sim.deliveries
    assert [(d.kind, d.status, d.attempt) for d in deliveries] == [("message-status", 200, 1)] * 3
    # Each was due when the message reached that status (on the simulator clock).
    assert [d.due - deliveries[0].due for d in deliveries] == [0.0, 0.5, 1.5]


def test_undelivered_recipient(sim: Simulator, api: Api, receiver: Receiver) -> None:
    sim.set_outcome("+15558675311", "undelivered", error_code=30003)
    sid = api.send_sms(To="+15558675311", StatusCallback=receiver.url("/status"))["sid"]
    sim.advance(5)
    message = api.get(f"Messages/{sid}.json").json()
    assert (message["status"], message["error_code"], message["error_message"]) == (
        "undelivered", 30003, "Unreachable destination handset")
    last = receiver.received[-1]["form"]
    assert (last["MessageStatus"], last["ErrorCode"]) == ("undelivered", "30003")
    assert valid(sim, receiver.url("/status"), receiver.received[-1])
    # Other recipients still get the happy path.
    assert api.get(f"Messages/{api.send_sms()['sid']}.json").json()["status"] == "queued"


def test_default_outcome_numbers(sim: Simulator, api: Api) -> None:
    failed = api.send_sms(To="+15550030008")["sid"]
    busy = api.place_call(To="+15550000486")["sid"]
    unanswered = api.place_call(To="+15550000480", Timeout="20")["sid"]
    sim.advance(30)
    message = api.get(f"Messages/{failed}.json").json()
    assert (message["status"], message["error_code"], message["date_sent"]) == ("failed", 30008, None)
    call = api.get(f"Calls/{busy}.json").json()
    assert (call["status"], call["duration"], call["price"], call["answered_by"]) == ("busy", "0", None, None)
    assert api.get(f"Calls/{unanswered}.json").json()["status"] == "no-answer"
    assert [c["sid"] for c in api.get("Calls.json", Status="busy").json()["calls"]] == [busy]


def test_call_answer_and_progress_callbacks(sim: Simulator, api: Api, receiver: Receiver) -> None:
    receiver.answers["/answer"] = (200, "<Response><Say>Pump 3 overheated</Say></Response>")
    answer, progress = receiver.url("/answer"), receiver.url("/progress")
    sid = api.place_call(Url=answer, StatusCallback=progress, StatusCallbackEvent=["initiated", "ringing", "answered", "completed"],
                         MachineDetection="Enable", To="+15550000999")["sid"]
    sim.advance(10)
    by_path = [(urlsplit(r["path"]).path, r["form"]) for r in receiver.received]
    assert [(path, form["CallStatus"]) for path, form in by_path] == [
        ("/progress", "queued"), ("/progress", "ringing"), ("/answer", "in-progress"), ("/progress", "in-progress"),
        ("/progress", "completed"),
    ]
    progress_forms = [form for path, form in by_path if path == "/progress"]
    assert [f["SequenceNumber"] for f in progress_forms] == ["0", "1", "2", "3"]
    assert all(f["CallbackSource"] == "call-progress-events" and f["CallSid"] == sid for f in progress_forms)
    assert (progress_forms[-1]["CallDuration"], progress_forms[-1]["AnsweredBy"]) == ("4", "machine_start")
    for request in receiver.received:
        assert valid(sim, receiver.url(urlsplit(request["path"]).path), request)
    answered = next(d for d in sim.deliveries if d.kind == "call-answer")
    assert answered.answer == "<Response><Say>Pump 3 overheated</Say></Response>"
    assert api.get(f"Calls/{sid}.json").json()["answered_by"] == "machine_start"


def test_inline_twiml_makes_no_request_and_default_event_is_completed(sim: Simulator, api: Api, receiver: Receiver) -> None:
    api.place_call(Url="", Twiml="<Response/>", StatusCallback=receiver.url("/progress"))
    sim.advance(10)
    assert [r["form"]["CallStatus"] for r in receiver.received] == ["completed"]


def test_inbound_message_and_twiml_reply(sim: Simulator, api: Api, receiver: Receiver) -> None:
    receiver.answers["/sms"] = (200, "<Response><Message>Got it</Message></Response>")
    number = api.get("IncomingPhoneNumbers.json", PhoneNumber="+15005550006").json()["incoming_phone_numbers"][0]
    api.post(f"IncomingPhoneNumbers/{number['sid']}.json", {"SmsUrl": receiver.url("/sms")})
    control = requests.post(f"{sim.base_url}/__sim__/messages", auth=api.auth, timeout=10,
                            data={"From": "+15558675310", "To": "+15005550006", "Body": "STATUS?"})
    assert control.status_code == 201
    inbound = control.json()
    assert (inbound["direction"], inbound["status"], inbound["from"]) == ("inbound", "received", "+15558675310")
    sim.wait_for_webhooks()
    request = receiver.received[0]
    assert valid(sim, receiver.url("/sms"), request)
    form = request["form"]
    assert (form["Body"], form["From"], form["To"], form["SmsStatus"], form["MessageSid"]) == (
        "STATUS?", "+15558675310", "+15005550006", "received", inbound["sid"])
    listed = api.get("Messages.json").json()["messages"]
    assert [(m["direction"], m["body"]) for m in listed] == [("outbound-reply", "Got it"), ("inbound", "STATUS?")]
    assert listed[0]["to"] == "+15558675310" and listed[0]["from"] == "+15005550006"
    # Not one of the account's numbers: refused.
    refused = requests.post(f"{sim.base_url}/__sim__/messages", auth=api.auth, timeout=10,
                            data={"From": "+15558675310", "To": "+15550009999", "Body": "hi"})
    assert refused.status_code == 400 and refused.json()["code"] == 20001


def test_failed_deliveries_are_retried_once_and_recorded(sim: Simulator, api: Api, receiver: Receiver) -> None:
    closed = Receiver()
    dead = closed.url("/gone")
    closed.close()
    receiver.answers["/broken"] = (500, "oops")
    api.place_call(Url="", Twiml="<Response/>", StatusCallback=dead)
    api.place_call(Url="", Twiml="<Response/>", StatusCallback=dead + "#rc=0")
    api.place_call(Url="", Twiml="<Response/>", StatusCallback=receiver.url("/broken"))
    api.place_call(Url="", Twiml="<Response/>", StatusCallback=receiver.url("/broken") + "#rc=2&rp=5xx")
    api.place_call(Url="", Twiml="<Response/>", StatusCallback="https://example.com/far-away")
    sim.advance(10)
    attempts: dict[str, list[tuple[int, int | None]]] = {}
    for delivery in sim.deliveries:
        attempts.setdefault(delivery.resource_sid, []).append((delivery.attempt, delivery.status))
    assert sorted(map(tuple, attempts.values()), key=len) == sorted([
        ((1, None), (2, None)), ((1, None),), ((1, 500),), ((1, 500), (2, 500), (3, 500)), ((1, None),),
    ], key=len)
    far = [d for d in sim.deliveries if "example.com" in d.url]
    assert len(far) == 1 and far[0].error is not None and far[0].error.startswith("blocked")
    assert [urlsplit(r["path"]).path for r in receiver.received] == ["/broken"] * 4


def test_test_credentials_send_no_callbacks(sim: Simulator, test_api: Api, receiver: Receiver) -> None:
    test_api.send_sms(StatusCallback=receiver.url("/status"))
    sim.advance(10)
    assert receiver.received == [] and sim.deliveries == []


def test_control_api(sim: Simulator, api: Api, clock: Clock, receiver: Receiver) -> None:
    base = f"{sim.base_url}/__sim__"
    assert requests.get(f"{base}/clock", timeout=10).status_code == 401
    state = requests.get(f"{base}/clock", auth=api.auth, timeout=10).json()
    assert state["paused"] is True and state["now"] == "Wed, 01 May 2024 12:00:00 +0000"
    sid = api.send_sms(To="+15558675399", StatusCallback=receiver.url("/s"))["sid"]
    set_outcome = requests.post(f"{base}/outcomes", auth=api.auth, timeout=10,
                                data={"Kind": "messages", "To": "+15558675399", "Status": "undelivered", "ErrorCode": "30007"})
    assert set_outcome.json()["messages"]["+15558675399"] == {"status": "undelivered", "error_code": 30007}
    bad = requests.post(f"{base}/outcomes", auth=api.auth, timeout=10,
                        data={"Kind": "messages", "To": "+1555", "Status": "undelivered"})
    assert bad.status_code == 400 and bad.json()["code"] == 20001
    later = api.send_sms(To="+15558675399")["sid"]
    advanced = requests.post(f"{base}/clock/advance", auth=api.auth, data={"Seconds": "5"}, timeout=10).json()
    assert advanced["now"] == "Wed, 01 May 2024 12:00:05 +0000"
    # Outcomes apply from the next create on.
    assert api.get(f"Messages/{sid}.json").json()["status"] == "delivered"
    assert api.get(f"Messages/{later}.json").json()["error_code"] == 30007
    hooks = requests.get(f"{base}/webhooks", auth=api.auth, timeout=10).json()
    assert [d["params"]["MessageStatus"] for d in hooks["deliveries"]] == ["sending", "sent", "delivered"]
    assert all(d["headers"]["X-Twilio-Signature"] for d in hooks["deliveries"]) and hooks["pending"] == 0
    assert requests.delete(f"{base}/outcomes", params={"Kind": "messages", "To": "+15558675399"}, auth=api.auth,
                           timeout=10).json()["messages"].get("+15558675399") is None
    resumed = requests.post(f"{base}/clock/resume", auth=api.auth, timeout=10).json()
    assert resumed["paused"] is False and not clock.frozen
    assert requests.post(f"{base}/clock/pause", auth=api.auth, timeout=10).json()["paused"] is True
    # Control requests are not Twilio traffic: not in the recorded requests.
    assert all(not r.path.startswith("/__sim__") for r in sim.requests)
    reset = requests.post(f"{base}/reset", auth=api.auth, timeout=10)
    assert reset.status_code == 204 and "Content-Type" not in reset.headers
    assert api.get("Messages.json").json()["messages"] == [] and sim.deliveries == []
    assert requests.post(f"{base}/nothing", auth=api.auth, timeout=10).status_code == 404


def test_credentials_in_a_webhook_url_are_basic_auth_and_never_recorded(sim: Simulator, api: Api, receiver: Receiver) -> None:
    port = receiver.server.server_port
    api.send_sms(StatusCallback=f"http://hook:s3cr%40t@127.0.0.1:{port}/status")
    sim.advance(5)
    request = receiver.received[0]
    assert request["headers"]["Authorization"] == "Basic aG9vazpzM2NyQHQ="  # hook:s3cr@t
    # Signed over the URL the receiving server sees.
    assert valid(sim, receiver.url("/status"), request)
    shown = repr(sim.deliveries) + repr(sim.webhooks.pending()) + str([d.to_dict() for d in sim.deliveries])
    assert "s3cr" not in shown and sim.deliveries[0].url == receiver.url("/status")
    control = requests.get(f"{sim.base_url}/__sim__/webhooks", auth=api.auth, timeout=10).text
    assert "s3cr" not in control


def test_hanging_up_replans_the_callbacks(sim: Simulator, api: Api, receiver: Receiver) -> None:
    progress = receiver.url("/progress")
    sid = api.place_call(StatusCallback=progress, StatusCallbackEvent=["answered", "completed"])["sid"]
    sim.advance(2.5)  # ringing at 1 s, answered at 2 s
    assert api.post(f"Calls/{sid}.json", {"Status": "completed"}).status_code == 200
    sim.advance(10)  # past the 5 s the call would have lasted
    forms = [r["form"] for r in receiver.received]
    assert [(f["CallStatus"], f["SequenceNumber"]) for f in forms] == [("in-progress", "0"), ("completed", "1")]
    assert forms[-1]["CallDuration"] == api.get(f"Calls/{sid}.json").json()["duration"] == "1"
    assert forms[-1]["Timestamp"] == "Wed, 01 May 2024 12:00:02 +0000"
    assert all(valid(sim, progress, r) for r in receiver.received)


def test_canceling_a_scheduled_message_sends_canceled(sim: Simulator, api: Api, receiver: Receiver) -> None:
    from adapter.simulator import DEFAULT_MESSAGING_SERVICE_SID

    status = receiver.url("/status")
    sid = api.send_sms(From="", MessagingServiceSid=DEFAULT_MESSAGING_SERVICE_SID, ScheduleType="fixed",
                       SendAt="2024-05-01T13:00:00Z", StatusCallback=status)["sid"]
    sim.advance(60)
    assert api.post(f"Messages/{sid}.json", {"Status": "canceled"}).status_code == 200
    sim.advance(7200)
    assert [r["form"]["MessageStatus"] for r in receiver.received] == ["canceled"]


def test_undelivered_recipient_from_a_scenario_file(clock: Clock, tmp_path: Any, receiver: Receiver) -> None:
    from adapter.simulator.scenario import load_scenario

    path = tmp_path / "scenario.yaml"
    path.write_text("outcomes:\n  messages:\n    '+15558675311': {status: undelivered, error_code: 30005}\n")
    scenario = load_scenario(path)
    with Simulator(clock=clock, config=scenario.config, outcomes=scenario.outcomes) as sim:
        api = Api(sim)
        sid = api.send_sms(To="+15558675311", StatusCallback=receiver.url("/status"))["sid"]
        sim.advance(5)
        assert (api.get(f"Messages/{sid}.json").json()["status"], api.get(f"Messages/{sid}.json").json()["error_code"]) == (
            "undelivered", 30005)
        last = receiver.received[-1]
        assert (last["form"]["MessageStatus"], last["form"]["ErrorCode"]) == ("undelivered", "30005")
        assert valid(sim, receiver.url("/status"), last)
        # The default outcome numbers are still there.
        assert api.post("Messages.json", {"To": "+15005550009", "From": "+15005550006", "Body": "x"}).json()["code"] == 21614
