"""Calls over HTTP against a started simulator (frozen clock)."""

from __future__ import annotations

import pytest

from adapter.simulator import Clock

from .conftest import Api, Schemas
from .test_http_messages import error_of


def test_create_call(api: Api, schemas: Schemas) -> None:
    response = api.post(
        "Calls.json",
        {"To": "+14158675309", "From": "+15005550006", "Url": "https://example.com/twiml",
         "StatusCallbackEvent": ["initiated", "completed"], "Record": "true"},
    )
    assert response.status_code == 201
    body = response.json()
    schemas.check("call", body)
    assert body["sid"].startswith("CA") and len(body["sid"]) == 34
    assert (body["status"], body["to_formatted"], body["from_formatted"]) == ("queued", "(415) 867-5309", "(500) 555-0006")
    assert body["phone_number_sid"].startswith("PN")
    assert body["uri"] == f"/2010-04-01/Accounts/{api.account_sid}/Calls/{body['sid']}.json"
    form = api.sim.requests[-1].form
    assert form.getlist("StatusCallbackEvent") == ["initiated", "completed"]


@pytest.mark.parametrize("instructions", [{"Twiml": "<Response><Say>Hi</Say></Response>"}, {"ApplicationSid": "AP" + "a" * 32}])
def test_call_instructions_alternatives(api: Api, instructions: dict[str, str]) -> None:
    response = api.post("Calls.json", {"To": "client:alice", "From": "+15005550006", **instructions})
    assert response.status_code == 201
    assert response.json()["to_formatted"] == "client:alice"


def test_call_lifecycle(api: Api, clock: Clock, schemas: Schemas) -> None:
    sid = api.place_call()["sid"]
    seen = []
    for step in (0, 1, 1, 3):
        clock.advance(step)
        body = api.get(f"Calls/{sid}.json").json()
        schemas.check("call", body)
        seen.append((body["status"], body["start_time"], body["end_time"], body["duration"], body["price"]))
    assert seen == [
        ("queued", None, None, None, None),
        ("ringing", "Wed, 01 May 2024 12:00:01 +0000", None, None, None),
        ("in-progress", "Wed, 01 May 2024 12:00:01 +0000", None, None, None),
        ("completed", "Wed, 01 May 2024 12:00:01 +0000", "Wed, 01 May 2024 12:00:05 +0000", "4", "-0.01300"),
    ]


@pytest.mark.parametrize(("elapsed", "status"), [(0, 400), (1.5, 400), (4.9, 400), (5, 204)])
def test_delete_call_only_when_final(api: Api, clock: Clock, elapsed: float, status: int) -> None:
    sid = api.place_call()["sid"]
    clock.advance(elapsed)
    response = api.delete(f"Calls/{sid}.json")
    assert response.status_code == status
    if status == 400:
        assert error_of(response) == (400, 20009)
        assert api.get(f"Calls/{sid}.json").status_code == 200
    else:
        assert response.content == b""
        assert error_of(api.get(f"Calls/{sid}.json")) == (404, 20404)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"From": "+15005550006", "Url": "https://example.com"}, 21201),
        ({"To": "+15558675310", "Url": "https://example.com"}, 21213),
        ({"To": "+15558675310", "From": "+15005550006"}, 21205),
        ({"To": "+15558675310", "From": "+15005550006", "Url": "", "Twiml": ""}, 21205),
        ({"To": "+15558675310", "From": "+15005550006", "Url": "not a url"}, 21205),
        ({"To": "12", "From": "+15005550006", "Url": "https://example.com"}, 21217),
        ({"To": "+15558675310", "From": "x", "Url": "https://example.com"}, 21212),
        ({"To": "+15558675310", "From": "+15005550006", "Url": "https://example.com", "Method": "PATCH"}, 21209),
    ],
)
def test_create_call_errors(api: Api, data: dict[str, str], code: int) -> None:
    assert error_of(api.post("Calls.json", data)) == (400, code)
    assert api.sim.store.list("calls", api.account_sid) == []


def test_missing_url_message(api: Api) -> None:
    response = api.post("Calls.json", {"To": "+15558675310", "From": "+15005550006"})
    assert response.json()["message"] == "Url parameter is required."


@pytest.mark.parametrize(
    ("to", "from_", "code"),
    [
        ("+15558675310", "+15005550001", 21212),
        ("+15005550001", "+15005550006", 21217),
        ("+15005550002", "+15005550006", 21214),
        ("+15005550003", "+15005550006", 21215),
        ("+15005550004", "+15005550006", 21216),
    ],
)
def test_call_magic_numbers(test_api: Api, to: str, from_: str, code: int) -> None:
    response = test_api.post("Calls.json", {"To": to, "From": from_, "Url": "https://example.com/twiml"})
    assert error_of(response) == (400, code)


def test_caller_must_be_owned_or_verified(api: Api) -> None:
    # Twilio: "You may only make calls from phone numbers that you've verified or purchased" (21210).
    response = api.post("Calls.json", {"To": "+15558675310", "From": "+14155550100", "Url": "https://example.com/t"})
    assert error_of(response) == (400, 21210)
    assert "+14155550100" in response.json()["message"]
    assert api.place_call(From="+15017122662")["from"] == "+15017122662"  # owned, voice only
    assert api.place_call(To="+15017122661", From="+15558675310")["from"] == "+15558675310"  # verified caller ID
