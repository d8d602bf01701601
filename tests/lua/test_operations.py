"""Every operation through Lua, with the wire checked: method, exact path, query/form fields, Basic auth."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from tests.wire import WireMock

from adapter.lua import LuaHost
from adapter.simulator import Simulator

from .conftest import ACCOUNT, MOCK_BASE, TOKEN, basic

CALL = "CA" + "1" * 32
MSG = "MM" + "2" * 32
MEDIA = "ME" + "3" * 32
SERVICE = "VA" + "4" * 32
VERIFICATION = "VE" + "5" * 32
ROOT = f"/2010-04-01/Accounts/{ACCOUNT}"
OTHER_ACCOUNT = "AC" + "f" * 32
OTHER_TOKEN = "other-token-0123456789"

# operation, Lua arguments, method, path, expected query, expected form, status, body
CASES = [
    ("createCall",
     '{From = "+15005550006", To = "+15558675310", Url = "https://example.com/t.xml", Timeout = 30, '
     'Record = true, StatusCallbackEvent = {"initiated", "completed"}, IfMachine = "Continue"}',
     "POST", f"{ROOT}/Calls.json", [],
     [("To", "+15558675310"), ("From", "+15005550006"), ("Url", "https://example.com/t.xml"),
      ("StatusCallbackEvent", "initiated"), ("StatusCallbackEvent", "completed"), ("Timeout", "30"),
      ("Record", "true"), ("MachineDetection", "Enable")],
     201, {"sid": CALL, "status": "queued"}),
    ("listCall", "", "GET", f"{ROOT}/Calls.json", [], [], 200,
     {"calls": [{"sid": CALL}], "page": 0, "page_size": 50, "next_page_uri": None}),
    ("listCall", '{Status = "completed", ["StartTime>"] = "2026-01-01", PageSize = 20}', "GET",
     f"{ROOT}/Calls.json", [("Status", "completed"), ("StartTime>", "2026-01-01"), ("PageSize", "20")], [], 200,
     {"calls": [], "page": 0, "page_size": 20, "next_page_uri": None}),
    ("getCall", f'{{CallSid = "{CALL}"}}', "GET", f"{ROOT}/Calls/{CALL}.json", [], [], 200,
     {"sid": CALL, "status": "completed"}),
    ("deleteCall", f'{{CallSid = "{CALL}"}}', "DELETE", f"{ROOT}/Calls/{CALL}.json", [], [], 204, None),
    ("postMessage",
     '{From = "+15005550006", To = "+15558675310", Body = "Pump 3 ☃ overheated", '
     'MediaUrl = {"https://example.com/a.png", "https://example.com/b.jpg"}, MaxPrice = 0.5, '
     'ProvideFeedback = false}',
     "POST", f"{ROOT}/Messages.json", [],
     [("To", "+15558675310"), ("From", "+15005550006"), ("Body", "Pump 3 ☃ overheated"),
      ("MediaUrl", "https://example.com/a.png"), ("MediaUrl", "https://example.com/b.jpg"), ("MaxPrice", "0.5"),
      ("ProvideFeedback", "false")],
     201, {"sid": MSG, "status": "queued"}),
    ("listMessage", "", "GET", f"{ROOT}/Messages.json", [], [], 200,
     {"messages": [], "page": 0, "page_size": 50, "next_page_uri": None}),
    ("listMessage", '{To = "+15558675310", ["DateSent<"] = "2026-11-01"}', "GET", f"{ROOT}/Messages.json",
     [("To", "+15558675310"), ("DateSent<", "2026-11-01")], [], 200,
     {"messages": [], "page": 0, "page_size": 50, "next_page_uri": None}),
    ("getMessage", f'{{MessageSid = "{MSG}"}}', "GET", f"{ROOT}/Messages/{MSG}.json", [], [], 200,
     {"sid": MSG}),
    ("deleteMessage", f'{{MessageSid = "{MSG}"}}', "DELETE", f"{ROOT}/Messages/{MSG}.json", [], [], 204, None),
    ("listMedia", f'{{MessageSid = "{MSG}", PageSize = 5}}', "GET", f"{ROOT}/Messages/{MSG}/Media.json",
     [("PageSize", "5")], [], 200, {"media_list": [{"sid": MEDIA}], "page": 0, "next_page_uri": None}),
    ("getMedia", f'{{MessageSid = "{MSG}", MediaSid = "{MEDIA}"}}', "GET",
     f"{ROOT}/Messages/{MSG}/Media/{MEDIA}.json", [], [], 200, {"sid": MEDIA, "content_type": "image/png"}),
    ("deleteMedia", f'{{MessageSid = "{MSG}", MediaSid = "{MEDIA}"}}', "DELETE",
     f"{ROOT}/Messages/{MSG}/Media/{MEDIA}.json", [], [], 204, None),
    ("updateCall", f'{{CallSid = "{CALL}", Status = "completed"}}', "POST", f"{ROOT}/Calls/{CALL}.json", [],
     [("Status", "completed")], 200, {"sid": CALL, "status": "completed"}),
    ("updateCall", f'{{CallSid = "{CALL}", Twiml = "<Response><Hangup/></Response>", TimeLimit = 60}}', "POST",
     f"{ROOT}/Calls/{CALL}.json", [], [("Twiml", "<Response><Hangup/></Response>"), ("TimeLimit", "60")], 200,
     {"sid": CALL, "status": "in-progress"}),
    ("updateMessage", f'{{MessageSid = "{MSG}", Body = ""}}', "POST", f"{ROOT}/Messages/{MSG}.json", [],
     [("Body", "")], 200, {"sid": MSG, "body": ""}),
    # With a base URL every API host is served from it, path unchanged (tests/client/test_hosts.py has the hosts).
    ("lookupPhoneNumber", '{PhoneNumber = "+1 (555) 867-5310", Fields = {"validation", "caller_name"}}', "GET",
     "/v2/PhoneNumbers/%2B1%20%28555%29%20867-5310", [("Fields", "validation,caller_name")], [], 200,
     {"phone_number": "+15558675310", "valid": True, "validation_errors": []}),
    ("createVerification", f'{{ServiceSid = "{SERVICE}", To = "+15558675310", Channel = "sms"}}', "POST",
     f"/v2/Services/{SERVICE}/Verifications", [], [("To", "+15558675310"), ("Channel", "sms")], 201,
     {"sid": VERIFICATION, "status": "pending"}),
    ("checkVerification", f'{{ServiceSid = "{SERVICE}", To = "+15558675310", Code = "123456"}}', "POST",
     f"/v2/Services/{SERVICE}/VerificationCheck", [], [("Code", "123456"), ("To", "+15558675310")], 200,
     {"sid": VERIFICATION, "status": "approved"}),
]


def test_every_operation_is_covered() -> None:
    from adapter.client.spec import default_spec

    assert {case[0] for case in CASES} == set(default_spec().operations)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_operation_on_the_wire(case: tuple, mocked: WireMock, mock_host: LuaHost) -> None:
    name, lua_args, method, path, query, form, status, body = case
    mocked.add(method, MOCK_BASE + path, status=status, json=body) if body is not None else mocked.add(
        method, MOCK_BASE + path, status=status
    )
    call = f"Twilio.{name}({lua_args})" if lua_args else f"Twilio.{name}()"
    result = mock_host.run(f"local res, err = {call}\nreturn {{res = res, err = err, kind = type(res)}}")

    assert len(mocked.calls) == 1
    request = mocked.calls[0].request
    split = urlsplit(request.url)
    assert request.method == method
    assert split.path == path
    assert parse_qsl(split.query) == query
    assert request.headers["Authorization"] == basic(ACCOUNT, TOKEN)
    if method == "POST":
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert parse_qsl(request.body, keep_blank_values=True) == form
    else:
        assert not request.body
    assert result.get("err") is None
    if body is None:
        assert result == {"kind": "nil"}  # deletes return nil
    else:
        assert result["kind"] == "table"
        assert result["res"] == _round_trip(body)


def _round_trip(value):
    """What JSON becomes after a trip through Lua: null is nil (the key is absent) and an empty array is an
    empty table, which comes back as an empty dict."""
    if isinstance(value, dict):
        return {k: _round_trip(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_round_trip(v) for v in value] if value else {}
    return value


def test_credential_override_signs_with_the_script_credentials(mocked: WireMock,
                                                                mock_host: LuaHost) -> None:
    path = f"/2010-04-01/Accounts/{OTHER_ACCOUNT}/Messages.json"
    mocked.add("GET", MOCK_BASE + path, json={"messages": [], "next_page_uri": None})
    out = mock_host.run(f'return Twilio.listMessage{{AccountSid = "{OTHER_ACCOUNT}", AuthToken = "{OTHER_TOKEN}"}}')
    assert out["messages"] == {}  # an empty Lua table comes back as an empty dict
    request = mocked.calls[0].request
    assert urlsplit(request.url).path == path
    assert request.headers["Authorization"] == basic(OTHER_ACCOUNT, OTHER_TOKEN)
    assert "AuthToken" not in (request.url + str(request.headers.get("AuthToken")))


def test_host_can_forbid_credentials_in_scripts(mocked: WireMock, mock_dispatcher) -> None:
    host = LuaHost(mock_dispatcher, allow_credential_override=False)
    out = host.run(f'local r, e = Twilio.listMessage{{AuthToken = "{OTHER_TOKEN}"}} return e')
    assert out["type"] == "validation" and out["status"] == 400
    assert out["details"] == [{"field": "AuthToken", "error": "may not be set by scripts on this host"}]
    assert len(mocked.calls) == 0


def test_every_operation_against_the_simulator(sim: Simulator, sim_host: LuaHost) -> None:
    script = r"""
    local out = {}
    local call = assert(Twilio.createCall{From = "+15005550006", To = "+15558675310",
                                          Twiml = "<Response><Say>Hi</Say></Response>"})
    out.call = call.sid
    out.listed_calls = #Twilio.listCall().calls
    out.call_status = Twilio.getCall{CallSid = call.sid}.status
    out.call_deleted = Twilio.deleteCall{CallSid = call.sid} == nil
    local msg = Twilio.postMessage{From = "+15005550006", To = "+15558675310", Body = "héllo ☃",
                                   MediaUrl = {"https://example.com/a.png", "https://example.com/b.jpg"}}
    out.msg = msg.sid
    out.listed_messages = #Twilio.listMessage().messages
    out.body = Twilio.getMessage{MessageSid = msg.sid}.body
    local media = Twilio.listMedia{MessageSid = msg.sid}.media_list
    out.media_count = #media
    out.media_type = Twilio.getMedia{MessageSid = msg.sid, MediaSid = media[1].sid}.content_type
    out.media_deleted = Twilio.deleteMedia{MessageSid = msg.sid, MediaSid = media[1].sid} == nil
    out.msg_deleted = Twilio.deleteMessage{MessageSid = msg.sid} == nil
    local gone, err = Twilio.getMessage{MessageSid = msg.sid}
    out.gone_status, out.gone_same = err.status, gone == err
    return out
    """
    out = sim_host.run(script)
    assert out["call"].startswith("CA") and out["msg"].startswith("MM")
    assert out["listed_calls"] == 1 and out["listed_messages"] == 1
    assert out["call_status"] == "completed"
    assert out["body"] == "héllo ☃"
    assert out["media_count"] == 2 and out["media_type"] in ("image/png", "image/jpeg")
    assert out["call_deleted"] and out["media_deleted"] and out["msg_deleted"]
    assert out["gone_status"] == 404 and out["gone_same"] is True
    wire = [(r.method, r.path.removeprefix(f"/2010-04-01/Accounts/{sim.account_sid}"), r.status) for r in sim.requests]
    assert wire == [
        ("POST", "/Calls.json", 201),
        ("GET", "/Calls.json", 200),
        ("GET", f"/Calls/{out['call']}.json", 200),
        ("DELETE", f"/Calls/{out['call']}.json", 204),
        ("POST", "/Messages.json", 201),
        ("GET", "/Messages.json", 200),
        ("GET", f"/Messages/{out['msg']}.json", 200),
        ("GET", f"/Messages/{out['msg']}/Media.json", 200),
        (wire[8][0], wire[8][1], 200),
        (wire[9][0], wire[9][1], 204),
        ("DELETE", f"/Messages/{out['msg']}.json", 204),
        ("GET", f"/Messages/{out['msg']}.json", 404),
    ]
    assert wire[8][1].startswith(f"/Messages/{out['msg']}/Media/ME") and wire[9][0] == "DELETE"
    post = sim.requests[4]
    assert post.form.getlist("MediaUrl") == ["https://example.com/a.png", "https://example.com/b.jpg"]
    assert post.form["Body"] == "héllo ☃"
    assert {r.username for r in sim.requests} == {sim.account_sid}


def test_postmessage_error_from_twilio_is_an_api_error_object(sim: Simulator, sim_host: LuaHost) -> None:
    out = sim_host.run('local r, e = Twilio.postMessage{From = "+15005550006", To = "+15005550009", Body = "x"}'
                       " return {r = r, e = e, same = r == e}")
    assert out["same"] is True
    assert out["e"]["type"] == "api" and out["e"]["code"] == 21614 and out["e"]["status"] == 400
    assert json.dumps(out)  # plain data


def test_the_new_operations_against_the_simulator(sim: Simulator, sim_host: LuaHost) -> None:
    """From Lua to the simulator: hang up, redact, look up, verify; the wire as the simulator saw it."""
    script = f"""
    local call = Twilio.createCall{{From = "+15005550006", To = "+14155552671", Url = "https://example.com/t"}}
    local msg = Twilio.postMessage{{From = "+15005550006", To = "+14155552671", Body = "PIN 4711"}}
    local redacted = Twilio.updateMessage{{MessageSid = msg.sid, Body = ""}}
    local ended, end_err = Twilio.updateCall{{CallSid = call.sid, Status = "completed"}}
    local info = Twilio.lookupPhoneNumber{{PhoneNumber = "+1 (415) 555-2671", Fields = "line_type_intelligence"}}
    local v = Twilio.createVerification{{ServiceSid = "{sim.verify_service_sid}", To = info.phone_number,
                                         Channel = "sms"}}
    local code = string.match(Twilio.listMessage{{To = info.phone_number, PageSize = 1}}.messages[1].body, "(%d+)$")
    local check = Twilio.checkVerification{{ServiceSid = "{sim.verify_service_sid}", VerificationSid = v.sid,
                                           Code = code}}
    return {{body = redacted.body, call_error = end_err and end_err.code, line = info.line_type_intelligence.type,
             status = check.status}}
    """
    out = sim_host.run(script)
    # FAST_TIMINGS: the call has completed at once, so hanging it up answers Twilio's 21220.
    assert out == {"body": "", "call_error": 21220, "line": "mobile", "status": "approved"}
    seen = [(r.method, r.path, r.status) for r in sim.requests]
    root = f"/2010-04-01/Accounts/{sim.account_sid}"
    assert seen[2][0] == "POST" and seen[2][1].startswith(f"{root}/Messages/SM") and seen[2][2] == 200
    assert seen[3][0] == "POST" and seen[3][1].startswith(f"{root}/Calls/CA") and seen[3][2] == 400
    assert seen[4] == ("GET", "/v2/PhoneNumbers/+1 (415) 555-2671", 200)
    assert sim.requests[4].query == {"Fields": "line_type_intelligence"}
    assert seen[5] == ("POST", f"/v2/Services/{sim.verify_service_sid}/Verifications", 201)
    assert seen[7] == ("POST", f"/v2/Services/{sim.verify_service_sid}/VerificationCheck", 200)
    assert dict(sim.requests[2].form) == {"Body": ""} and dict(sim.requests[3].form) == {"Status": "completed"}
    assert all(r.username == sim.account_sid for r in sim.requests)
