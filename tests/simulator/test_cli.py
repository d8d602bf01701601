"""The ``simulate`` command: in-process via ``run`` and as ``python -m adapter.simulator``."""

from __future__ import annotations

import argparse
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from adapter.simulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from adapter.simulator import cli

REPO = Path(__file__).resolve().parents[2]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_defaults() -> None:
    args = parse([])
    assert (args.host, args.port, args.account_sid, args.auth_token) == ("127.0.0.1", 8765, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
    assert (args.state, args.latency, args.rate_limit, args.fail_rate, args.drop_rate, args.seed) == (None, 0, None, 0.0, 0.0, None)


def test_all_flags() -> None:
    args = parse(
        ["--host", "0.0.0.0", "--port", "9000", "--account-sid", "AC" + "b" * 32, "--auth-token", "tok",
         "--state", "s.db", "--latency", "25", "--rate-limit", "5", "--fail-rate", "0.1", "--drop-rate", "0.2",
         "--seed", "7"]
    )
    assert (args.host, args.port, args.account_sid, args.auth_token, args.state) == ("0.0.0.0", 9000, "AC" + "b" * 32, "tok", "s.db")
    assert (args.latency, args.rate_limit, args.fail_rate, args.drop_rate, args.seed) == (25, 5, 0.1, 0.2, 7)


@pytest.mark.parametrize("argv", [["--account-sid", "ACnope"], ["--fail-rate", "2"], ["--drop-rate", "-1"], ["--port", "x"]])
def test_bad_flags(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parse(argv)
    assert caught.value.code == 2


def test_run_serves_until_stopped(tmp_path: Path) -> None:
    args = parse(["--port", "0", "--account-sid", "AC" + "c" * 32, "--auth-token", "secret", "--state", str(tmp_path / "s.db")])
    out = io.StringIO()
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(cli.run(args, stop=stop, out=out)))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while "Ctrl-C" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        banner = out.getvalue()
        url = re.search(r"listening on (http://\S+)", banner)
        assert url is not None, banner
        assert "Account SID: AC" + "c" * 32 in banner and "Auth token:  secret" in banner
        assert "curl -u" in banner and "Messages.json" in banner
        response = requests.post(
            f"{url.group(1)}/2010-04-01/Accounts/AC{'c' * 32}/Messages.json",
            data={"To": "+15558675310", "From": "+15005550006", "Body": "cli"}, auth=("AC" + "c" * 32, "secret"), timeout=10,
        )
        assert response.status_code == 201
    finally:
        stop.set()
        thread.join(timeout=10)
    assert result == [0]
    assert (tmp_path / "s.db").exists()


def test_python_dash_m_exits_zero_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "adapter.simulator", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
        # A shell starts background jobs with SIGINT ignored, and Python then never raises
        # KeyboardInterrupt; give the child the default disposition whoever started pytest.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = re.search(r"listening on (http://\S+)", first)
        assert url is not None, first + (process.stderr.read() if process.poll() is not None else "")
        response = requests.get(
            f"{url.group(1)}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Calls.json", auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN), timeout=10
        )
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_banner_shows_both_credential_pairs_and_the_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "account:\n  phone_numbers:\n    - number: '+15550001111'\n      capabilities: [sms]\n"
        "outcomes:\n  messages:\n    '+15558675311': {status: undelivered, error_code: 30005}\n"
    )
    args = parse(["--port", "0", "--scenario", str(scenario), "--number", "+15550002222"])
    out = io.StringIO()
    stop = threading.Event()
    thread = threading.Thread(target=lambda: cli.run(args, stop=stop, out=out))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while "Try:" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        banner = out.getvalue()
        url = re.search(r"listening on (http://\S+)", banner)
        assert url is not None, banner
        assert f"{TEST_ACCOUNT_SID}" in banner and TEST_AUTH_TOKEN in banner
        assert "Test credentials" in banner and "AC" + "7e57c4ed" * 4 in banner
        assert "Owned numbers: +15550002222, +15550001111" in banner
        messages = f"{url.group(1)}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json"
        auth = (TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
        sent = requests.post(messages, auth=auth, timeout=10, data={"To": "+15558675311", "From": "+15550001111", "Body": "x"})
        assert sent.status_code == 201, sent.text
        refused = requests.post(messages, auth=auth, timeout=10, data={"To": "+15558675311", "From": "+15005550006", "Body": "x"})
        assert refused.json()["code"] == 21606
    finally:
        stop.set()
        thread.join(timeout=10)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("account:\n  phone_numbers: ['5550001111']\n", "not E.164"),
        ("outcomes:\n  messages:\n    '+15558675311': {status: undelivered}\n", "needs an error_code"),
        ("outcomes:\n  calls:\n    '+15558675311': {status: exploded}\n", "a call ends"),
        ("acount: {}\n", "unknown scenario keys"),
        ("[unclosed\n", "not YAML/JSON"),
    ],
)
def test_bad_scenario_is_one_line_exit_2(tmp_path: Path, text: str, problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text)
    assert cli.run(parse(["--port", "0", "--scenario", str(scenario)]), stop=threading.Event(), out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert problem in err and len(err.strip().splitlines()) == 1
