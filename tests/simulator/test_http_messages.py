"""Messages and Media over HTTP against a started simulator (frozen clock)."""

from __future__ import annotations

import threading

import pytest
import requests

from adapter.simulator import DEFAULT_MESSAGING_SERVICE_SID, Clock, Simulator, Timings

from .conftest import Api, Schemas


def error_of(response: requests.Response) -> tuple[int, int]:
    """(HTTP status, Twilio code) of an error response, after checking its shape is Twilio's."""
    body = response.json()
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
    assert body["status"] == response.status_code
    assert set(body) == {"code", "message", "more_info", "status"}
    return response.status_code, body["code"]


def test_create_message(api: Api, schemas: Schemas) -> None:
    response = api.post("Messages.json", {"To": "+15558675310", "From": "+15005550006", "Body": "Hello!"})
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    schemas.check("message", body)
    assert body["sid"].startswith("SM") and len(body["sid"]) == 34 and body["sid"][2:] == body["sid"][2:].lower()
    assert (body["to"], body["from"], body["body"]) == ("+15558675310", "+15005550006", "Hello!")
    assert (body["status"], body["direction"], body["num_segments"], body["num_media"]) == ("queued", "outbound-api", "1", "0")
    assert body["account_sid"] == api.account_sid
    assert body["date_created"] == "Wed, 01 May 2024 12:00:00 +0000"
    assert body["uri"] == f"/2010-04-01/Accounts/{api.account_sid}/Messages/{body['sid']}.json"


def test_fetch_message(api: Api, schemas: Schemas) -> None:
    created = api.send_sms(Body="x" * 200)
    response = api.get(f"Messages/{created['sid']}.json")
    assert response.status_code == 200
    fetched = response.json()
    schemas.check("message", fetched)
    assert fetched == created
    assert fetched["num_segments"] == "2"


def test_media_urls_create_media(api: Api, schemas: Schemas) -> None:
    urls = ["https://example.com/a.jpg", "https://example.com/b.png", "https://example.com/c.pdf"]
    created = api.send_sms(MediaUrl=urls, Body="")
    assert created["num_media"] == "3"
    assert created["sid"].startswith("MM")  # Twilio marks MMS with an MM sid
    assert created["body"] == ""
    listing = api.get(created["subresource_uris"]["media"])
    assert listing.status_code == 200
    body = listing.json()
    schemas.check("media_list", body)
    media = body["media_list"]
    assert sorted(m["content_type"] for m in media) == ["application/pdf", "image/jpeg", "image/png"]
    assert all(m["parent_sid"] == created["sid"] and m["sid"].startswith("ME") for m in media)
    one = api.get(media[0]["uri"])
    assert one.status_code == 200
    schemas.check("media", one.json())
    assert one.json() == media[0]


def test_delete_media(api: Api) -> None:
    created = api.send_sms(MediaUrl=["https://example.com/a.jpg", "https://example.com/b.jpg"])
    media = api.get(created["subresource_uris"]["media"]).json()["media_list"]
    response = api.delete(media[0]["uri"])
    assert response.status_code == 204 and response.content == b""
    assert api.get(media[0]["uri"]).status_code == 404
    remaining = api.get(created["subresource_uris"]["media"]).json()["media_list"]
    assert [m["sid"] for m in remaining] == [media[1]["sid"]]


def test_media_must_belong_to_the_message_in_the_path(api: Api) -> None:
    first = api.send_sms(MediaUrl=["https://example.com/a.jpg"])
    second = api.send_sms(MediaUrl=["https://example.com/b.jpg"])
    media_sid = api.get(first["subresource_uris"]["media"]).json()["media_list"][0]["sid"]
    response = api.get(f"Messages/{second['sid']}/Media/{media_sid}.json")
    assert error_of(response) == (404, 20404)
    assert error_of(api.get("Messages/SM" + "0" * 32 + "/Media.json")) == (404, 20404)


def test_delete_message_needs_final_status_and_cascades_to_media(api: Api, clock: Clock) -> None:
    created = api.send_sms(MediaUrl=["https://example.com/a.jpg"])
    media_uri = api.get(created["subresource_uris"]["media"]).json()["media_list"][0]["uri"]
    refused = api.delete(f"Messages/{created['sid']}.json")
    assert error_of(refused) == (400, 20009)
    assert api.get(f"Messages/{created['sid']}.json").status_code == 200
    clock.advance(2)
    response = api.delete(f"Messages/{created['sid']}.json")
    assert response.status_code == 204 and response.content == b""
    assert error_of(api.get(f"Messages/{created['sid']}.json")) == (404, 20404)
    assert error_of(api.get(media_uri)) == (404, 20404)
    assert api.sim.store.list("media", api.account_sid) == []
    assert error_of(api.delete(f"Messages/{created['sid']}.json")) == (404, 20404)


@pytest.mark.parametrize(("elapsed", "deletable"), [(0, False), (0.5, False), (1.0, False), (2.0, True)])
def test_message_deletable_once_final(api: Api, clock: Clock, elapsed: float, deletable: bool) -> None:
    sid = api.send_sms()["sid"]
    clock.advance(elapsed)
    response = api.delete(f"Messages/{sid}.json")
    assert response.status_code == (204 if deletable else 400)
    if elapsed == 1.0:  # sent, waiting for the carrier's receipt: Twilio refuses
        assert response.json()["code"] == 20009
        assert response.json()["message"] == "Cannot delete message in state SENT"


def test_message_lifecycle_follows_the_clock(api: Api, clock: Clock, schemas: Schemas) -> None:
    sid = api.send_sms()["sid"]
    seen = []
    for step in (0, 0.5, 0.5, 1.0, 100):
        clock.advance(step)
        body = api.get(f"Messages/{sid}.json").json()
        schemas.check("message", body)
        seen.append((body["status"], body["price"], body["date_sent"]))
    assert seen == [
        ("queued", None, None),
        ("sending", None, None),
        ("sent", None, "Wed, 01 May 2024 12:00:01 +0000"),
        ("delivered", "-0.00750", "Wed, 01 May 2024 12:00:01 +0000"),
        ("delivered", "-0.00750", "Wed, 01 May 2024 12:00:01 +0000"),
    ]


def test_custom_timings(clock: Clock) -> None:
    with Simulator(clock=clock, timings=Timings(message_sent=60)) as sim:
        api = Api(sim)
        sid = api.send_sms()["sid"]
        clock.advance(30)
        assert api.get(f"Messages/{sid}.json").json()["status"] == "sent"
        clock.advance(31)
        assert api.get(f"Messages/{sid}.json").json()["status"] == "delivered"


def test_messaging_service_message_is_accepted_first(api: Api, clock: Clock, schemas: Schemas) -> None:
    service = DEFAULT_MESSAGING_SERVICE_SID
    response = api.post("Messages.json", {"To": "+15558675310", "MessagingServiceSid": service, "Body": "hi"})
    assert response.status_code == 201
    body = response.json()
    schemas.check("message", body)
    assert (body["status"], body["from"], body["messaging_service_sid"], body["num_segments"]) == (
        "accepted", None, service, "0"
    )
    assert error_of(api.delete(f"Messages/{body['sid']}.json")) == (400, 20009)
    clock.advance(0.5)
    queued = api.get(f"Messages/{body['sid']}.json").json()
    # The service has picked its first sender.
    assert (queued["status"], queued["from"]) == ("queued", "+15005550006")
    unknown = api.post("Messages.json", {"To": "+15558675310", "MessagingServiceSid": "MG" + "1" * 32, "Body": "hi"})
    assert error_of(unknown) == (400, 21701)


def test_scheduled_message(api: Api, clock: Clock) -> None:
    data = {
        "To": "+15558675310", "MessagingServiceSid": DEFAULT_MESSAGING_SERVICE_SID, "Body": "later",
        "ScheduleType": "fixed", "SendAt": "2024-05-01T13:00:00Z",
    }
    body = api.post("Messages.json", data).json()
    assert body["status"] == "scheduled"
    assert error_of(api.delete(f"Messages/{body['sid']}.json")) == (400, 20009)
    clock.advance(3599)
    assert api.get(f"Messages/{body['sid']}.json").json()["status"] == "scheduled"
    clock.advance(1)
    assert api.get(f"Messages/{body['sid']}.json").json()["status"] == "queued"
    assert error_of(api.post("Messages.json", {**data, "SendAt": ""})) == (400, 35111)
    assert error_of(api.post("Messages.json", {**data, "SendAt": "2024-05-01T12:01:00Z"})) == (400, 35114)
    # Twilio's window: 15 minutes to 35 days ahead, inclusive (the clock now reads 13:00).
    assert error_of(api.post("Messages.json", {**data, "SendAt": "2024-05-01T13:14:59Z"})) == (400, 35114)
    assert api.post("Messages.json", {**data, "SendAt": "2024-05-01T13:15:00Z"}).status_code == 201
    assert api.post("Messages.json", {**data, "SendAt": "2024-06-05T13:00:00Z"}).status_code == 201
    assert error_of(api.post("Messages.json", {**data, "SendAt": "2024-06-05T13:00:01Z"})) == (400, 35114)


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        ({"From": "+15005550006", "Body": "x"}, 21604, "A 'To' phone number is required."),
        ({"To": "+15558675310", "Body": "x"}, 21603, "A 'From' phone number is required."),
        ({"To": "+15558675310", "From": "+15005550006"}, 21602, "Message body is required."),
        ({"To": "+15558675310", "From": "+15005550006", "Body": ""}, 21602, "Message body is required."),
        ({"To": "555", "From": "+15005550006", "Body": "x"}, 21211, "The 'To' number 555 is not a valid phone number."),
        ({"To": "+15558675310", "From": "#$%", "Body": "x"}, 21212, None),
        ({"To": "+15558675310", "From": "+15005550006", "Body": "x" * 1601}, 21617, None),
        ({"To": "+15558675310", "From": "+15005550006", "MediaUrl": ["https://e.com/a.png"] * 11}, 21623, None),
        ({"To": "+15558675310", "From": "+15005550006", "MediaUrl": "not-a-url"}, 21620, None),
    ],
)
def test_create_message_errors(api: Api, data: dict[str, object], code: int, message: str | None) -> None:
    response = api.post("Messages.json", data)
    assert error_of(response) == (400, code)
    if message is not None:
        assert response.json()["message"] == message
    assert api.sim.store.list("messages", api.account_sid) == []


def test_alphanumeric_and_whatsapp_senders(api: Api) -> None:
    assert api.send_sms(To="+447700900123", From="AcmeAlerts")["from"] == "AcmeAlerts"
    sent = api.send_sms(To="whatsapp:+15558675310", From="whatsapp:+15005550006")
    assert (sent["to"], sent["from"]) == ("whatsapp:+15558675310", "whatsapp:+15005550006")


# Twilio's magic test numbers, from its test-credentials documentation.
@pytest.mark.parametrize(
    ("to", "from_", "code"),
    [
        ("+15558675310", "+15005550001", 21212),
        ("+15558675310", "+15005550007", 21606),
        ("+15558675310", "+15005550008", 21611),
        ("+15005550001", "+15005550006", 21211),
        ("+15005550002", "+15005550006", 21612),
        ("+15005550003", "+15005550006", 21408),
        ("+15005550004", "+15005550006", 21610),
        ("+15005550009", "+15005550006", 21614),
    ],
)
def test_message_magic_numbers(test_api: Api, to: str, from_: str, code: int) -> None:
    response = test_api.post("Messages.json", {"To": to, "From": from_, "Body": "x"})
    assert error_of(response) == (400, code)


@pytest.mark.parametrize("to", ["+15005550006", "+15558675310", "+447700900123", "+15005550010"])
def test_other_numbers_are_accepted_like_a_live_account(api: Api, to: str) -> None:
    assert api.send_sms(To=to)["status"] == "queued"


def test_concurrent_creates(api: Api) -> None:
    sids: list[str] = []
    lock = threading.Lock()

    def send() -> None:
        sid = Api(api.sim).send_sms()["sid"]
        with lock:
            sids.append(sid)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(sids)) == 20
    listed = api.get("Messages.json").json()["messages"]
    assert {m["sid"] for m in listed} == set(sids)
