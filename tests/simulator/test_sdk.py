"""Fidelity: the official twilio-python SDK, pointed at the simulator, works as against Twilio."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from adapter.simulator import DEFAULT_MESSAGING_SERVICE_SID, Clock, Simulator

from .conftest import sdk_client


def test_create_and_fetch_message(client: Client, sim: Simulator, clock: Clock) -> None:
    message = client.messages.create(to="+15558675310", from_="+15005550006", body="Hello from the SDK")
    assert message.sid.startswith("SM")
    assert message.status == "queued"
    assert message.date_created == datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert message.num_segments == "1"
    assert message.price is None
    request = sim.requests[-1]
    assert (request.method, request.username) == ("POST", sim.account_sid)
    assert dict(request.form) == {"To": "+15558675310", "From": "+15005550006", "Body": "Hello from the SDK"}
    clock.advance(2)
    fetched = client.messages(message.sid).fetch()
    assert (fetched.status, fetched.price, fetched.price_unit) == ("delivered", "-0.00750", "USD")
    assert fetched.date_sent == datetime(2024, 5, 1, 12, 0, 1, tzinfo=timezone.utc)
    assert fetched.error_code is None


def test_media_through_the_sdk(client: Client, sim: Simulator, clock: Clock) -> None:
    urls = ["https://example.com/a.jpg", "https://example.com/b.gif", "https://example.com/c.mp4"]
    message = client.messages.create(to="+15558675310", from_="+15005550006", media_url=urls)
    assert sim.requests[-1].form.getlist("MediaUrl") == urls
    assert message.num_media == "3"
    media = client.messages(message.sid).media.list(page_size=2)
    assert sorted(m.content_type for m in media) == ["image/gif", "image/jpeg", "video/mp4"]
    assert len({m.sid for m in media}) == 3
    one = client.messages(message.sid).media(media[0].sid).fetch()
    assert (one.parent_sid, one.content_type) == (message.sid, media[0].content_type)
    assert client.messages(message.sid).media(media[0].sid).delete() is True
    assert len(client.messages(message.sid).media.list()) == 2
    clock.advance(2)
    assert client.messages(message.sid).delete() is True
    # The SDK reports a failed list page as a bare TwilioException carrying the HTTP response.
    with pytest.raises(TwilioException) as listing:
        client.messages(message.sid).media.list()
    response = listing.value.args[1]
    assert response.status_code == 404 and '"code": 20404' in response.text


def test_stream_messages_across_pages_with_filters(client: Client, sim: Simulator, clock: Clock) -> None:
    for index in range(12):
        client.messages.create(to="+15550000001" if index % 2 else "+15550000002", from_="+15005550006", body=f"m{index}")
        clock.advance(6 * 3600)
    sim.clear_requests()
    streamed = list(
        client.messages.stream(to="+15550000001", date_sent_after=datetime(2024, 5, 1, 18, tzinfo=timezone.utc), page_size=2)
    )
    # Odd messages go to ...001; m1 was created 18:00 May 1 and sent a second later.
    assert [m.body for m in streamed] == ["m11", "m9", "m7", "m5", "m3", "m1"]
    assert len(sim.requests) == 3
    assert all(r.query.get("To") == "+15550000001" for r in sim.requests)
    assert [r.query.get("Page") for r in sim.requests] == [None, "1", "2"]
    everything = client.messages.list(page_size=5)
    assert len(everything) == 12
    assert [m.body for m in everything] == [f"m{i}" for i in reversed(range(12))]
    assert [m.body for m in client.messages.list(limit=3)] == ["m11", "m10", "m9"]


def test_stream_calls_with_status_filter(client: Client, sim: Simulator, clock: Clock) -> None:
    completed = [client.calls.create(to="+15558675310", from_="+15005550006", url="https://example.com/t").sid for _ in range(5)]
    clock.advance(10)
    fresh = client.calls.create(to="+15558675310", from_="+15005550006", twiml="<Response/>").sid
    streamed = [c.sid for c in client.calls.stream(status="completed", page_size=2)]
    assert streamed == list(reversed(completed))
    assert [c.sid for c in client.calls.list(status="queued")] == [fresh]
    started = [c.sid for c in client.calls.list(start_time_after=datetime(2024, 5, 1, tzinfo=timezone.utc), page_size=1)]
    assert started == list(reversed(completed))


def test_call_lifecycle_and_delete(client: Client, clock: Clock) -> None:
    call = client.calls.create(to="+14158675309", from_="+15005550006", url="https://example.com/twiml")
    assert (call.status, call.to_formatted) == ("queued", "(415) 867-5309")
    with pytest.raises(TwilioRestException) as caught:
        client.calls(call.sid).delete()
    assert (caught.value.status, caught.value.code) == (400, 20009)
    clock.advance(5)
    done = client.calls(call.sid).fetch()
    assert (done.status, done.duration, done.price, done.price_unit) == ("completed", "4", "-0.01300", "USD")
    assert done.end_time == datetime(2024, 5, 1, 12, 0, 5, tzinfo=timezone.utc)
    assert client.calls(call.sid).delete() is True
    with pytest.raises(TwilioRestException) as caught:
        client.calls(call.sid).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


@pytest.mark.parametrize(
    ("to", "from_", "code"),
    [("+15005550002", "+15005550006", 21612), ("+15558675310", "+15005550001", 21212), ("+15005550009", "+15005550006", 21614)],
)
def test_message_magic_numbers_raise(sim: Simulator, to: str, from_: str, code: int) -> None:
    assert sim.test_credentials is not None
    client = Client(*sim.test_credentials)
    client.api.base_url = sim.base_url
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=to, from_=from_, body="x")
    assert (caught.value.status, caught.value.code, caught.value.method) == (400, code, "POST")


def test_call_magic_number_raises(client: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        client.calls.create(to="+15005550003", from_="+15005550006", url="https://example.com/t")
    assert (caught.value.status, caught.value.code) == (400, 21215)


def test_unknown_sid_raises_404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        client.messages("SM" + "0" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert "was not found" in caught.value.msg


def test_wrong_credentials_raise_401(sim: Simulator) -> None:
    client = sdk_client(sim, password="0" * 32)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to="+15558675310", from_="+15005550006", body="x")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert caught.value.msg.endswith("Authenticate")


def test_api_key_credentials(sim: Simulator) -> None:
    key_sid, secret = sim.add_api_key()
    client = sdk_client(sim, key_sid, secret)
    message = client.messages.create(to="+15558675310", from_="+15005550006", body="via key")
    assert message.account_sid == sim.account_sid
    assert sim.requests[-1].username == key_sid


# --- issue 14: live calls and messages, Lookup, Verify ---------------------------------------------------------

def test_sdk_hangs_up_a_call(client: Client, sim: Simulator, clock: Clock) -> None:
    call = client.calls.create(to="+14155552671", from_="+15005550006", url="https://example.com/twiml")
    clock.advance(2.5)
    assert client.calls(call.sid).fetch().status == "in-progress"
    ended = client.calls(call.sid).update(status="completed")
    assert ended.status == "completed" and ended.end_time is not None
    request = sim.requests[-1]
    assert (request.method, request.path, dict(request.form)) == (
        "POST", f"/2010-04-01/Accounts/{sim.account_sid}/Calls/{call.sid}.json", {"Status": "completed"})
    with pytest.raises(TwilioRestException) as refused:
        client.calls(call.sid).update(url="https://example.com/next")
    assert (refused.value.status, refused.value.code) == (400, 21220)


def test_sdk_redacts_a_message_and_cancels_a_scheduled_one(client: Client, sim: Simulator, clock: Clock) -> None:
    message = client.messages.create(to="+14155552671", from_="+15005550006", body="PIN 4711")
    clock.advance(5)
    redacted = client.messages(message.sid).update(body="")
    assert redacted.body == "" and client.messages(message.sid).fetch().body == ""
    assert dict(sim.requests[-2].form) == {"Body": ""}
    scheduled = client.messages.create(
        to="+14155552671", messaging_service_sid=DEFAULT_MESSAGING_SERVICE_SID, body="later", schedule_type="fixed",
        send_at=datetime(2024, 5, 1, 14, tzinfo=timezone.utc))
    assert scheduled.status == "scheduled"
    assert client.messages(scheduled.sid).update(status="canceled").status == "canceled"
    with pytest.raises(TwilioRestException) as refused:
        client.messages(message.sid).update(status="canceled")
    assert refused.value.code == 30409


def test_sdk_looks_up_a_number(client: Client, sim: Simulator) -> None:
    sim.set_caller_name("+14155552671", "Jane Doe")
    info = client.lookups.v2.phone_numbers("(415) 555-2671").fetch(
        fields="line_type_intelligence,caller_name", country_code="US")
    assert (info.phone_number, info.valid, info.national_format, info.country_code) == (
        "+14155552671", True, "(415) 555-2671", "US")
    assert info.line_type_intelligence["type"] == "mobile"
    assert info.caller_name["caller_name"] == "Jane Doe"
    request = sim.requests[-1]
    assert request.path == "/v2/PhoneNumbers/(415) 555-2671"  # as the server decodes it
    assert request.query == {"Fields": "line_type_intelligence,caller_name", "CountryCode": "US"}
    assert request.username == sim.account_sid


def test_sdk_completes_a_verification(client: Client, sim: Simulator, clock: Clock) -> None:
    service = client.verify.v2.services.create(friendly_name="SDK Login")
    assert service.sid.startswith("VA")
    verification = client.verify.v2.services(service.sid).verifications.create(to="+14155552671", channel="sms")
    assert verification.status == "pending"
    code = client.messages.list(to="+14155552671", limit=1)[0].body.rsplit(" ", 1)[1]
    clock.advance(20)
    check = client.verify.v2.services(service.sid).verification_checks.create(to="+14155552671", code=code)
    assert (check.status, check.valid, check.sid) == ("approved", True, verification.sid)
    with pytest.raises(TwilioRestException) as gone:
        client.verify.v2.services(service.sid).verification_checks.create(to="+14155552671", code=code)
    assert (gone.value.status, gone.value.code) == (404, 20404)
    default = client.verify.v2.services(sim.verify_service_sid).fetch()
    assert default.friendly_name == "Simulator Verify"
