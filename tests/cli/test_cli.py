"""The twilio-lua command line: ops, call, and the module entry point."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from urllib.parse import parse_qs

from collections.abc import Iterator
from typing import Any

import pytest

from adapter import Dispatcher
from adapter.cli import main, parse_key_values
from adapter.simulator.history import DEFAULT_HISTORY
from tests.wire import WireMock

ACCOUNT = "AC" + "1" * 32
TOKEN = "cli-secret-token-0123456789"
BASE = "https://api.twilio.test"
EXPECTED_OPS = sorted([
    "createCall", "deleteCall", "deleteMedia", "deleteMessage", "getCall", "getMedia", "getMessage",
    "listCall", "listMedia", "listMessage", "postMessage",
    "updateCall", "updateMessage", "lookupPhoneNumber", "createVerification", "checkVerification",
])


@pytest.fixture(autouse=True)
def no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        monkeypatch.delenv(name, raising=False)


def test_ops_lists_exactly_the_sixteen_operations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ops", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(op["name"] for op in listed) == EXPECTED_OPS


def test_ops_text_shows_arguments_and_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ops", "postMessage"]) == 0
    out = capsys.readouterr().out
    assert "POST" in out and "/2010-04-01/Accounts/{AccountSid}/Messages.json" in out
    assert "* To" in out  # required marker
    assert "one of: Body, MediaUrl, ContentSid" in out
    assert "Twilio.postMessage" in out  # the Lua example


def test_ops_unknown_operation_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ops", "sendFax"]) == 2
    assert "is not an operation" in capsys.readouterr().err


def test_parse_key_values_repeats_become_lists() -> None:
    assert parse_key_values(["To=+1555", "MediaUrl=a", "MediaUrl=b", "MediaUrl=c", "Body=x=y"]) == {
        "To": "+1555", "MediaUrl": ["a", "b", "c"], "Body": "x=y",
    }
    with pytest.raises(ValueError):
        parse_key_values(["NoEquals"])


@pytest.fixture
def mocked() -> Iterator[WireMock]:
    """A stub Twilio on loopback (tests/wire.py); commands reach it with ``--base-url mocked.url``."""
    with WireMock() as mock:
        yield mock


def test_call_sends_the_request_and_prints_the_result(capsys: pytest.CaptureFixture[str], mocked: WireMock) -> None:
    mocked.add("POST", f"{BASE}/2010-04-01/Accounts/{ACCOUNT}/Messages.json", json={"sid": "SM" + "a" * 32},
               status=201)
    code = main([
        "call", "postMessage", "To=+15558675310", "From=+15005550006", "Body=hi",
        "MediaUrl=https://example.com/a.png", "MediaUrl=https://example.com/b.png", "ValidityPeriod=60",
        "--base-url", mocked.url, "--account-sid", ACCOUNT, "--auth-token", TOKEN,
    ])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"sid": "SM" + "a" * 32}
    (sent,) = mocked.calls
    form = parse_qs(sent.request.body)
    assert form == {
        "To": ["+15558675310"], "From": ["+15005550006"], "Body": ["hi"],
        "MediaUrl": ["https://example.com/a.png", "https://example.com/b.png"], "ValidityPeriod": ["60"],
    }
    user, _, password = base64.b64decode(sent.request.headers["Authorization"].split()[1]).decode().partition(":")
    assert (user, password) == (ACCOUNT, TOKEN)


def test_call_prints_the_error_object_and_exits_1(capsys: pytest.CaptureFixture[str], mocked: WireMock) -> None:
    mocked.add(
        "GET", f"{BASE}/2010-04-01/Accounts/{ACCOUNT}/Calls/CA{'b' * 32}.json",
        json={"code": 20404, "message": "The requested resource was not found", "more_info": "x", "status": 404},
        status=404,
    )
    code = main(["call", "getCall", f"CallSid=CA{'b' * 32}", "--base-url", mocked.url,
                 "--account-sid", ACCOUNT, "--auth-token", TOKEN])
    out = capsys.readouterr().out
    assert code == 1
    error = json.loads(out)
    assert (error["type"], error["status"], error["code"]) == ("api", 404, 20404)
    assert TOKEN not in out


def test_call_with_invalid_arguments_sends_nothing(capsys: pytest.CaptureFixture[str], mocked: WireMock) -> None:
    code = main(["call", "postMessage", "To=12345", "body=hi", "--base-url", mocked.url,
                 "--account-sid", ACCOUNT, "--auth-token", TOKEN])
    error = json.loads(capsys.readouterr().out)
    assert code == 1
    assert error["type"] == "validation" and error["status"] == 400
    assert {d["field"] for d in error["details"]} >= {"To", "body"}
    assert len(mocked.calls) == 0


def test_call_without_credentials_uses_the_embedded_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["call", "postMessage", "To=+15558675310", "From=+15005550006", "Body=hello simulator"])
    captured = capsys.readouterr()
    assert code == 0, captured
    message = json.loads(captured.out)
    assert message["sid"].startswith("SM") and message["body"] == "hello simulator"
    assert "embedded simulator" in captured.err


def test_module_entry_point_runs() -> None:
    done = subprocess.run([sys.executable, "-m", "adapter", "ops", "--json"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 16


def test_call_with_environment_credentials_stays_on_the_simulator(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    targets: list[str] = []
    real_init = Dispatcher.__init__

    def spy(self: Dispatcher, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        targets.append(self.base_url)

    monkeypatch.setattr(Dispatcher, "__init__", spy)
    code = main(["call", "listMessage"])
    captured = capsys.readouterr()
    history = [entry.form["Body"] for entry in DEFAULT_HISTORY if entry.collection == "messages"]
    assert code == 0 and [m["body"] for m in json.loads(captured.out)["messages"]] == history[::-1]
    assert targets and all(url.startswith("http://127.0.0.1:") for url in targets)
    assert "--live was not given" in captured.err


def test_call_credential_flags_need_a_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["call", "listMessage", "--account-sid", ACCOUNT, "--auth-token", TOKEN]) == 2
    assert "add --live" in capsys.readouterr().err


def test_ops_into_a_closed_pipe_stops_quietly() -> None:
    # The reading end is closed before the command writes, so its first write meets a broken pipe.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "adapter", "ops"], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert "Traceback" not in done.stderr


# --- issue 14: the new operations from the command line --------------------------------------------------------

def test_lookup_and_verify_against_the_embedded_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    from adapter.simulator import TEST_ACCOUNT_SID
    from adapter.simulator.verify import Verify

    assert main(["call", "lookupPhoneNumber", "PhoneNumber=(415) 555-2671", "CountryCode=US",
                 "Fields=line_type_intelligence,caller_name"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["phone_number"], info["valid"], info["line_type_intelligence"]["type"]) == (
        "+14155552671", True, "mobile")
    service = Verify.default_service_sid(TEST_ACCOUNT_SID)  # documented: the same in every run
    assert main(["call", "createVerification", f"ServiceSid={service}", "To=+14155552671", "Channel=sms"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "pending"
    # The embedded simulator remembers between commands: the code arrived as a message, and checks out.
    assert main(["call", "listMessage", "To=+14155552671", "PageSize=1"]) == 0
    code = json.loads(capsys.readouterr().out)["messages"][0]["body"].rsplit(" ", 1)[-1]
    assert main(["call", "checkVerification", f"ServiceSid={service}", "To=+14155552671", f"Code={code}"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "approved"
    # With --state :memory: each command has a simulator of its own: the next one knows no verification.
    assert main(["call", "createVerification", f"ServiceSid={service}", "To=+14155552671", "Channel=sms",
                 "--state", ":memory:"]) == 0
    capsys.readouterr()
    assert main(["call", "checkVerification", f"ServiceSid={service}", "To=+14155552671", "Code=123456",
                 "--state", ":memory:"]) == 1
    assert json.loads(capsys.readouterr().out)["code"] == 20404


def test_new_operations_against_a_running_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    from adapter.simulator import Clock, Simulator

    clock = Clock()
    with Simulator(clock=clock) as sim:
        target = ["--base-url", sim.base_url]
        assert main(["call", "createCall", "To=+14155552671", "From=+15005550006", "Url=https://example.com/t",
                     *target]) == 0
        call = json.loads(capsys.readouterr().out)
        clock.advance(2.5)
        assert main(["call", "updateCall", f"CallSid={call['sid']}", "Status=completed", *target]) == 0
        assert json.loads(capsys.readouterr().out)["status"] == "completed"
        request = sim.requests[-1]
        assert (request.method, request.path, dict(request.form)) == (
            "POST", f"/2010-04-01/Accounts/{sim.account_sid}/Calls/{call['sid']}.json", {"Status": "completed"})

        assert main(["call", "postMessage", "To=+14155552671", "From=+15005550006", "Body=PIN 4711", *target]) == 0
        message = json.loads(capsys.readouterr().out)
        clock.advance(5)
        assert main(["call", "updateMessage", f"MessageSid={message['sid']}", "Body=", *target]) == 0
        assert json.loads(capsys.readouterr().out)["body"] == ""
        assert dict(sim.requests[-1].form) == {"Body": ""}

        assert main(["call", "lookupPhoneNumber", "PhoneNumber=+14155552671", "Fields=caller_name", *target]) == 0
        capsys.readouterr()
        assert (sim.requests[-1].method, sim.requests[-1].path, sim.requests[-1].query) == (
            "GET", "/v2/PhoneNumbers/+14155552671", {"Fields": "caller_name"})

        service = sim.verify_service_sid
        assert main(["call", "createVerification", f"ServiceSid={service}", "To=+14155552671", "Channel=sms",
                     *target]) == 0
        capsys.readouterr()
        code = sim.service.store.list("messages", sim.account_sid)[0].data["body"].rsplit(" ", 1)[1]
        assert main(["call", "checkVerification", f"ServiceSid={service}", "To=+14155552671", f"Code={code}",
                     *target]) == 0
        assert json.loads(capsys.readouterr().out)["status"] == "approved"
        request = sim.requests[-1]
        assert (request.path, dict(request.form), request.username) == (
            f"/v2/Services/{service}/VerificationCheck", {"Code": code, "To": "+14155552671"}, sim.account_sid)


def test_a_status_twilio_does_not_accept_is_refused_from_the_command_line(
    capsys: pytest.CaptureFixture[str], mocked: WireMock
) -> None:
    code = main(["call", "updateCall", f"CallSid=CA{'c' * 32}", "Status=ringing", "--base-url", mocked.url,
                 "--account-sid", ACCOUNT, "--auth-token", TOKEN])
    error = json.loads(capsys.readouterr().out)
    assert code == 1 and error["type"] == "validation" and error["details"][0]["field"] == "Status"
    assert len(mocked.calls) == 0
