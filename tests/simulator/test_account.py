"""The account model and the two credential modes, driven by the official twilio-python SDK and by
plain HTTP; responses checked against Twilio's own schemas for Account and IncomingPhoneNumber."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from adapter.simulator import (
    DEFAULT_CONFIG,
    TEST_CREDENTIALS_SID,
    AccountConfig,
    Clock,
    MessagingService,
    NumberConfig,
    Simulator,
)

from .conftest import _FORMATS, Api, _strict, _to_json_schema

TRIMMED = Path(__file__).parent / "fixtures" / "twilio_account_trimmed.json"


def error_of(response: Any) -> tuple[int, int]:
    return response.status_code, response.json()["code"]


@pytest.fixture(scope="module")
def account_schemas() -> dict[str, Any]:
    document = json.loads(TRIMMED.read_text())
    components = _to_json_schema(document["components"])
    for schema in components["schemas"].values():
        _strict(schema)
    listing = document["paths"]["/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"]["get"]
    raw = listing["responses"]["200"]["content"]["application/json"]["schema"]

    def validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
        return jsonschema.Draft202012Validator({**schema, "components": components}, format_checker=_FORMATS)

    return {
        "account": validator({"$ref": "#/components/schemas/api.v2010.account"}),
        "number": validator({"$ref": "#/components/schemas/api.v2010.account.incoming_phone_number"}),
        "numbers": validator(_strict(_to_json_schema(copy.deepcopy(raw)))),
    }


def test_sending_from_an_unowned_number_is_21606(client: Client, sim: Simulator) -> None:
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to="+15558675310", from_="+14155551234", body="hi")
    assert (caught.value.status, caught.value.code) == (400, 21606)
    assert "+14155551234" in caught.value.msg
    assert sim.requests[-1].form["From"] == "+14155551234"
    assert sim.store.list("messages", sim.account_sid) == []


def test_test_credentials_only_create(sim: Simulator) -> None:
    assert sim.test_credentials is not None and sim.test_credentials[0] == TEST_CREDENTIALS_SID
    client = Client(*sim.test_credentials)
    client.api.base_url = sim.base_url
    message = client.messages.create(to="+15558675310", from_="+15005550006", body="hi")
    assert message.status == "queued" and message.sid.startswith("SM")
    assert sim.requests[-1].username == TEST_CREDENTIALS_SID
    # The SDK reports a failed list page as a bare TwilioException carrying the HTTP response.
    with pytest.raises(TwilioException) as listing:
        client.messages.list()
    assert listing.value.args[1].status_code == 403 and json.loads(listing.value.args[1].text)["code"] == 20008
    with pytest.raises(TwilioRestException) as fetching:
        client.messages(message.sid).fetch()
    assert (fetching.value.status, fetching.value.code) == (403, 20008)
    with pytest.raises(TwilioRestException) as account:
        client.api.accounts(TEST_CREDENTIALS_SID).fetch()
    assert (account.value.status, account.value.code) == (403, 20008)
    # Nothing a test-credential request makes is stored, nor visible to the live account.
    assert sim.store.list("messages", TEST_CREDENTIALS_SID) == []
    assert sim.store.list("messages", sim.account_sid) == []
    # Any From but the magic +15005550006 is not the test account's.
    with pytest.raises(TwilioRestException) as other:
        client.calls.create(to="+15558675310", from_="+15017122661", url="https://example.com/t")
    assert (other.value.status, other.value.code) == (400, 21210)


def test_incoming_phone_numbers_list_fetch_update(client: Client, sim: Simulator, account_schemas: dict[str, Any]) -> None:
    numbers = client.incoming_phone_numbers.list()
    assert {n.phone_number for n in numbers} == {n.phone_number for n in DEFAULT_CONFIG.phone_numbers}
    voice_only = next(n for n in numbers if n.phone_number == "+15017122662")
    assert voice_only.capabilities == {"sms": False, "mms": False, "voice": True, "fax": False}
    api = Api(sim)
    listing = api.get("IncomingPhoneNumbers.json").json()
    account_schemas["numbers"].validate(listing)
    for item in listing["incoming_phone_numbers"]:
        account_schemas["number"].validate(item)
    assert [n["phone_number"] for n in api.get("IncomingPhoneNumbers.json", PhoneNumber="+15005550006").json()[
        "incoming_phone_numbers"]] == ["+15005550006"]

    default = next(n for n in numbers if n.phone_number == "+15005550006")
    updated = client.incoming_phone_numbers(default.sid).update(
        sms_url="http://127.0.0.1:9/sms", sms_method="GET", voice_url="https://example.com/voice",
        status_callback="https://example.com/status",
    )
    request = sim.requests[-1]
    assert (request.method, request.path) == ("POST", f"/2010-04-01/Accounts/{sim.account_sid}/IncomingPhoneNumbers/{default.sid}.json")
    assert dict(request.form) == {"SmsUrl": "http://127.0.0.1:9/sms", "SmsMethod": "GET",
                                  "VoiceUrl": "https://example.com/voice", "StatusCallback": "https://example.com/status"}
    assert (updated.sms_url, updated.sms_method, updated.voice_url) == ("http://127.0.0.1:9/sms", "GET", "https://example.com/voice")
    fetched = client.incoming_phone_numbers(default.sid).fetch()
    assert (fetched.sms_url, fetched.status_callback) == ("http://127.0.0.1:9/sms", "https://example.com/status")
    bad = api.post(f"IncomingPhoneNumbers/{default.sid}.json", {"SmsUrl": "not a url"})
    assert error_of(bad) == (400, 21402)
    assert error_of(api.post(f"IncomingPhoneNumbers/{default.sid}.json", {"SmsMethod": "PUT"})) == (400, 21209)
    assert error_of(api.get("IncomingPhoneNumbers/PN" + "0" * 32 + ".json")) == (404, 20404)


def test_account_fetch(client: Client, sim: Simulator, account_schemas: dict[str, Any]) -> None:
    account = client.api.accounts(sim.account_sid).fetch()
    assert (account.sid, account.status, account.type) == (sim.account_sid, "active", "Full")
    body = Api(sim).get(f"/2010-04-01/Accounts/{sim.account_sid}.json").json()
    account_schemas["account"].validate(body)
    # Another account's resource is not reachable with these credentials.
    other = Api(sim).get("/2010-04-01/Accounts/AC" + "0" * 32 + ".json")
    assert error_of(other) == (401, 20003)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"From": "+15017122662"}, 21606),  # owned, voice only
        ({"From": "+15017122661", "MediaUrl": "https://e.com/a.png"}, None),
        ({"From": "12345"}, None),  # the account's short code, to a US number
        ({"From": "12345", "To": "+447700900123"}, 21612),
        ({"From": "54321"}, 21606),
        ({"From": "AcmeAlerts"}, 21612),  # no alphanumeric sender IDs to the US
        ({"From": "AcmeAlerts", "To": "+447700900123"}, None),
        ({"From": "Someone", "To": "+447700900123"}, 21212),
        ({"From": "whatsapp:+15017122661", "To": "whatsapp:+15558675310"}, 63007),
        ({"From": "whatsapp:+14155238886", "To": "whatsapp:+15558675310"}, None),
    ],
)
def test_message_senders(api: Api, data: dict[str, str], code: int | None) -> None:
    response = api.post("Messages.json", {"To": "+15558675310", "Body": "x", **data})
    if code is None:
        assert response.status_code == 201, response.text
    else:
        assert error_of(response) == (400, code)


def test_calls_from_sip_or_unowned_numbers_are_21210(api: Api) -> None:
    for caller in ("+14155551234", "sip:bob@example.com"):
        response = api.post("Calls.json", {"To": "+15558675310", "From": caller, "Url": "https://example.com/t"})
        assert error_of(response) == (400, 21210)
    assert api.place_call(To="client:alice", From="client:bob")["to"] == "client:alice"


def test_configured_account(clock: Clock) -> None:
    config = AccountConfig(
        phone_numbers=(NumberConfig("+15550001111", frozenset({"sms"})),),
        messaging_services=(MessagingService("MG" + "a" * 32, "Alerts", ("+15550001111",)),),
    )
    with Simulator(clock=clock, config=config) as sim:
        api = Api(sim)
        assert api.send_sms(From="+15550001111")["from"] == "+15550001111"
        assert error_of(api.post("Messages.json", {"To": "+15558675310", "From": "+15005550006", "Body": "x"})) == (400, 21606)
        assert api.send_sms(From="", MessagingServiceSid="MG" + "a" * 32)["status"] == "accepted"
        listing = api.get("IncomingPhoneNumbers.json").json()["incoming_phone_numbers"]
        assert [n["phone_number"] for n in listing] == ["+15550001111"]
    with pytest.raises(ValueError, match="not E.164"):
        AccountConfig(phone_numbers=(NumberConfig("5550001111"),))


# -- Twilio's rules --------------------------------------------------------------------------------

REQUEST_ID = re.compile(r"^RQ[0-9a-f]{32}$")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"StatusCallback": "not a url"}, 21609),
        ({"StatusCallback": "https://example.com/" + "x" * 4000}, 21609),
        ({"ValidityPeriod": "0"}, 21624),
        ({"ValidityPeriod": "36001"}, 21624),
        ({"ValidityPeriod": "soon"}, 21624),
        ({"ValidityPeriod": "36000"}, None),
        ({"StatusCallback": "https://example.com/" + "x" * 3000}, None),
    ],
)
def test_message_rules(api: Api, data: dict[str, str], code: int | None) -> None:
    response = api.post("Messages.json", {"To": "+15558675310", "From": "+15005550006", "Body": "x", **data})
    assert response.status_code == (201 if code is None else 400)
    if code is not None:
        assert response.json()["code"] == code


def test_inline_twiml_is_at_most_4000_characters(api: Api) -> None:
    twiml = "<Response><Say>" + "a" * (4000 - len("<Response><Say></Say></Response>")) + "</Say></Response>"
    assert api.place_call(Url="", Twiml=twiml)["status"] == "queued"
    response = api.post("Calls.json", {"To": "+15558675310", "From": "+15005550006", "Twiml": twiml + " "})
    assert error_of(response) == (400, 32018)


def test_every_answer_has_a_request_id_and_204_has_no_body_type(api: Api, sim: Simulator, clock: Clock) -> None:
    created = api.post("Messages.json", {"To": "+15558675310", "From": "+15005550006", "Body": "x"})
    clock.advance(5)
    answers = [
        created,
        api.get(f"Messages/{created.json()['sid']}.json"),
        api.get("Messages/SM" + "0" * 32 + ".json"),
        api.delete(f"Messages/{created.json()['sid']}.json"),
    ]
    sim.faults.throttle_next()
    answers.append(api.get("Messages.json"))
    assert [a.status_code for a in answers] == [201, 200, 404, 204, 429]
    assert all(REQUEST_ID.match(a.headers["Twilio-Request-Id"]) for a in answers)
    assert len({a.headers["Twilio-Request-Id"] for a in answers}) == len(answers)
    assert "Content-Type" not in answers[3].headers and answers[3].content == b""
