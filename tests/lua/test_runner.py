"""`twilio-lua run`: target selection, the platform's request/response globals, exit codes."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from adapter.cli import run as runner
from adapter.simulator import Simulator


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="twilio-lua run")
    runner.add_arguments(parser)
    return parser.parse_args(list(argv))


def invoke(*argv: str, environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = runner.run(parse(*argv), stdout=out, stderr=err, environ=environ or {})
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def script(tmp_path: Path):
    def write(text: str, name: str = "endpoint.lua") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def test_without_credentials_the_embedded_simulator_runs(script, private_state_home: Path) -> None:
    path = script('print("sending") response.message = Twilio.postMessage{From = "+15005550006", '
                  'To = "+15558675310", Body = "hi"}')
    code, out, err = invoke(path)
    assert code == 0
    assert json.loads(out)["body"] == "hi"
    state = private_state_home / "twilio-lua-adapter" / "simulator.sqlite"
    assert err.splitlines() == [
        f"twilio-lua: no Twilio credentials set; running against the embedded simulator (records in {state})",
        "sending",
    ]


def test_return_value_wins_over_response_message(script) -> None:
    code, out, _ = invoke(script('response.message = "ignored" return {answer = 42}'))
    assert code == 0 and json.loads(out) == {"answer": 42}
    code, out, _ = invoke(script('response.code = 201 response.message = {list = {1, 2}}'))
    assert code == 0 and json.loads(out) == {"list": [1, 2]}
    code, out, _ = invoke(script("local x = 1"))
    assert code == 0 and out.strip() == "null"


def test_request_file_becomes_the_request_table(script, tmp_path: Path) -> None:
    request = tmp_path / "req.json"
    request.write_text(json.dumps({"body": {"to": "+15558675310"}, "parameters": {"id": "7"}}))
    code, out, _ = invoke(script("return {to = request.body.to, id = request.parameters.id}"), "--request",
                          str(request))
    assert code == 0 and json.loads(out) == {"to": "+15558675310", "id": "7"}


def test_an_error_object_still_exits_zero(script) -> None:
    code, out, _ = invoke(script('response.message = Twilio.getMessage{MessageSid = "SM' + "0" * 32 + '"}'))
    assert code == 0 and json.loads(out)["status"] == 404


@pytest.mark.parametrize("text, reason", [
    ("error('broken on purpose')", "runtime: endpoint.lua:1: broken on purpose"),
    ("while true do end", "instruction_limit: endpoint.lua: instruction limit exceeded"),
    ("x = = 1", "syntax: endpoint.lua:1:"),
    ("return print", "result: endpoint.lua: the script's result"),
])
def test_failing_scripts_exit_two_with_one_line(text: str, reason: str, script) -> None:
    code, out, err = invoke(script(text))
    assert code == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"twilio-lua: {reason}"), last


def test_missing_file_and_bad_request(script, tmp_path: Path) -> None:
    code, _, err = invoke(str(tmp_path / "nope.lua"))
    assert code == 2 and err.startswith("twilio-lua: cannot read") and len(err.splitlines()) == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = invoke(script("return 1"), "--request", str(bad))
    assert code == 2 and "is not valid JSON" in err and len(err.splitlines()) == 1
    bad.write_text("[1, 2]")
    code, _, err = invoke(script("return 1"), "--request", str(bad))
    assert code == 2 and "must hold a JSON object" in err


def test_live_needs_credentials(script) -> None:
    code, _, err = invoke(script("return 1"), "--live")
    assert code == 2 and err == "twilio-lua: --live needs the account SID: --account-sid or TWILIO_ACCOUNT_SID\n"
    code, _, err = invoke(script("return 1"), "--live", environ={"TWILIO_ACCOUNT_SID": "AC" + "0" * 32})
    assert code == 2 and err.startswith("twilio-lua: --live needs credentials: --auth-token or TWILIO_AUTH_TOKEN, ")


def test_base_url_with_environment_credentials(script, sim: Simulator) -> None:
    env = {"TWILIO_ACCOUNT_SID": sim.account_sid, "TWILIO_AUTH_TOKEN": sim.auth_token}
    code, out, err = invoke(script("return Twilio.listMessage().page"), "--base-url", sim.base_url, environ=env)
    assert code == 0 and json.loads(out) == 0 and err == ""
    assert sim.requests[-1].username == sim.account_sid


def test_base_url_without_credentials_uses_the_simulator_built_in_account(script, sim: Simulator) -> None:
    code, out, err = invoke(script("return Twilio.listCall().page"), "--base-url", sim.base_url)
    assert code == 0 and json.loads(out) == 0 and "built-in account" in err


def test_wrong_credentials_give_an_api_error_object(script, sim: Simulator) -> None:
    code, out, _ = invoke(script("return Twilio.listCall()"), "--base-url", sim.base_url, "--account-sid",
                          "AC" + "9" * 32, "--auth-token", "wrong-token-000000")
    assert code == 0 and json.loads(out)["status"] == 401


def test_state_persists_between_runs(script, tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    send = script('return Twilio.postMessage{From = "+15005550006", To = "+15558675310", Body = "kept"}.sid',
                  "send.lua")
    code, out, err = invoke(send, "--state", state)
    assert code == 0 and state in err
    sid = json.loads(out)
    code, out, _ = invoke(script("return Twilio.listMessage().messages[1].sid", "list.lua"), "--state", state)
    assert code == 0 and json.loads(out) == sid


@pytest.mark.parametrize("engine", ["luajit21", "lua51"])
def test_engine_flag(engine: str, script) -> None:
    # Both are Lua 5.1; only LuaJIT's parser knows goto.
    code, out, _ = invoke(script('return _VERSION .. (loadstring("goto x ::x::") and " + goto" or "")'),
                          "--engine", engine)
    assert code == 0
    assert json.loads(out) == ("Lua 5.1" if engine == "lua51" else "Lua 5.1 + goto")


def test_environment_credentials_alone_never_go_live(script) -> None:
    # Someone with TWILIO_* set who tries an example must not send a real, billed message by accident.
    env = {"TWILIO_ACCOUNT_SID": "AC" + "5" * 32, "TWILIO_AUTH_TOKEN": "real-looking-token-123456"}
    code, out, err = invoke(script("return Twilio.listMessage().page"), environ=env)
    assert code == 0 and json.loads(out) == 0
    assert "--live was not given; running against the embedded simulator" in err
    assert "real-looking-token-123456" not in out + err


def test_credential_flags_without_a_target_are_refused(script) -> None:
    code, out, err = invoke(script("return 1"), "--account-sid", "AC" + "5" * 32, "--auth-token", "t" * 20)
    assert code == 2 and out == ""
    assert "add --live for api.twilio.com, or --base-url" in err


def test_live_and_base_url_together_are_refused(script) -> None:
    code, _, err = invoke(script("return 1"), "--live", "--base-url", "http://127.0.0.1:9")
    assert code == 2 and "cannot be used together" in err
