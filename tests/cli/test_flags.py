"""The command line's shape: every user error is one line on stderr and exit status 2 (never a traceback),
--version, -v/-q, --help showing every flag, API-key credentials for --live, `python -m adapter`."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

from typing import Any

import pytest

from adapter import Dispatcher, __version__
from adapter.cli import main
from adapter.client.spec import default_spec
from tests.wire import WireMock

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "AC" + "1" * 32
KEY = "SK" + "2" * 32
SCRIPT = str(REPO / "examples" / "seed_listCall.lua")


@pytest.fixture(autouse=True)
def no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        monkeypatch.delenv(name, raising=False)


def invoke(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse's refusals
        code = exit.code if isinstance(exit.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("this is not a database\n" * 100)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    list_json = tmp_path / "list.json"
    list_json.write_text("[1, 2]")
    a_file = tmp_path / "file"
    a_file.write_text("x")
    return {"DIR": str(tmp_path), "NOT_SQLITE": str(not_sqlite), "BAD_JSON": str(bad_json),
            "LIST_JSON": str(list_json), "FILE": str(a_file)}


# (argv with {PLACEHOLDERS} from `paths`, a fragment the one line must contain)
BAD = [
    # the simulator's state
    (["call", "listMessage", "--state", "/nonexistent/x.sqlite"], "cannot use /nonexistent/x.sqlite"),
    (["call", "listMessage", "--state", "{DIR}"], "is a directory"),
    (["call", "listMessage", "--state", "{NOT_SQLITE}"], "file is not a database"),
    (["run", SCRIPT, "--state", "/nonexistent/x.sqlite"], "cannot use /nonexistent/x.sqlite"),
    (["simulate", "--port", "0", "--state", "/nonexistent/x.sqlite"], "cannot use /nonexistent/x.sqlite"),
    (["call", "listMessage", "--fresh", "--empty"], "not allowed with argument"),
    (["call", "listMessage", "--live", "--account-sid", ACCOUNT, "--auth-token", "t", "--fresh"],
     "are for the embedded simulator"),
    # ports and other numbers
    (["simulate", "--port", "99999"], "99999 is not a port"),
    (["simulate", "--port", "65536"], "65536 is not a port"),
    (["simulate", "--port", "-1"], "-1 is not a port"),
    (["simulate", "--port", "http"], "'http' is not a port number"),
    (["simulate", "--latency", "-5"], "must not be negative"),
    (["simulate", "--rate-limit", "0"], "must be greater than 0"),
    (["simulate", "--fail-rate", "1.5"], "must be between 0 and 1"),
    (["simulate", "--drop-rate", "nan"], "not a finite number"),
    (["simulate", "--account-sid", "ACnope"], "AC followed by 32 hex digits"),
    (["run", SCRIPT, "--memory-limit", "0"], "0 is below the minimum of 1 MiB"),
    (["run", SCRIPT, "--memory-limit", "1000"], "argument --memory-limit: 1000 is below the minimum of 1 MiB"),
    (["run", SCRIPT, "--instruction-limit", "999"], "999 is below the minimum of 1000"),
    (["run", SCRIPT, "--instruction-limit", "lots"], "'lots' is not a whole number"),
    (["run", SCRIPT, "--time-limit", "-1"], "must be greater than 0"),
    (["run", SCRIPT, "--engine", "lua54"], "invalid choice"),
    # files
    (["run", "/nonexistent/script.lua"], "cannot read /nonexistent/script.lua"),
    (["run", "{DIR}"], "holds no endpoints"),
    (["run", "{FILE}/below.lua"], "cannot read"),
    (["run", SCRIPT, "--request", "/nonexistent/req.json"], "cannot read /nonexistent/req.json"),
    (["run", SCRIPT, "--request", "{BAD_JSON}"], "is not valid JSON"),
    (["run", SCRIPT, "--request", "{LIST_JSON}"], "must hold a JSON object"),
    (["docs", "--out", "{FILE}"], "not a folder"),
    # operations and arguments
    (["call", "postMesage"], "did you mean postMessage?"),
    (["call", "sendSms", "To=+15558675310"], "sendSms is not an operation; did you mean postMessage?"),
    (["call", "zzzz"], "zzzz is not an operation; `twilio-lua ops` lists the 16 operations"),
    (["ops", "listcalls"], "did you mean listCall?"),
    (["call", "postMessage", "To"], "expected Key=Value"),
    (["call", "postMessage", "To=+15558675310", "--bogus"], "unrecognized arguments: --bogus"),
    (["nosuchcommand"], "invalid choice: 'nosuchcommand'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    # targets and credentials
    (["call", "listMessage", "--live"], "--live needs the account SID"),
    (["call", "listMessage", "--live", "--account-sid", ACCOUNT], "--live needs credentials"),
    (["call", "listMessage", "--live", "--account-sid", ACCOUNT, "--api-key", KEY], "an API key needs its secret"),
    (["call", "listMessage", "--live", "--account-sid", ACCOUNT, "--api-secret", "s"], "an API secret needs its key"),
    (["call", "listMessage", "--live", "--account-sid", ACCOUNT, "--auth-token", "t", "--api-key", KEY],
     "not both"),
    (["call", "listMessage", "--live", "--account-sid", "ACnope", "--auth-token", "t"],
     "The Account SID must be AC followed by 32 hexadecimal digits"),
    (["call", "listMessage", "--live", "--account-sid", ACCOUNT, "--api-key", "SKnope", "--api-secret", "s"],
     "The API key must be SK"),
    (["call", "listMessage", "--live", "--base-url", "http://127.0.0.1:9"], "cannot be used together"),
    (["call", "listMessage", "--account-sid", ACCOUNT, "--auth-token", "t"], "add --live"),
]


@pytest.mark.parametrize(("argv", "fragment"), BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_a_bad_flag_is_one_line_and_exit_2(argv: list[str], fragment: str, paths: dict[str, str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke([part.format(**paths) for part in argv], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("twilio-lua") and "Traceback" not in err
    assert fragment in err


@pytest.mark.parametrize("argv", [
    ["call", "getMessage", "MessageSid=SM" + "0" * 32, "--state", "/nonexistent/x.sqlite"],
    ["simulate", "--port", "99999"],
    ["simulate", "--port", "-1"],
    ["run", "/nonexistent/script.lua"],
    ["call", "sendSms"],
])
def test_a_bad_flag_in_a_real_process(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "adapter", *argv], capture_output=True, text=True, timeout=120,
                          cwd=REPO)
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr


def test_simulate_on_a_busy_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = invoke(["simulate", "--port", str(port), "--state", ":memory:"], capsys)
    assert code == 2 and err.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(["--version"], capsys)
    assert code == 0 and out == f"twilio-lua {__version__}\n"


def test_run_help_shows_the_limit_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(["run", "--help"], capsys)
    assert code == 0
    for flag in ("--memory-limit", "--instruction-limit", "--time-limit", "--engine", "--state", "--fresh",
                 "--empty", "--api-key", "--api-secret", "--verbose", "--quiet"):
        assert flag in out


def test_verbose_logs_each_attempt_and_quiet_drops_notices(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke(["-v", "call", "listCall", "PageSize=1"], capsys)
    assert code == 0
    assert "running against the embedded simulator" in err
    assert "DEBUG: listCall GET /2010-04-01/Accounts/" in err and "(attempt 1)" in err
    code, _, err = invoke(["call", "listCall", "PageSize=1", "-v"], capsys)  # after the command too
    assert code == 0 and "DEBUG: listCall GET" in err
    code, out, err = invoke(["call", "listCall", "PageSize=1", "-q"], capsys)
    assert code == 0 and err == "" and json.loads(out)["page_size"] == 1
    code, _, err = invoke(["call", "listCall", "PageSize=1"], capsys)
    assert code == 0 and "DEBUG" not in err and err.count("\n") == 1  # default: the notice only


@pytest.mark.parametrize("source", ["flags", "environment"])
def test_an_api_key_goes_over_the_wire(source: str, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["call", "listCall", "--account-sid", ACCOUNT]
    if source == "flags":
        argv += ["--api-key", KEY, "--api-secret", "key-secret-value"]
    else:
        monkeypatch.setenv("TWILIO_API_KEY", KEY)
        monkeypatch.setenv("TWILIO_API_SECRET", "key-secret-value")
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", "the-token-is-not-used")
    with WireMock() as mocked:
        mocked.add("GET", f"https://api.twilio.test/2010-04-01/Accounts/{ACCOUNT}/Calls.json",
                   json={"calls": [], "page": 0, "page_size": 50, "next_page_uri": None})
        code, out, err = invoke([*argv, "--base-url", mocked.url], capsys)
        assert code == 0, err
        (sent,) = mocked.calls
    assert json.loads(out)["calls"] == []
    assert sent.request.method == "GET"
    assert sent.request.headers["Authorization"] == "Basic " + base64.b64encode(f"{KEY}:key-secret-value".encode()).decode()
    assert "key-secret-value" not in out + err


def test_live_takes_an_api_key(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[str, str | None]] = []
    real_init = Dispatcher.__init__

    def spy(self: Dispatcher, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        built.append((self.base_url, self.auth_username))

    monkeypatch.setattr(Dispatcher, "__init__", spy)
    # Nothing may reach the real Twilio from a test: the call itself answers from here.
    monkeypatch.setattr(Dispatcher, "call", lambda self, operation, args=None, /, **kw: {"operation": operation})
    monkeypatch.setenv("TWILIO_API_KEY", KEY)
    monkeypatch.setenv("TWILIO_API_SECRET", "key-secret-value")
    code, out, err = invoke(["call", "listCall", "--live", "--account-sid", ACCOUNT], capsys)
    assert code == 0, err
    assert built == [("https://api.twilio.com", KEY)]
    assert json.loads(out) == {"operation": "listCall"}


def test_module_entry_point_from_a_plain_checkout(tmp_path: Path) -> None:
    """`python -m adapter` at the root of a checkout that was never installed reads that checkout's spec."""
    checkout = tmp_path / "checkout"
    for part in ("adapter", "specs", "lua"):
        shutil.copytree(REPO / part, checkout / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", checkout / "pyproject.toml")
    done = subprocess.run([sys.executable, "-m", "adapter", "ops", "--json"], capture_output=True, text=True,
                          timeout=120, cwd=checkout)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == len(default_spec().operations)
    where = subprocess.run([sys.executable, "-c", "import adapter._data as d; print(d.data_directory('specs'))"],
                           capture_output=True, text=True, timeout=120, cwd=checkout)
    assert where.stdout.strip() == str(checkout / "specs")


def test_docs_writes_into_out_and_refuses_an_installed_package(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from adapter.cli import docgen

    code, _, _ = invoke(["docs", "--out", str(tmp_path / "new")], capsys)
    assert code == 0
    assert (tmp_path / "new" / "docs" / "operations.md").is_file() and (tmp_path / "new" / "lua" / "twilio.d.lua").is_file()
    assert invoke(["docs", "--check", "--out", str(tmp_path / "new")], capsys)[0] == 0
    monkeypatch.setattr(docgen, "_checkout", lambda: None)  # as installed in site-packages
    for argv in (["docs"], ["docs", "--check"]):
        code, _, err = invoke(argv, capsys)
        assert code == 2 and err.count("\n") == 1 and "give --out DIR" in err
