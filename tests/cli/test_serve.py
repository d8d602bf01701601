"""twilio-lua serve over real HTTP: routing, the request table, answers, errors, concurrency, signed webhooks
(checked against twilio-python's RequestValidator), and the command itself."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from twilio.request_validator import RequestValidator

from adapter import Dispatcher
from adapter.cli.keystore import Keystore
from adapter.cli.serve import EndpointServer
from adapter.lua.platform import load_endpoints
from adapter.simulator import Simulator, Timings

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FROM, TO = "+15005550006", "+15558675310"

EXTRA = b"""
--#ENDPOINT GET /echo/{name}
return {method = request.method, path = request.path, uri = request.uri, parameters = request.parameters,
        agent = request.headers["user-agent"] ~= nil, url = request.url, body = request.body}

--#ENDPOINT POST /echo
return {body = request.body, raw = request.raw_body, type = request.headers["content-type"]}

--#ENDPOINT GET /boom
error("tank empty")

--#ENDPOINT GET /loop
while true do end

--#ENDPOINT GET /badcode
response.code = 42

--#ENDPOINT GET /text
response.message = "plain text"

--#ENDPOINT GET /wait
return Sync.wait()

--#ENDPOINT GET /print
print("hello from a script")
return 1
"""


class Sync:
    """Every caller waits until three are waiting at once: only concurrent requests get through."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(3, timeout=20)

    def wait(self) -> int:
        return self.barrier.wait()


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(port=0, timings=Timings(0, 0, 0, 0, 0, 0, 0)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def server(sim: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EndpointServer, list[str]]]:
    folder = tmp_path_factory.mktemp("serve")
    (folder / "extra.lua").write_bytes(EXTRA)
    files = [FIXTURES / "qa_solution.lua", folder / "extra.lua", EXAMPLES / "sms_autoreply.lua"]
    endpoints = load_endpoints(files).endpoints
    lines: list[str] = []
    with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as dispatcher:
        server = EndpointServer(endpoints, dispatcher, services={"Keystore": Keystore(), "Sync": Sync()},
                                host_options={"instruction_limit": 2_000_000}, log_line=lines.append, workers=4)
        with server:
            yield server, lines


def test_routes_sections_and_gives_the_platforms_request(server: tuple[EndpointServer, list[str]]) -> None:
    srv, lines = server
    answer = requests.get(f"{srv.url}/echo/a%20b?x=1&x=2&y=", timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"method": "GET", "path": "/echo/a%20b", "uri": "/echo/a%20b?x=1&x=2&y=",
                             "parameters": {"x": ["1", "2"], "y": "", "name": "a b"}, "agent": True,
                             "url": f"{srv.url}/echo/a%20b?x=1&x=2&y=", "body": {}}
    assert any(line.startswith("127.0.0.1 GET /echo/a%20b?x=1&x=2&y= -> 200 ") and line.endswith(" GET /echo/{name}")
               for line in lines)


def test_json_and_form_bodies(server: tuple[EndpointServer, list[str]]) -> None:
    srv, _ = server
    out = requests.post(f"{srv.url}/echo", json={"a": [1, 2], "b": {"c": None}}, timeout=10).json()
    assert out == {"body": {"a": [1, 2], "b": {}}, "raw": '{"a": [1, 2], "b": {"c": null}}', "type": "application/json"}
    out = requests.post(f"{srv.url}/echo", data=[("To", "+1"), ("M", "a"), ("M", "b")], timeout=10).json()
    assert out == {"body": {"To": "+1", "M": ["a", "b"]}, "type": "application/x-www-form-urlencoded"}
    bad = requests.post(f"{srv.url}/echo", data=b"{nope", headers={"Content-Type": "application/json"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["error"].startswith("the body is not valid JSON")
    huge = requests.post(f"{srv.url}/echo", data=iter([b"x" * (1 << 20)] * 11), timeout=30)  # chunked, no length
    assert huge.status_code == 413 and "larger than" in huge.json()["error"]


def test_twilio_sections_over_http(server: tuple[EndpointServer, list[str]], sim: Simulator) -> None:
    srv, _ = server
    sent = requests.post(f"{srv.url}/twilio/postMessage", json={"From": FROM, "To": TO, "Body": "over http"},
                         timeout=10).json()
    assert sent["body"] == "over http" and sim.requests[-1].form["Body"] == "over http"
    got = requests.post(f"{srv.url}/twilio/getMessage", json={"MessageSid": sent["sid"]}, timeout=10)
    assert got.status_code == 200 and got.json()["sid"] == sent["sid"]  # response = Twilio.getMessage(...)
    deleted = requests.post(f"{srv.url}/twilio/deleteMessage", json={"MessageSid": sent["sid"]}, timeout=10)
    assert (deleted.status_code, deleted.content) == (200, b"")  # a delete's nil: an empty 200
    assert (sim.requests[-1].method, sim.requests[-1].status) == ("DELETE", 204)
    invalid = requests.post(f"{srv.url}/twilio/postMessage", json={"To": "nope"}, timeout=10).json()
    assert invalid["type"] == "validation"


def test_keystore_sections_share_the_servers_keystore(server: tuple[EndpointServer, list[str]]) -> None:
    srv, _ = server
    assert requests.post(f"{srv.url}/keystore/set/k", json={"value": {"n": 1}}, timeout=10).json() == {}
    assert requests.get(f"{srv.url}/keystore/key/k", timeout=10).json() == {"value": {"n": 1}}
    assert requests.delete(f"{srv.url}/keystore/key/k", timeout=10).content == b""
    assert requests.get(f"{srv.url}/keystore/key/k", timeout=10).json() == {}


def test_code_headers_and_text(server: tuple[EndpointServer, list[str]]) -> None:
    srv, _ = server
    answer = requests.get(f"{srv.url}/status/201", timeout=10)
    assert (answer.status_code, answer.headers["X-Route"], answer.json()) == (201, "GET /status/{code}", {"code": 201})
    text = requests.get(f"{srv.url}/text", timeout=10)
    assert text.text == "plain text" and text.headers["Content-Type"].startswith("text/plain")


def test_errors_are_one_line_never_a_traceback(server: tuple[EndpointServer, list[str]]) -> None:
    srv, lines = server
    missing = requests.get(f"{srv.url}/nowhere", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["error"] == "no endpoint for GET /nowhere"
    assert "GET /keystore/key/{key}" in missing.json()["routes"] and len(missing.json()["routes"]) == 27
    for path, status, reason in [("/boom", 500, "runtime: extra.lua:10: tank empty"),
                                 ("/loop", 500, "instruction_limit: extra.lua: instruction limit exceeded"),
                                 ("/badcode", 500, "response.code must be an HTTP status from 100 to 599, not 42")]:
        answer = requests.get(f"{srv.url}{path}", timeout=10)
        assert answer.status_code == status
        assert answer.json()["error"].startswith(reason), answer.text
        assert "Traceback" not in answer.text and answer.text.count("\n") == 1
        assert any(f"GET {path} -> {status}" in line for line in lines)
    assert requests.get(f"{srv.url}/echo/x", timeout=10).status_code == 200  # the server carries on


def test_script_print_goes_to_the_log(server: tuple[EndpointServer, list[str]]) -> None:
    srv, lines = server
    assert requests.get(f"{srv.url}/print", timeout=10).json() == 1
    assert "  print: hello from a script" in lines


def test_concurrent_requests_run_at_once(server: tuple[EndpointServer, list[str]]) -> None:
    srv, _ = server
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: requests.get(f"{srv.url}/wait", timeout=30), range(3)))
    assert sorted(a.json() for a in answers) == [0, 1, 2]


def _signed_post(url: str, signed_url: str, token: str, form: dict[str, str]) -> requests.Response:
    signature = RequestValidator(token).compute_signature(signed_url, form)
    return requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)


def test_inbound_sms_autoreply_checks_the_signature(server: tuple[EndpointServer, list[str]], sim: Simulator) -> None:
    srv, _ = server
    form = {"MessageSid": "SM" + "1" * 32, "From": TO, "To": FROM, "Body": "hello"}
    good = _signed_post(f"{srv.url}/sms", f"{srv.url}/sms", sim.auth_token, form)
    assert good.status_code == 200 and good.headers["Content-Type"].startswith("text/xml")
    assert "<Message>Thanks! Send STATUS for the latest reading.</Message>" in good.text
    forged = _signed_post(f"{srv.url}/sms", f"{srv.url}/sms", "not-the-token", form)
    assert forged.status_code == 403 and "does not match" in forged.json()["error"]
    assert sim.auth_token not in forged.text
    unsigned = requests.post(f"{srv.url}/sms", data=form, timeout=10)
    assert unsigned.status_code == 403 and "no X-Twilio-Signature" in unsigned.json()["error"]


def test_public_url_is_what_signatures_sign(sim: Simulator) -> None:
    endpoints = load_endpoints([EXAMPLES / "sms_autoreply.lua"]).endpoints
    public = "https://abc123.ngrok.app"
    form = {"From": TO, "Body": "status"}
    with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as dispatcher, \
            EndpointServer(endpoints, dispatcher, services={"Keystore": Keystore()}, public_url=public + "/",
                           log_line=lambda line: None) as srv:
        assert _signed_post(f"{srv.url}/sms", f"{public}/sms", sim.auth_token, form).status_code == 200
        # Twilio may sign with the port written out; both forms are accepted.
        assert _signed_post(f"{srv.url}/sms", f"{public}:443/sms", sim.auth_token, form).status_code == 200
        assert _signed_post(f"{srv.url}/sms", f"{srv.url}/sms", sim.auth_token, form).status_code == 403


def test_json_webhooks_are_checked_through_body_sha256(sim: Simulator, tmp_path: Path) -> None:
    script = tmp_path / "hook.lua"
    script.write_text("--#ENDPOINT POST /status\nlocal ok, why = Twilio.validateRequest(request)\n"
                      "return {ok = ok, event = request.body.event}\n")
    endpoints = load_endpoints([script]).endpoints
    body = json.dumps({"event": "delivered"})
    with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as dispatcher, \
            EndpointServer(endpoints, dispatcher, log_line=lambda line: None) as srv:
        url = f"{srv.url}/status?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
        signature = RequestValidator(sim.auth_token).compute_signature(url, {})
        headers = {"X-Twilio-Signature": signature, "Content-Type": "application/json"}
        assert requests.post(url, data=body, headers=headers, timeout=10).json() == {"ok": True, "event": "delivered"}
        tampered = body.replace("delivered", "failed")
        assert requests.post(url, data=tampered, headers=headers, timeout=10).json() == {"ok": False,
                                                                                        "event": "failed"}


def test_the_serve_command(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env["XDG_STATE_HOME"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "adapter", "serve", str(FIXTURES / "qa_solution.lua"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL) and None,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        sent = requests.post(f"{url}/twilio/postMessage", json={"From": FROM, "To": TO, "Body": "cli"}, timeout=10)
        assert sent.status_code == 200 and sent.json()["body"] == "cli"
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode in (0, -signal.SIGINT)
    assert "POST /twilio/postMessage -> 200" in err and "Traceback" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["nope.lua"], "cannot read nope.lua"),
    ([str(EXAMPLES / "send_alert.lua")], "has no --#ENDPOINT sections"),
    ([str(FIXTURES / "qa_solution.lua"), "--public-url", "ftp://x"], "--public-url must start with http"),
])
def test_serve_refuses_bad_input_in_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    from adapter.cli import main

    assert main(["serve", *args, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_isolated_serve_runs_scripts_in_workers_with_services_and_signatures(sim: Simulator) -> None:
    endpoints = load_endpoints([FIXTURES / "qa_solution.lua", EXAMPLES / "sms_autoreply.lua"]).endpoints
    store = Keystore()
    with Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as dispatcher, \
            EndpointServer(endpoints, dispatcher, services={"Keystore": store}, isolated=True, processes=1,
                           log_line=lambda line: None) as srv:
        sent = requests.post(f"{srv.url}/twilio/postMessage", json={"From": FROM, "To": TO, "Body": "isolated"},
                             timeout=30).json()
        assert sent["body"] == "isolated" and sim.requests[-1].form["Body"] == "isolated"
        assert requests.post(f"{srv.url}/keystore/set/k", json={"value": 7}, timeout=30).json() == {}
        assert store.get("k") == {"value": 7}  # the Keystore is the parent's
        form = {"From": TO, "Body": "hello"}
        assert _signed_post(f"{srv.url}/sms", f"{srv.url}/sms", sim.auth_token, form).status_code == 200
        assert _signed_post(f"{srv.url}/sms", f"{srv.url}/sms", "forged", form).status_code == 403
        missing = requests.get(f"{srv.url}/nowhere", timeout=30)
        assert missing.status_code == 404


def test_inbound_sms_from_the_simulator_round_trip() -> None:
    """The whole loop: the simulator receives an SMS, posts it (signed) to the number's SmsUrl, which is
    served here; the endpoint checks the signature and answers TwiML; the simulator sends the reply."""
    with Simulator(port=0, timings=Timings(0, 0, 0, 0, 0, 0, 0)) as sim, \
            Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={}) as dispatcher, \
            EndpointServer(load_endpoints([EXAMPLES / "sms_autoreply.lua"]).endpoints, dispatcher,
                           services={"Keystore": Keystore()}, log_line=lambda line: None) as srv:
        auth = (sim.account_sid, sim.auth_token)
        numbers = f"{sim.base_url}/2010-04-01/Accounts/{sim.account_sid}/IncomingPhoneNumbers"
        number = requests.get(f"{numbers}.json", auth=auth, timeout=10).json()["incoming_phone_numbers"][0]
        updated = requests.post(f"{numbers}/{number['sid']}.json", data={"SmsUrl": f"{srv.url}/sms"}, auth=auth,
                                timeout=10)
        assert updated.status_code == 200, updated.text
        sim.receive_message(TO, number["phone_number"], "hello")
        assert sim.wait_for_webhooks(10)
        delivery = sim.deliveries[-1]
        assert delivery.url == f"{srv.url}/sms" and delivery.status == 200, delivery
        replies = [m for m in dispatcher.listMessage()["messages"] if m["direction"] == "outbound-reply"]
        assert [m["body"] for m in replies] == ["Thanks! Send STATUS for the latest reading."]
