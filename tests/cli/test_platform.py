"""twilio-lua run with the original platform's pieces: endpoint files (--endpoint, --path), event handlers
(--event), modules (--preload), Python services (--services), and `twilio-lua endpoints`."""

from __future__ import annotations

import argparse
import io
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter import Dispatcher
from adapter.cli import main
from adapter.cli import run as runner
from adapter.simulator import Simulator, Timings

FIXTURES = Path(__file__).resolve().parent / "fixtures"
QA = FIXTURES / "qa_solution.lua"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FROM, TO = "+15005550006", "+15558675310"


@pytest.fixture(autouse=True)
def _no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(port=0, timings=Timings(0, 0, 0, 0, 0, 0, 0)) as simulator:
        yield simulator


def run(sim: Simulator | None, script: Path | str, *extra: str) -> tuple[int, Any, str]:
    parser = argparse.ArgumentParser()
    runner.add_arguments(parser)
    target = ["--base-url", sim.base_url, "--account-sid", sim.account_sid, "--auth-token", sim.auth_token] if sim \
        else []
    args = parser.parse_args([str(script), *target, *extra])
    out, err = io.StringIO(), io.StringIO()
    code = runner.run(args, stdout=out, stderr=err, environ={})
    return code, json.loads(out.getvalue()) if out.getvalue() else None, err.getvalue()


def request_file(tmp_path: Path, **request: Any) -> str:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    return str(path)


def test_every_twilio_operation_through_its_section(sim: Simulator, tmp_path: Path) -> None:
    with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as twilio:
        mms = twilio.postMessage(From=FROM, To=TO, Body="with media", MediaUrl=["https://example.com/a.png"])
        media_sid = twilio.listMedia(MessageSid=mms["sid"])["media_list"][0]["sid"]

    def section(route: str, **body: Any) -> Any:
        code, out, err = run(sim, QA, "--endpoint", route, "--request", request_file(tmp_path, body=body))
        assert code == 0, err
        return out

    call = section("POST /twilio/createCall", From=FROM, To=TO, Url="https://example.com/t.xml")
    assert call["sid"].startswith("CA") and sim.requests[-1].form["Url"] == "https://example.com/t.xml"
    assert section("POST /twilio/getCall", CallSid=call["sid"])["sid"] == call["sid"]
    assert [c["sid"] for c in section("POST /twilio/listCall")["calls"]] == [call["sid"]]
    sent = section("POST /twilio/postMessage", From=FROM, To=TO, Body="hello from a section")
    assert sent["body"] == "hello from a section" and sim.requests[-1].form["Body"] == "hello from a section"
    # `response = Twilio.getMessage(...)`: the replaced table is the message.
    assert section("POST /twilio/getMessage", MessageSid=sent["sid"])["sid"] == sent["sid"]
    assert len(section("POST /twilio/listMessage")["messages"]) == 2
    assert section("POST /twilio/getMedia", MessageSid=mms["sid"], MediaSid=media_sid)["sid"] == media_sid
    assert len(section("POST /twilio/listMedia", MessageSid=mms["sid"])["media_list"]) == 1
    assert section("POST /twilio/deleteMedia", MessageSid=mms["sid"], MediaSid=media_sid) is None
    assert (sim.requests[-1].method, sim.requests[-1].status) == ("DELETE", 204)
    assert section("POST /twilio/deleteMessage", MessageSid=sent["sid"]) is None
    assert section("POST /twilio/deleteCall", CallSid=call["sid"]) is None
    error = section("POST /twilio/getCall", CallSid="CA" + "0" * 32)
    assert error["type"] == "api" and error["status"] == 404


def test_path_parameters_from_path_or_endpoint(sim: Simulator, tmp_path: Path) -> None:
    request = request_file(tmp_path, body={"value": {"t": 1}}, parameters={"key": "overridden", "extra": "x"})
    code, out, _ = run(sim, QA, "--endpoint", "POST /keystore/set/{key}", "--path", "/keystore/set/abc",
                       "--request", request)
    assert code == 0 and out == {}
    code, out, _ = run(sim, QA, "--endpoint", "GET /keystore/key/abc")
    assert code == 0 and out == {"value": {"t": 1}}  # the Keystore keeps its values in the (default) state file
    code, out, _ = run(sim, QA, "--endpoint", "GET /keystore/key/abc", "--state", ":memory:")
    assert code == 0 and out == {}  # ... and :memory: keeps them for one run only
    code, out, _ = run(sim, QA, "--path", "/request?x=1&x=2")
    assert code == 0
    assert out == {"method": "GET", "path": "/request", "parameters": {"x": ["1", "2"]}, "body_type": "table",
                   "headers_type": "table", "route": "GET /request"}
    code, out, _ = run(sim, QA, "--endpoint", "GET /status/201")
    assert code == 0 and out == {"code": 201}


def test_keystore_persists_in_the_state_file(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite")
    request = request_file(tmp_path, body={"value": [1, "two", {"three": 3}]})
    assert run(None, QA, "--state", state, "--endpoint", "POST /keystore/set/k1", "--request", request)[0] == 0
    code, out, _ = run(None, QA, "--state", state, "--endpoint", "GET /keystore/key/k1")
    assert code == 0 and out == {"value": [1, "two", {"three": 3}]}
    assert run(None, QA, "--state", state, "--endpoint", "GET /keystore/list")[1] == {"keys": ["k1"]}
    assert run(None, QA, "--state", state, "--endpoint", "DELETE /keystore/key/k1")[1] is None
    assert run(None, QA, "--state", state, "--endpoint", "GET /keystore/list")[1] == {"keys": {}}


def test_json_helpers_and_the_default_request(sim: Simulator, tmp_path: Path) -> None:
    code, out, _ = run(sim, QA, "--endpoint", "POST /json/echo",
                       "--request", request_file(tmp_path, body={"items": [1, 2, 3], "name": "é"}))
    assert code == 0 and out == {"decoded": {"items": [1, 2, 3], "name": "é"}, "text": '{"n":3}'}
    code, out, _ = run(sim, QA, "--endpoint", "POST /json/echo")
    assert code == 0 and out == {"decoded": {}, "text": '{"n":0}'}  # body is {} without --request


@pytest.mark.parametrize(("extra", "message"), [
    ([], "has 18 endpoints; choose one with --endpoint"),
    (["--endpoint", "GET /nope"], "no endpoint in"),
    (["--endpoint", "/nope"], "expected METHOD /path"),
    (["--path", "/nope"], "no endpoint in"),
    (["--path", "/keystore/key/a"], "2 endpoints (add --endpoint)"),
    (["--path", "nope"], "--path must start with /"),
    (["--endpoint", "GET /keystore/key/{key}", "--path", "/other/x"], "does not match the route"),
])
def test_bad_endpoint_choices_are_one_line(sim: Simulator, extra: list[str], message: str) -> None:
    code, out, err = run(sim, QA, *extra)
    assert code == 2 and out is None
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 1 and message in lines[0], err
    if "no endpoint" in message:
        assert "routes: POST /twilio/createCall" in lines[0]


@pytest.mark.parametrize(("source", "message"), [
    ("--#ENDPOINT GET /a\nreturn 1\n--#ENDPOINT GET /a\nreturn 2\n", "the route GET /a repeats GET /a"),
    ("--#ENDPOINT /a\nreturn 1\n", "needs a method and a path"),
])
def test_bad_files_are_one_line(tmp_path: Path, source: str, message: str) -> None:
    script = tmp_path / "bad.lua"
    script.write_text(source)
    code, _, err = run(None, script, "--endpoint", "GET /a")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert main(["endpoints", str(script)]) == 2


def test_a_file_without_sections_runs_whole(sim: Simulator, tmp_path: Path) -> None:
    script = tmp_path / "plain.lua"
    script.write_text("return {method = request.method, body = request.body, data = data}")
    assert run(sim, script) == (0, {"method": "POST", "body": {}, "data": {}}, "")
    code, _, err = run(sim, script, "--endpoint", "POST /x")
    assert code == 2 and "has no --#ENDPOINT sections" in err


def test_the_one_endpoint_per_file_layout(sim: Simulator, tmp_path: Path) -> None:
    folder = tmp_path / "endpoints"
    (folder / "users").mkdir(parents=True)
    (folder / "sms.post.lua").write_text("return {to = request.body.to or 'nobody'}")
    (folder / "users" / "{id}.get.lua").write_text("return {id = request.parameters.id}")
    assert run(sim, folder / "sms.post.lua")[1] == {"to": "nobody"}
    assert run(sim, folder, "--endpoint", "GET /users/42")[1] == {"id": "42"}
    assert run(sim, folder, "--path", "/sms")[1] == {"to": "nobody"}


def test_a_solution_folder_runs_its_modules_first(sim: Simulator, tmp_path: Path) -> None:
    (tmp_path / "endpoints").mkdir()
    (tmp_path / "modules").mkdir()
    (tmp_path / "endpoints" / "greet.get.lua").write_text("return greet(request.parameters.who or 'you')")
    (tmp_path / "modules" / "util.lua").write_text("function greet(who) return 'hi ' .. who end")
    assert run(sim, tmp_path, "--path", "/greet?who=ann") == (0, "hi ann", "")
    assert main(["endpoints", str(tmp_path)]) == 0


def test_event_handler_with_event_and_preload(sim: Simulator, tmp_path: Path) -> None:
    module = tmp_path / "limits.lua"
    module.write_text("LIMIT = 50\nfunction too_hot(t) return t > LIMIT end\n")
    handler = tmp_path / "handler.lua"
    handler.write_text(textwrap.dedent("""
        local t = data.value[2]
        if too_hot(t) then
          local out = Twilio.postMessage{From = "+15005550006", To = "+15558675310",
                                         Body = data.device_sn .. " at " .. t}
          return {alert = true, sid = out.sid}
        end
        return {alert = false, limit = LIMIT}
    """))
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"alias": "temperature", "device_sn": "pump-3", "value": [1764460800, 61]}))
    code, out, err = run(sim, handler, "--event", str(event), "--preload", str(module))
    assert code == 0, err
    assert out["alert"] is True and sim.requests[-1].form["Body"] == "pump-3 at 61"
    event.write_text(json.dumps({"alias": "temperature", "device_sn": "pump-3", "value": [1764460800, 20]}))
    assert run(sim, handler, "--event", str(event), "--preload", str(module))[1] == {"alert": False, "limit": 50}
    code, _, err = run(sim, handler, "--event", str(event))
    assert code == 2 and "attempt to call global 'too_hot'" in err


@pytest.mark.parametrize(("content", "message"), [("[1, 2]", "must hold a JSON object"),
                                                  ("{bad", "is not valid JSON")])
def test_event_files_that_are_not_objects(tmp_path: Path, content: str, message: str) -> None:
    event = tmp_path / "event.json"
    event.write_text(content)
    code, _, err = run(None, EXAMPLES / "overheat_handler.lua", "--event", str(event))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_the_overheat_example_alerts_once_per_incident(sim: Simulator, tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite")
    event = tmp_path / "event.json"

    def reading(temperature: int) -> dict[str, Any]:
        event.write_text(json.dumps({"alias": "temperature", "device_sn": "pump-7", "value": [1, temperature]}))
        code, out, err = run(None, EXAMPLES / "overheat_handler.lua", "--event", str(event), "--state", state)
        assert code == 0, err
        return out

    first = reading(95)
    assert first["alert"] is True and first["sid"].startswith("SM")
    assert reading(97) == {"ok": True, "device": "pump-7", "temperature": 97, "alert": False,
                           "already_alerted": True}
    assert reading(60)["alert"] is False
    assert reading(90)["alert"] is True


def test_services_from_a_python_module(sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "myhost_services.py").write_text(textwrap.dedent("""
        from adapter.lua import ServiceError

        class Tsdb:
            def __init__(self):
                self.points = []
            def write(self, metrics, tags=None):
                if not isinstance(metrics, dict):
                    raise ServiceError("metrics must be a table", type="validation")
                self.points.append((metrics, tags))
                return {"written": len(self.points)}

        def make():
            return {"Tsdb": Tsdb(), "Email": {"send": lambda to, subject: {"queued": to}}}

        SERVICES = make()
        NOT_A_MAPPING = 3
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "myhost_services", raising=False)
    script = tmp_path / "uses.lua"
    script.write_text("local a = Tsdb.write{metrics = {t = 1}} local _, e = Tsdb.write{metrics = 3} "
                      "return {a.written, e.error, Email.send{to = 'x@example.com', subject = 's'}.queued, "
                      "Keystore.list{}.keys ~= nil}")
    code, out, err = run(sim, script, "--services", "myhost_services:SERVICES")
    assert code == 0, err
    assert out == [1, "metrics must be a table", "x@example.com", True]
    assert run(sim, script, "--services", "myhost_services:make")[0] == 0
    for spec, message in [("myhost_services", "expects MODULE:ATTR"), ("nope_module:X", "cannot import nope_module"),
                          ("myhost_services:Missing", "has no attribute Missing"),
                          ("myhost_services:NOT_A_MAPPING", "must name a mapping")]:
        code, _, err = run(sim, script, "--services", spec)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_endpoints_lists_the_sections(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["endpoints", str(QA)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 18
    assert lines[0].split() == ["POST", "/twilio/createCall", f"{QA}:4"]
    assert lines[11].split()[:2] == ["GET", "/keystore/key/{key}"]
    plain = tmp_path / "plain.lua"
    plain.write_text("return 1")
    assert main(["endpoints", str(plain)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "has no --#ENDPOINT sections" in captured.err
