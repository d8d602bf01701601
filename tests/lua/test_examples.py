"""Every example runs against the simulator, through `twilio-lua run` (adapter.cli.run)."""

from __future__ import annotations

import argparse
import io
import json
import runpy
from pathlib import Path
from typing import Any

import pytest

from adapter import Dispatcher
from adapter.cli import run as runner
from adapter.simulator import Simulator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEEDS = sorted(p.name for p in EXAMPLES.glob("seed_*.lua"))


def run_script(sim: Simulator, script: str, *extra: str) -> tuple[int, Any, str]:
    parser = argparse.ArgumentParser()
    runner.add_arguments(parser)
    args = parser.parse_args([str(EXAMPLES / script), "--base-url", sim.base_url, "--account-sid", sim.account_sid,
                              "--auth-token", sim.auth_token, *extra])
    out, err = io.StringIO(), io.StringIO()
    code = runner.run(args, stdout=out, stderr=err, environ={})
    return code, json.loads(out.getvalue()) if out.getvalue() else None, err.getvalue()


def _dispatcher(sim: Simulator) -> Dispatcher:
    return Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, environ={})


def test_the_seed_has_eleven_examples() -> None:
    assert len(SEEDS) == 11
    for name in SEEDS:
        assert "response.message = " in (EXAMPLES / name).read_text()


@pytest.mark.parametrize("script", SEEDS)
def test_seed_example(script: str, sim: Simulator) -> None:
    with _dispatcher(sim) as twilio:
        call = twilio.createCall(From="+15005550006", To="+15558675310", Url="https://example.com/t.xml")
        mms = twilio.postMessage(From="+15005550006", To="+15558675310", Body="with media",
                                 MediaUrl=["https://example.com/a.png"])
    sim.clear_requests()
    code, out, err = run_script(sim, script)
    assert code == 0, err
    operation = script.removeprefix("seed_").removesuffix(".lua")
    if operation.startswith("delete"):
        assert out is None  # deletes return nil, so response.message stays unset
        assert sim.requests[-1].method == "DELETE" and sim.requests[-1].status == 204
    elif operation == "createCall":
        assert out["sid"].startswith("CA") and out["to"] == "+886912345678"
    elif operation == "postMessage":
        assert out["body"] == "Your device is in an error state." and out["from"] == "+16125550923"
    elif operation == "listCall":
        assert [c["sid"] for c in out["calls"]] == [call["sid"]]
    elif operation == "listMessage":
        assert [m["sid"] for m in out["messages"]] == [mms["sid"]]
    elif operation == "getCall":
        assert out["sid"] == call["sid"]
    elif operation == "getMessage":
        assert out["sid"] == mms["sid"] and out["num_media"] == "1"
    elif operation == "listMedia":
        assert len(out["media_list"]) == 1 and out["media_list"][0]["parent_sid"] == mms["sid"]
    elif operation == "getMedia":
        assert out["parent_sid"] == mms["sid"] and out["content_type"] == "image/png"
    else:
        pytest.fail(f"no expectation for {script}")
    assert all(r.status and r.status < 400 for r in sim.requests)


def test_send_alert(sim: Simulator) -> None:
    code, out, _ = run_script(sim, "send_alert.lua")
    assert code == 0
    assert out["ok"] is True and out["sid"].startswith("SM") and out["to"] == "+15558675310"
    assert out["segments"] == 1
    assert [(r.method, r.status) for r in sim.requests] == [("POST", 201), ("GET", 200)]
    assert sim.requests[0].form["From"] == "+15005550006"


def test_alert_many_reports_each_recipient(sim: Simulator, tmp_path: Path) -> None:
    code, out, _ = run_script(sim, "alert_many.lua")
    assert code == 0
    assert (out["sent"], out["failed"]) == (2, 1)
    assert [r["ok"] for r in out["results"]] == [True, True, False]
    assert out["results"][2]["code"] == 21614 and out["results"][2]["type"] == "api"
    request = tmp_path / "alert.json"
    request.write_text(json.dumps({"parameters": {"to": "+15558675399", "text": "Tank 2 low"}}))
    code, out, _ = run_script(sim, "alert_many.lua", "--request", str(request))
    assert code == 0 and out["sent"] == 1 and out["results"][0]["to"] == "+15558675399"
    assert sim.requests[-1].form["Body"] == "Tank 2 low"


def test_cleanup_old_messages(sim: Simulator, tmp_path: Path) -> None:
    with _dispatcher(sim) as twilio:
        sids = {twilio.postMessage(From="+15005550006", To="+15558675310", Body=f"m{i}")["sid"] for i in range(7)}
    request = tmp_path / "cleanup.json"
    request.write_text(json.dumps({"parameters": {"before": "2999-01-01"}}))
    code, out, _ = run_script(sim, "cleanup_old_messages.lua", "--request", str(request))
    assert code == 0
    assert out == {"ok": True, "before": "2999-01-01", "found": 7, "deleted": 7, "not_deleted": {}}
    deleted = {r.path.rsplit("/", 1)[1].removesuffix(".json") for r in sim.requests if r.method == "DELETE"}
    assert deleted == sids
    lists = [r for r in sim.requests if r.method == "GET"]
    assert lists[0].query == {"DateSent<": "2999-01-01", "PageSize": "100"}


def test_call_with_twiml(sim: Simulator) -> None:
    code, out, _ = run_script(sim, "call_with_twiml.lua")
    assert code == 0 and out["ok"] is True and out["sid"].startswith("CA")
    form = sim.requests[0].form
    assert form["Twiml"].strip().startswith("<Response>") and "<Gather" in form["Twiml"]
    assert form.getlist("StatusCallbackEvent") == ["initiated", "answered", "completed"]
    assert form["Timeout"] == "30" and form["Record"] == "false"


def test_python_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(EXAMPLES / "python_dispatcher.py"), run_name="__main__")
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "sent SM" in out and "refused: validation" in out and '"body": "Pump 3 overheated"' in out


# --- issue 14: Verify, Lookup, live calls ----------------------------------------------------------------------

def test_two_factor(sim: Simulator) -> None:
    from adapter.simulator import TEST_ACCOUNT_SID
    from adapter.simulator.verify import Verify

    # The example names the embedded simulator's default Service; it is derived from the default account.
    assert f'"{Verify.default_service_sid(TEST_ACCOUNT_SID)}"' in (EXAMPLES / "two_factor.lua").read_text()
    code, out, err = run_script(sim, "two_factor.lua")
    assert code == 0, err
    assert out["ok"] is True and out["status"] == "approved" and out["after_typo"] == "pending"
    assert out["checked_again"] == 20404
    paths = [(r.method, r.path) for r in sim.requests]
    service = sim.verify_service_sid
    assert paths[0] == ("POST", f"/v2/Services/{service}/Verifications")
    assert paths[1] == ("GET", f"/2010-04-01/Accounts/{sim.account_sid}/Messages.json")
    assert paths[2:] == [("POST", f"/v2/Services/{service}/VerificationCheck")] * 3
    assert [r.status for r in sim.requests] == [201, 200, 200, 200, 404]


def test_lookup_before_send(sim: Simulator) -> None:
    code, out, err = run_script(sim, "lookup_before_send.lua")
    assert code == 0, err
    assert (out["sent"], out["skipped"]) == (2, 2)
    assert [r.get("to") for r in out["results"]] == ["+14155552671", "+14155552672", None, None]
    assert out["results"][2]["skipped"] == "not a valid number: INVALID_BUT_POSSIBLE"
    assert out["results"][3]["skipped"] == "not a mobile number: landline"
    lookups = [r for r in sim.requests if r.path.startswith("/v2/PhoneNumbers/")]
    assert [r.path for r in lookups][1] == "/v2/PhoneNumbers/(415) 555-2672"  # encoded on the wire, one segment
    assert all(r.query == {"CountryCode": "US", "Fields": "line_type_intelligence"} for r in lookups)
    sends = [r for r in sim.requests if r.method == "POST"]
    assert [r.form["To"] for r in sends] == ["+14155552671", "+14155552672"]


def test_hang_up_long_calls_demo(sim: Simulator) -> None:
    code, out, err = run_script(sim, "hang_up_long_calls.lua")
    assert code == 0, err
    assert out["ok"] is True and out["placed"].startswith("CA")


def test_hang_up_long_calls_ends_only_the_old_ones(tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from adapter.simulator import Clock, Timings

    # A frozen clock a minute behind the real time the script's os.time() reads: the first call started about
    # 59 s ago, the second (placed 30 s later on the simulator's clock) about 30 s ago; the limit is 45 s.
    clock = Clock(start=datetime.now(timezone.utc) - timedelta(seconds=60))
    with Simulator(clock=clock, timings=Timings(call_in_progress=3600)) as running:
        with _dispatcher(running) as twilio:
            old = twilio.createCall(From="+15005550006", To="+14155552671", Url="https://example.com/t")
            clock.advance(30)  # the old call is answered by now
            young = twilio.createCall(From="+15005550006", To="+14155552672", Url="https://example.com/t")
        request = tmp_path / "limits.json"
        request.write_text(json.dumps({"parameters": {"max_seconds": 45}}))
        code, out, err = run_script(running, "hang_up_long_calls.lua", "--request", str(request))
        assert code == 0, err
        assert out["ended"] == [{"sid": old["sid"], "was": "in-progress", "now": "completed"}]
        assert out["kept"] == 1 and out.get("placed") is None
        updates = [r for r in running.requests if r.method == "POST" and r.path.endswith(f"{old['sid']}.json")]
        assert [dict(r.form) for r in updates] == [{"Status": "completed"}]
        with _dispatcher(running) as twilio:
            assert twilio.getCall(CallSid=young["sid"])["status"] == "queued"


def test_asyncio_host_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(EXAMPLES / "asyncio_host.py"), run_name="__main__")
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "in-process: 200 alerts sent" in out and "pool: 20 alerts sent" in out
    assert "runaway.lua stopped: instruction_limit" in out
