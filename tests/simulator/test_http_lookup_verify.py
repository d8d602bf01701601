"""Lookup v2 and Verify v2 on the simulator over HTTP: answers from phonenumbers, the account's caller names,
Verify's statuses, limits and expiry on the simulator's clock, the code delivered as a message. Bodies are
checked against Twilio's own response schemas (the trimmed descriptions in tests/contract)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from adapter.simulator import Clock, Simulator
from tests.contract.openapi_helpers import resolve, to_json_schema

from .conftest import Api

CONTRACT = Path(__file__).resolve().parents[1] / "contract"
MOBILE_US = "+14155552671"


def twilio_schema(file: str, path: str, method: str, status: str) -> jsonschema.Draft7Validator:
    document = json.loads((CONTRACT / file).read_text())
    op = resolve(document["paths"][path][method], document)
    schema = copy.deepcopy(op["responses"][status]["content"]["application/json"]["schema"])
    if file.startswith("twilio_lookups"):
        # Twilio's own examples send null where its description says object (see tests/contract).
        pending = [schema]
        while pending:
            for prop in pending.pop().get("properties", {}).values():
                prop["nullable"] = True
                pending.append(prop)
    return jsonschema.Draft7Validator(to_json_schema(schema))


LOOKUP_SCHEMA = twilio_schema("twilio_lookups_v2_trimmed.json", "/v2/PhoneNumbers/{PhoneNumber}", "get", "200")
VERIFICATION_SCHEMA = twilio_schema("twilio_verify_v2_trimmed.json", "/v2/Services/{ServiceSid}/Verifications",
                                    "post", "201")
CHECK_SCHEMA = twilio_schema("twilio_verify_v2_trimmed.json", "/v2/Services/{ServiceSid}/VerificationCheck",
                             "post", "200")


def valid(validator: jsonschema.Draft7Validator, body: dict[str, Any]) -> dict[str, Any]:
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, errors
    assert set(body) == set(validator.schema["properties"])  # every documented field, nothing else
    return body


# --- Lookup ---------------------------------------------------------------------------------------------------

def lookup(api: Api, number: str, **params: str) -> Any:
    return api.session.get(f"{api.sim.base_url}/v2/PhoneNumbers/{number}", params=params, auth=api.auth,
                           timeout=10)


def test_a_valid_number_in_e164(api: Api) -> None:
    body = valid(LOOKUP_SCHEMA, lookup(api, "%2B14155552671").json())
    assert body["phone_number"] == MOBILE_US and body["valid"] is True and body["validation_errors"] == []
    assert (body["country_code"], body["calling_country_code"], body["national_format"]) == ("US", "1", "(415) 555-2671")
    assert body["line_type_intelligence"] is None and body["caller_name"] is None  # not asked for
    assert body["url"] == "https://lookups.twilio.com/v2/PhoneNumbers/+14155552671"
    assert api.sim.requests[-1].username == api.sim.account_sid


def test_national_format_with_a_country(api: Api) -> None:
    body = lookup(api, "020 7183 8750", CountryCode="GB", Fields="line_type_intelligence").json()
    assert (body["phone_number"], body["country_code"], body["calling_country_code"]) == ("+442071838750", "GB", "44")
    assert body["line_type_intelligence"]["type"] == "landline"


@pytest.mark.parametrize(("number", "kind", "carrier"), [
    ("+33612345678", "mobile", "SFR"), ("+442071838750", "landline", None), ("+18005551234", "tollFree", None)])
def test_line_type_from_the_numbering_plan(api: Api, number: str, kind: str, carrier: str | None) -> None:
    body = valid(LOOKUP_SCHEMA, lookup(api, number.replace("+", "%2B"), Fields="line_type_intelligence").json())
    assert body["line_type_intelligence"]["type"] == kind
    assert body["line_type_intelligence"]["carrier_name"] == carrier


@pytest.mark.parametrize(("number", "reason"), [
    ("%2B15558675310", "INVALID_BUT_POSSIBLE"), ("123", "TOO_SHORT"), ("%2B1415555267100000", "TOO_LONG"),
    ("hello", "NOT_A_NUMBER")])
def test_invalid_numbers_answer_200_with_the_reason(api: Api, number: str, reason: str) -> None:
    response = lookup(api, number)
    assert response.status_code == 200
    body = valid(LOOKUP_SCHEMA, response.json())
    assert body["valid"] is False and body["validation_errors"] == [reason]
    assert body["national_format"] is None and body["country_code"] is None


def test_caller_name_comes_from_the_accounts_data(api: Api, sim: Simulator) -> None:
    unknown = lookup(api, "%2B14155552671", Fields="caller_name").json()["caller_name"]
    assert unknown == {"caller_name": None, "caller_type": None, "error_code": None}
    sim.set_caller_name(MOBILE_US, "Jane Doe")
    known = lookup(api, "%2B14155552671", Fields="caller_name,validation").json()
    assert known["caller_name"] == {"caller_name": "Jane Doe", "caller_type": "CONSUMER", "error_code": None}
    other_account = "AC" + "9" * 32
    sim.accounts[other_account] = "another-token-123456"
    theirs = Api(sim, other_account)
    assert lookup(theirs, "%2B14155552671", Fields="caller_name").json()["caller_name"]["caller_name"] is None
    outside = lookup(api, "%2B33612345678", Fields="caller_name").json()["caller_name"]
    assert outside["error_code"] == 60600  # CNAM covers the US and Canada only


def test_packages_without_a_provider_answer_with_twilios_code(api: Api) -> None:
    body = valid(LOOKUP_SCHEMA, lookup(api, "%2B14155552671", Fields="sim_swap,call_forwarding").json())
    assert body["sim_swap"]["error_code"] == 60606 and body["sim_swap"]["last_sim_swap"] is None
    assert body["call_forwarding"] == {"call_forwarding_enabled": None, "error_code": 60606}


def test_unknown_fields_and_countries_are_refused(api: Api) -> None:
    response = lookup(api, "%2B14155552671", Fields="carrier")
    assert (response.status_code, response.json()["code"]) == (400, 60200)
    assert lookup(api, "5552671", CountryCode="USA").json()["code"] == 60200


def test_lookup_needs_credentials(api: Api) -> None:
    response = api.session.get(f"{api.sim.base_url}/v2/PhoneNumbers/%2B14155552671", timeout=10)
    assert (response.status_code, response.json()["code"]) == (401, 20003)
    wrong = api.session.get(f"{api.sim.base_url}/v2/PhoneNumbers/%2B14155552671",
                            auth=(api.sim.account_sid, "wrong-token-000000"), timeout=10)
    assert wrong.status_code == 401


# --- Verify ---------------------------------------------------------------------------------------------------

class VerifyApi:
    def __init__(self, api: Api, service: str) -> None:
        self.api, self.service = api, service

    def post(self, tail: str, data: dict[str, str]) -> Any:
        return self.api.post(f"/v2/Services/{self.service}{tail}", data)

    def start(self, to: str = MOBILE_US, channel: str = "sms", **more: str) -> Any:
        return self.post("/Verifications", {"To": to, "Channel": channel, **more})

    def check(self, code: str, to: str = MOBILE_US, **more: str) -> Any:
        return self.post("/VerificationCheck", {"Code": code, "To": to, **more} if "VerificationSid" not in more
                         else {"Code": code, **more})

    def code(self, to: str = MOBILE_US) -> str:
        messages = self.api.get("Messages.json", To=to).json()["messages"]
        return str(messages[0]["body"].rsplit(" ", 1)[1])


@pytest.fixture
def verify(api: Api, sim: Simulator) -> VerifyApi:
    return VerifyApi(api, sim.verify_service_sid)


def test_the_default_account_has_a_service_with_a_stable_sid(api: Api, sim: Simulator, clock: Clock) -> None:
    body = api.get(f"/v2/Services/{sim.verify_service_sid}").json()
    assert body["sid"] == sim.verify_service_sid and body["friendly_name"] == "Simulator Verify"
    assert body["code_length"] == 6
    with Simulator(clock=clock) as again:
        assert again.verify_service_sid == sim.verify_service_sid


def test_services_are_created_through_verifys_api(api: Api, sim: Simulator) -> None:
    created = api.post("/v2/Services", {"FriendlyName": "Acme Login", "CodeLength": "4"})
    assert created.status_code == 201, created.text
    service = created.json()
    assert service["sid"].startswith("VA") and service["sid"] != sim.verify_service_sid
    assert service["url"] == f"https://verify.twilio.com/v2/Services/{service['sid']}"
    listed = api.get("/v2/Services").json()
    assert {s["sid"] for s in listed["services"]} == {service["sid"], sim.verify_service_sid}
    assert listed["meta"]["key"] == "services"
    acme = VerifyApi(api, service["sid"])
    acme.start()
    assert len(acme.code()) == 4
    assert "Acme Login" in api.get("Messages.json").json()["messages"][0]["body"]
    assert api.post("/v2/Services", {}).json()["code"] == 60200
    assert api.post("/v2/Services", {"FriendlyName": "x", "CodeLength": "11"}).json()["code"] == 60200


def test_two_factor_flow_code_delivered_as_a_message(verify: VerifyApi, api: Api, clock: Clock) -> None:
    started = verify.start()
    assert started.status_code == 201, started.text
    body = valid(VERIFICATION_SCHEMA, started.json())
    assert (body["status"], body["valid"], body["channel"], body["to"]) == ("pending", False, "sms", MOBILE_US)
    assert len(body["send_code_attempts"]) == 1
    message = api.get("Messages.json", To=MOBILE_US).json()["messages"][0]
    assert message["body"].startswith("Your Simulator Verify verification code is: ")
    code = verify.code()
    assert len(code) == 6 and code.isdigit()
    wrong = verify.check("000000" if code != "000000" else "111111")
    assert wrong.status_code == 200 and wrong.json()["status"] == "pending" and wrong.json()["valid"] is False
    clock.advance(30)
    right = verify.check(code)
    body = valid(CHECK_SCHEMA, right.json())
    assert (body["status"], body["valid"], body["sid"]) == ("approved", True, started.json()["sid"])
    assert body["date_updated"] == "2024-05-01T12:00:30Z"


def test_an_approved_verification_is_gone(verify: VerifyApi) -> None:
    started = verify.start().json()
    code = verify.code()
    verify.check(code)
    again = verify.check(code)
    assert (again.status_code, again.json()["code"]) == (404, 20404)
    by_sid = verify.check(code, VerificationSid=started["sid"])
    assert by_sid.status_code == 404
    assert verify.api.get(f"/v2/Services/{verify.service}/Verifications/{started['sid']}").status_code == 404


def test_a_verification_expires_after_ten_minutes(verify: VerifyApi, clock: Clock) -> None:
    started = verify.start().json()
    code = verify.code()
    clock.advance(599)
    fetched = verify.api.get(f"/v2/Services/{verify.service}/Verifications/{started['sid']}").json()
    assert fetched["status"] == "pending"
    clock.advance(1)
    expired = verify.check(code)
    assert (expired.status_code, expired.json()["code"]) == (404, 20404)
    # A new one can start at once, with a new verification.
    assert verify.start().json()["sid"] != started["sid"]


def test_sends_are_limited_to_five_per_verification(verify: VerifyApi, api: Api) -> None:
    first = verify.start().json()
    code = verify.code()
    for attempt in range(2, 6):
        again = verify.start().json()
        assert again["sid"] == first["sid"] and len(again["send_code_attempts"]) == attempt
        assert verify.code() == code  # a resend carries the same code
    refused = verify.start()
    assert (refused.status_code, refused.json()["code"]) == (429, 60203)
    assert len(api.get("Messages.json", To=MOBILE_US).json()["messages"]) == 5


def test_five_wrong_codes_end_it(verify: VerifyApi) -> None:
    verify.start()
    code = verify.code()
    wrong = "999999" if code != "999999" else "888888"
    statuses = [verify.check(wrong).json()["status"] for _ in range(5)]
    assert statuses == ["pending"] * 4 + ["max_attempts_reached"]
    after = verify.check(code)
    assert (after.status_code, after.json()["code"]) == (429, 60202)


def test_check_by_verification_sid_and_cancel(verify: VerifyApi) -> None:
    started = verify.start().json()
    canceled = verify.post(f"/Verifications/{started['sid']}", {"Status": "canceled"}).json()
    assert canceled["status"] == "canceled"
    assert verify.check(verify.code(), VerificationSid=started["sid"]).status_code == 404


def test_custom_code_whatsapp_and_call_channels(verify: VerifyApi, api: Api) -> None:
    verify.start(CustomCode="4711")
    assert verify.code() == "4711"
    verify.start(to="+33612345678", channel="whatsapp")
    message = api.get("Messages.json", To="whatsapp:+33612345678").json()["messages"][0]
    assert message["from"] == "whatsapp:+15005550006"
    before = len(api.get("Messages.json").json()["messages"])
    assert verify.start(to="+18005551234", channel="call").json()["channel"] == "call"
    assert len(api.get("Messages.json").json()["messages"]) == before  # a call leaves no message


@pytest.mark.parametrize(("data", "status", "code"), [
    ({"To": "+15558675310", "Channel": "sms"}, 400, 60200),  # not a valid number
    ({"To": "+442071838750", "Channel": "sms"}, 400, 60205),  # a landline cannot get an SMS
    ({"To": MOBILE_US, "Channel": "pigeon"}, 400, 60200),
    ({"Channel": "sms"}, 400, 60200),
    ({"To": "not-an-email", "Channel": "email"}, 400, 60200),
])
def test_what_verify_refuses(verify: VerifyApi, data: dict[str, str], status: int, code: int) -> None:
    response = verify.post("/Verifications", data)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_another_accounts_service_is_not_found(api: Api, sim: Simulator) -> None:
    other = "AC" + "8" * 32
    sim.accounts[other] = "another-token-123456"
    theirs = VerifyApi(Api(sim, other), sim.verify_service_sid)
    assert theirs.start().status_code == 404
    assert VerifyApi(api, "VA" + "0" * 32).start().json()["code"] == 20404


# --- from Python: the five operations through the Dispatcher ---------------------------------------------------

def test_the_five_operations_through_the_dispatcher(sim: Simulator, clock: Clock) -> None:
    from adapter import Dispatcher, TwilioError

    with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as twilio:
        call = twilio.createCall(From="+15005550006", To=MOBILE_US, Url="https://example.com/t")
        clock.advance(2.5)
        assert twilio.updateCall(CallSid=call["sid"], Status="completed")["status"] == "completed"
        message = twilio.postMessage(From="+15005550006", To=MOBILE_US, Body="PIN 4711")
        clock.advance(5)
        assert twilio.updateMessage(MessageSid=message["sid"], Body="")["body"] == ""
        info = twilio.lookupPhoneNumber(PhoneNumber="(415) 555-2671", CountryCode="US", Fields="caller_name")
        assert info["phone_number"] == MOBILE_US
        started = twilio.createVerification(ServiceSid=sim.verify_service_sid, To=MOBILE_US, Channel="sms")
        code = twilio.listMessage(To=MOBILE_US, PageSize=1)["messages"][0]["body"].rsplit(" ", 1)[1]
        checked = twilio.checkVerification(ServiceSid=sim.verify_service_sid, VerificationSid=started["sid"], Code=code)
        assert checked["status"] == "approved"
        with pytest.raises(TwilioError) as gone:
            twilio.checkVerification(ServiceSid=sim.verify_service_sid, VerificationSid=started["sid"], Code=code)
        assert (gone.value.type, gone.value.status, gone.value.code) == ("api", 404, 20404)
    wire = [(r.method, r.path, dict(r.form), r.query, r.username) for r in sim.requests]
    root = f"/2010-04-01/Accounts/{sim.account_sid}"
    assert wire[1] == ("POST", f"{root}/Calls/{call['sid']}.json", {"Status": "completed"}, {}, sim.account_sid)
    assert wire[3] == ("POST", f"{root}/Messages/{message['sid']}.json", {"Body": ""}, {}, sim.account_sid)
    assert wire[4] == ("GET", "/v2/PhoneNumbers/(415) 555-2671", {}, {"Fields": "caller_name", "CountryCode": "US"},
                       sim.account_sid)
    assert wire[5][:3] == ("POST", f"/v2/Services/{sim.verify_service_sid}/Verifications",
                           {"To": MOBILE_US, "Channel": "sms"})
    assert wire[7][:3] == ("POST", f"/v2/Services/{sim.verify_service_sid}/VerificationCheck",
                           {"Code": code, "VerificationSid": started["sid"]})
