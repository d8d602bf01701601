"""Several Twilio API hosts in one spec: each operation carries its server, the dispatcher derives each host's
URL (edge and region as Twilio's SDKs put them in), and a base_url serves every host with paths unchanged.
The wire is read from a requests adapter mounted on the dispatcher's session: scheme, host, path, auth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import requests.adapters
import yaml

from adapter import Dispatcher, TwilioError
from adapter.client.spec import build_spec, default_spec, load_spec

from .support import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID, basic_auth, fixture

HOSTS = {
    "updateCall": "https://api.twilio.com",
    "updateMessage": "https://api.twilio.com",
    "lookupPhoneNumber": "https://lookups.twilio.com",
    "createVerification": "https://verify.twilio.com",
    "checkVerification": "https://verify.twilio.com",
}
CALLS: dict[str, dict[str, Any]] = {
    "updateCall": {"CallSid": "CA" + "1" * 32, "Status": "completed"},
    "updateMessage": {"MessageSid": "SM" + "2" * 32, "Status": "canceled"},
    "lookupPhoneNumber": {"PhoneNumber": "+15558675310"},
    "createVerification": {"ServiceSid": SERVICE_SID, "To": "+15558675310", "Channel": "sms"},
    "checkVerification": {"ServiceSid": SERVICE_SID, "To": "+15558675310", "Code": "123456"},
}
BODIES = {"updateCall": "call.json", "updateMessage": "message.json", "lookupPhoneNumber": "lookup.json",
          "createVerification": "verification.json", "checkVerification": "verification_check.json"}


class Recorder(requests.adapters.HTTPAdapter):
    """Answers every request from memory and keeps it, so a test sees exactly what went over the wire."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []
        self.body: dict[str, Any] = {}

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        response = requests.Response()
        response.status_code = 201 if request.method == "POST" and "/v2/" in (request.url or "") else 200
        response._content = json.dumps(self.body).encode()
        response._content_consumed = True
        response.headers["Content-Type"] = "application/json"
        response.request = request
        response.url = request.url or ""
        return response


def recording_dispatcher(**options: Any) -> tuple[Dispatcher, Recorder]:
    session = requests.Session()
    recorder = Recorder()
    session.mount("https://", recorder)
    session.mount("http://", recorder)
    return Dispatcher(ACCOUNT_SID, AUTH_TOKEN, session=session, max_retries=0, environ={}, **options), recorder


def test_every_operation_carries_the_server_of_its_file() -> None:
    spec = default_spec()
    assert spec.servers == ("https://api.twilio.com", "https://lookups.twilio.com", "https://verify.twilio.com")
    for name, host in HOSTS.items():
        assert spec.operation(name).server == host
    assert {op.server for op in spec.operations.values() if op.path.startswith("/2010-04-01/")} == {
        "https://api.twilio.com"}


@pytest.mark.parametrize("name", list(HOSTS))
def test_without_a_base_url_each_operation_goes_to_its_twilio_host(name: str) -> None:
    dispatcher, recorder = recording_dispatcher()
    recorder.body = fixture(BODIES[name])
    dispatcher.call(name, CALLS[name])
    (request,) = recorder.sent
    split = urlsplit(request.url)
    assert f"{split.scheme}://{split.netloc}" == HOSTS[name]
    assert basic_auth(request) == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.method == default_spec().operation(name).method


@pytest.mark.parametrize(("edge", "region", "hosts"), [
    ("sydney", "au1", ["api.sydney.au1.twilio.com", "lookups.sydney.au1.twilio.com", "verify.sydney.au1.twilio.com"]),
    ("dublin", None, ["api.dublin.us1.twilio.com", "lookups.dublin.us1.twilio.com", "verify.dublin.us1.twilio.com"]),
    (None, "ie1", ["api.ie1.twilio.com", "lookups.ie1.twilio.com", "verify.ie1.twilio.com"]),
])
def test_edge_and_region_go_into_every_host_as_twilio_forms_them(edge: Any, region: Any, hosts: list[str]) -> None:
    dispatcher, recorder = recording_dispatcher(edge=edge, region=region)
    for name in ("updateCall", "lookupPhoneNumber", "createVerification"):
        recorder.body = fixture(BODIES[name])
        dispatcher.call(name, CALLS[name])
    assert [urlsplit(r.url).netloc for r in recorder.sent] == hosts
    assert list(dispatcher.base_urls.values()) == [f"https://{h}" for h in hosts]


def test_a_base_url_serves_every_host_with_the_path_unchanged() -> None:
    dispatcher, recorder = recording_dispatcher(base_url="http://127.0.0.1:8765/twilio")
    for name in HOSTS:
        recorder.body = fixture(BODIES[name])
        dispatcher.call(name, CALLS[name])
    urls = [r.url for r in recorder.sent]
    assert urls[2] == "http://127.0.0.1:8765/twilio/v2/PhoneNumbers/%2B15558675310"
    assert urls[3] == f"http://127.0.0.1:8765/twilio/v2/Services/{SERVICE_SID}/Verifications"
    assert urls[4] == f"http://127.0.0.1:8765/twilio/v2/Services/{SERVICE_SID}/VerificationCheck"
    assert all(u.startswith("http://127.0.0.1:8765/twilio/") for u in urls)
    assert set(dispatcher.base_urls.values()) == {"http://127.0.0.1:8765/twilio"}


@pytest.mark.parametrize("number", ["../Services", "+1555?x=1", "..", "+1555/../x", "+1555#frag", "%2e%2e", ""])
def test_a_phone_number_that_could_leave_its_path_segment_is_refused(number: str) -> None:
    dispatcher, recorder = recording_dispatcher()
    with pytest.raises(TwilioError) as info:
        dispatcher.lookupPhoneNumber(PhoneNumber=number)
    assert info.value.type == "validation" and recorder.sent == []
    assert info.value.details[0]["field"] == "PhoneNumber"


def test_a_national_number_is_percent_encoded_in_its_segment() -> None:
    dispatcher, recorder = recording_dispatcher()
    recorder.body = fixture("lookup.json")
    dispatcher.lookupPhoneNumber(PhoneNumber="(415) 555-0100", CountryCode="US", Fields="caller_name")
    (request,) = recorder.sent
    assert request.url == (
        "https://lookups.twilio.com/v2/PhoneNumbers/%28415%29%20555-0100?Fields=caller_name&CountryCode=US")


@pytest.mark.parametrize(("name", "args", "field"), [
    ("updateCall", {"CallSid": "CA" + "1" * 32, "Status": "in-progress"}, "Status"),
    ("updateCall", {"CallSid": "CA" + "1" * 32, "Status": "busy"}, "Status"),
    ("updateMessage", {"MessageSid": "SM" + "2" * 32, "Status": "delivered"}, "Status"),
    ("updateMessage", {"MessageSid": "SM" + "2" * 32, "Body": "rewritten"}, "Body"),
    ("updateMessage", {"MessageSid": "SM" + "2" * 32}, "Body/Status"),
    ("updateCall", {"CallSid": "CA" + "1" * 32}, "Status/Url/Twiml/TimeLimit/StatusCallback"),
    ("updateCall", {"CallSid": "CA" + "1" * 32, "Status": "completed", "Url": "https://example.com/t"},
     "Status/Url"),
    ("lookupPhoneNumber", {"PhoneNumber": "+15558675310", "Fields": ["carrier"]}, "Fields[1]"),
    ("createVerification", {"ServiceSid": "VA123", "To": "+15558675310", "Channel": "sms"}, "ServiceSid"),
    ("createVerification", {"ServiceSid": SERVICE_SID, "To": "+15558675310", "Channel": "pigeon"}, "Channel"),
    ("checkVerification", {"ServiceSid": SERVICE_SID, "Code": "123456"}, "To/VerificationSid"),
])
def test_values_twilio_does_not_accept_are_refused_before_sending(name: str, args: dict[str, Any], field: str) -> None:
    dispatcher, recorder = recording_dispatcher()
    with pytest.raises(TwilioError) as info:
        dispatcher.call(name, args)
    assert recorder.sent == []
    assert field in [d["field"] for d in info.value.details]


def test_an_empty_body_is_sent_as_the_redaction() -> None:
    dispatcher, recorder = recording_dispatcher()
    recorder.body = fixture("message_redacted.json")
    assert dispatcher.updateMessage(MessageSid="SM" + "2" * 32, Body="")["body"] == ""
    assert recorder.sent[0].body == "Body="


# --- the loader -------------------------------------------------------------------------------------------

def _main_doc(**extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.3", "servers": [{"url": "https://api.example.com"}],
        "components": {"parameters": {"Token": {"name": "AuthToken", "in": "header", "x-credential": "token",
                                                "schema": {"type": "string"}}}},
        "paths": {"/one": {"get": {"operationId": "one", "parameters": [{"$ref": "#/components/parameters/Token"}],
                                   "responses": {"204": {"description": "none"}}}}},
        **extra,
    }


def _other_doc() -> dict[str, Any]:
    return {
        "servers": [{"url": "https://other.example.com/"}],
        "x-argument-formats": {"code": {"pattern": "^[0-9]{4}$", "says": "four digits"}},
        "paths": {
            "/two/{Code}": {"get": {"operationId": "two", "parameters": [
                {"$ref": "#/components/parameters/Token"},
                {"name": "Code", "in": "path", "required": True, "schema": {"type": "string", "format": "code"}}],
                "responses": {"204": {"description": "none"}}}},
            "/three": {"servers": [{"url": "https://third.example.com"}],
                       "get": {"operationId": "three", "responses": {"204": {"description": "none"}}}},
        },
    }


def test_included_files_bring_their_servers_and_use_the_main_files_components() -> None:
    spec = build_spec(_main_doc(), [_other_doc()])
    assert [(op.name, op.server) for op in spec.operations.values()] == [
        ("one", "https://api.example.com"), ("two", "https://other.example.com"), ("three", "https://third.example.com")]
    two = spec.operation("two")
    assert two.arguments["AuthToken"].credential == "token"
    assert two.arguments["Code"].pattern == "^[0-9]{4}$"
    assert spec.servers == ("https://api.example.com", "https://other.example.com", "https://third.example.com")


def test_a_component_defined_differently_in_two_files_is_an_error() -> None:
    other = _other_doc()
    other["components"] = {"parameters": {"Token": {"name": "AuthToken", "in": "query", "schema": {}}}}
    with pytest.raises(ValueError, match="components/parameters/Token"):
        build_spec(_main_doc(), [other])


def test_load_spec_reads_x_include_beside_the_main_file(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(_other_doc(), sort_keys=False), encoding="utf-8")
    main = tmp_path / "main.yaml"
    main.write_text(yaml.safe_dump(_main_doc(**{"x-include": ["other.yaml"]})), encoding="utf-8")
    assert list(load_spec(main).operations) == ["one", "two", "three"]
    for bad in ("../other.yaml", "/etc/passwd", "sub/other.yaml", "other.txt"):
        main.write_text(yaml.safe_dump(_main_doc(**{"x-include": [bad]})), encoding="utf-8")
        with pytest.raises(ValueError, match="x-include"):
            load_spec(main)


def test_a_base_url_that_is_twilios_own_host_means_twilio() -> None:
    dispatcher, recorder = recording_dispatcher(base_url="https://api.twilio.com/")
    recorder.body = fixture("lookup.json")
    dispatcher.lookupPhoneNumber(PhoneNumber="+15558675310")
    assert urlsplit(recorder.sent[0].url).netloc == "lookups.twilio.com"


def test_the_async_dispatcher_maps_the_hosts_the_same_way() -> None:
    from adapter import AsyncDispatcher

    regional = AsyncDispatcher(ACCOUNT_SID, AUTH_TOKEN, edge="sydney", region="au1", environ={})
    assert regional.base_urls == {
        "https://api.twilio.com": "https://api.sydney.au1.twilio.com",
        "https://lookups.twilio.com": "https://lookups.sydney.au1.twilio.com",
        "https://verify.twilio.com": "https://verify.sydney.au1.twilio.com",
    }
    local = AsyncDispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url="http://127.0.0.1:9/", environ={})
    assert set(local.base_urls.values()) == {"http://127.0.0.1:9"}
