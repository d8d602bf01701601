"""`call` and `run` remember: the embedded simulator keeps its records in a default state file shared by
separate processes; --state, --fresh, --empty and :memory: choose otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapter.cli import main
from adapter.simulator.history import DEFAULT_HISTORY
from adapter.simulator.state import default_state_path

REPO = Path(__file__).resolve().parents[2]
HISTORY_BODIES = [e.form["Body"] for e in DEFAULT_HISTORY if e.collection == "messages"][::-1]
SEND = ["To=+15558675310", "From=+15005550006"]


def cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "adapter", *argv], capture_output=True, text=True, timeout=120,
                          cwd=REPO, env=env)


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object]:
    code = main(["call", "-q", *argv])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else None


def bodies(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    code, listed = call(capsys, "listMessage", *argv)
    assert code == 0 and isinstance(listed, dict)
    return [m["body"] for m in listed["messages"]]


def test_default_state_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_state_path() == tmp_path / "twilio-lua-adapter" / "simulator.sqlite"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for unusable in ("", "relative/state"):  # the XDG rules: unset, empty or relative means the default
        monkeypatch.setenv("XDG_STATE_HOME", unusable)
        assert default_state_path() == tmp_path / "home" / ".local" / "state" / "twilio-lua-adapter" / "simulator.sqlite"


def test_post_then_get_in_two_processes(private_state_home: Path) -> None:
    posted = cli("call", "postMessage", *SEND, "Body=remember me")
    assert posted.returncode == 0, posted.stderr
    sid = json.loads(posted.stdout)["sid"]
    state = private_state_home / "twilio-lua-adapter" / "simulator.sqlite"
    assert f"records in {state}" in posted.stderr
    fetched = cli("call", "getMessage", f"MessageSid={sid}")
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout)["body"] == "remember me"
    # The state is the user's alone: the folder is private.
    assert (state.parent.stat().st_mode & 0o777) == 0o700


def test_options_may_stand_anywhere_on_a_call_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    state = str(tmp_path / "mine.sqlite")
    code, sent = call(capsys, "postMessage", "--state", state, "To=+15558675310", "-q", "From=+15005550006",
                      "Body=anywhere", "--fresh", "MediaUrl=https://example.com/a.png", "MediaUrl=https://example.com/b.png")
    assert code == 0 and isinstance(sent, dict)
    assert (sent["to"], sent["from"], sent["body"], sent["num_media"]) == ("+15558675310", "+15005550006", "anywhere", "2")
    code, listed = call(capsys, "--state", state, "listMedia", f"MessageSid={sent['sid']}")
    assert code == 0 and isinstance(listed, dict) and len(listed["media_list"]) == 2
    assert not default_state_path().exists()  # --state was honoured wherever it stood


def test_fresh_and_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert bodies(capsys) == HISTORY_BODIES
    assert call(capsys, "postMessage", *SEND, "Body=one more")[0] == 0
    assert bodies(capsys) == ["one more", *HISTORY_BODIES]
    assert bodies(capsys, "--fresh") == HISTORY_BODIES
    assert bodies(capsys, "--empty") == []
    assert bodies(capsys) == []  # emptied stays empty
    assert bodies(capsys, "--fresh") == HISTORY_BODIES


def test_memory_state_keeps_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, sent = call(capsys, "postMessage", *SEND, "Body=gone", "--state", ":memory:")
    assert code == 0 and isinstance(sent, dict)
    assert call(capsys, "getMessage", f"MessageSid={sent['sid']}", "--state", ":memory:")[0] == 1
    assert not default_state_path().exists()


def test_run_and_call_share_the_state(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    script = tmp_path / "send.lua"
    script.write_text('return Twilio.postMessage{From = "+15005550006", To = "+15558675310", Body = "from run"}.sid')
    assert main(["run", "-q", str(script)]) == 0
    sid = json.loads(capsys.readouterr().out)
    code, fetched = call(capsys, "getMessage", f"MessageSid={sid}")
    assert code == 0 and isinstance(fetched, dict) and fetched["body"] == "from run"


def test_the_keystore_remembers_in_the_same_state(capsys: pytest.CaptureFixture[str]) -> None:
    handler = str(REPO / "examples" / "overheat_handler.lua")
    assert main(["run", "-q", handler]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["run", "-q", handler]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["alert"] is True and second == {**second, "alert": False, "already_alerted": True}
    # --state :memory: keeps nothing, the Keystore included.
    for _ in range(2):
        assert main(["run", "-q", handler, "--state", ":memory:"]) == 0
        assert json.loads(capsys.readouterr().out)["alert"] is True


def test_concurrent_processes_share_one_new_state_file(private_state_home: Path) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(private_state_home)}
    runs = [
        subprocess.Popen([sys.executable, "-m", "adapter", "call", "-q", "postMessage", *SEND, f"Body=process {i}"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
        for i in range(4)
    ]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, [err for _, err in results]
    sids = {json.loads(out)["sid"] for out, _ in results}
    listed = cli("call", "-q", "listMessage", "PageSize=100", env=env)
    assert listed.returncode == 0, listed.stderr
    messages = json.loads(listed.stdout)["messages"]
    # Every process's message is there, and the history was written once, not once per process.
    assert sids <= {m["sid"] for m in messages}
    assert sorted(m["body"] for m in messages) == sorted([f"process {i}" for i in range(4)] + HISTORY_BODIES)


def test_simulate_serves_the_same_default_state(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse
    import io
    import re
    import threading
    import time

    import requests

    from adapter.simulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
    from adapter.simulator import cli as simulator_cli

    code, sent = call(capsys, "postMessage", *SEND, "Body=before simulate")
    assert code == 0 and isinstance(sent, dict)
    parser = argparse.ArgumentParser()
    simulator_cli.add_arguments(parser)
    out, stop, result = io.StringIO(), threading.Event(), []
    thread = threading.Thread(target=lambda: result.append(simulator_cli.run(parser.parse_args(["--port", "0"]),
                                                                                  stop=stop, out=out)))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while "Ctrl-C" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        url = re.search(r"listening on (http://\S+)", out.getvalue())
        assert url is not None, out.getvalue()
        assert f"records in {default_state_path()}" in out.getvalue()
        fetched = requests.get(f"{url.group(1)}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages/{sent['sid']}.json",
                               auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN), timeout=10)
        assert fetched.status_code == 200 and fetched.json()["body"] == "before simulate"
    finally:
        stop.set()
        thread.join(timeout=30)
    assert result == [0]
