"""Every file in examples/ runs with no flags against a fresh embedded simulator, as a new user runs it:
``twilio-lua run examples/X.lua`` on the default state (here under a temporary $XDG_STATE_HOME)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any, Callable

import pytest

from adapter.cli import main
from adapter.simulator.history import DEFAULT_HISTORY

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HISTORY_MESSAGES = [e for e in DEFAULT_HISTORY if e.collection == "messages"]
HISTORY_CALLS = [e for e in DEFAULT_HISTORY if e.collection == "calls"]


def _ok(out: Any) -> bool:
    return out["ok"] is True


# What each example gives on the default history: a sensible result, not only exit status 0.
EXPECTED: dict[str, Callable[[Any], bool]] = {
    "alert_many.lua": lambda out: (out["sent"], out["failed"]) == (2, 1) and out["results"][2]["code"] == 21614,
    "call_with_twiml.lua": lambda out: _ok(out) and out["sid"].startswith("CA"),
    # Only the history's month-old message is older than the default 30 days.
    "cleanup_old_messages.lua": lambda out: (out["found"], out["deleted"]) == (1, 1),
    "overheat_handler.lua": lambda out: _ok(out) and out["alert"] is True and out["sid"].startswith("SM"),
    # An inbound-SMS webhook run without a signed request refuses it, as its header says it should.
    "sms_autoreply.lua": lambda out: out["ok"] is False and out["error"].startswith("validateRequest:"),
    "two_factor.lua": lambda out: _ok(out) and out["status"] == "approved",
    "lookup_before_send.lua": lambda out: (out["sent"], out["skipped"]) == (2, 2),
    # The history's calls are over; only the one the demo places is ended.
    "hang_up_long_calls.lua": lambda out: _ok(out) and [c["sid"] for c in out["ended"]] == [out["placed"]],
    "seed_createCall.lua": lambda out: out["sid"].startswith("CA") and out["to"] == "+886912345678",
    "seed_deleteCall.lua": lambda out: out is None,  # a delete returns nil: response.message stays unset
    "seed_deleteMedia.lua": lambda out: out is None,
    "seed_deleteMessage.lua": lambda out: out is None,
    "seed_getCall.lua": lambda out: out["sid"].startswith("CA") and out["status"] == "completed",
    "seed_getMedia.lua": lambda out: out["parent_sid"].startswith("MM") and out["content_type"].startswith("image/"),
    "seed_getMessage.lua": lambda out: out["status"] == "delivered" and out["num_media"] == "2",
    "seed_listCall.lua": lambda out: len(out["calls"]) == len(HISTORY_CALLS),
    "seed_listMedia.lua": lambda out: len(out["media_list"]) == 2,
    "seed_listMessage.lua": lambda out: len(out["messages"]) == len(HISTORY_MESSAGES),
    "seed_postMessage.lua": lambda out: out["body"] == "Your device is in an error state." and "error" not in out,
    "send_alert.lua": lambda out: _ok(out) and out["segments"] == 1,
}


def test_every_example_has_an_expectation() -> None:
    files = {p.name for p in EXAMPLES.iterdir() if p.suffix == ".lua"}
    assert files == set(EXPECTED)
    # The Python examples start their own simulator: python_dispatcher.py runs below, asyncio_host.py (200
    # scripts, a process pool) in tests/lua/test_examples.py.
    assert {p.name for p in EXAMPLES.iterdir() if p.suffix != ".lua"} == {"python_dispatcher.py", "asyncio_host.py"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_with_no_flags(name: str, capsys: pytest.CaptureFixture[str], private_state_home: Path) -> None:
    code = main(["run", str(EXAMPLES / name)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out)
    assert EXPECTED[name](out), out
    assert (private_state_home / "twilio-lua-adapter" / "simulator.sqlite").is_file()


def test_examples_one_after_another_on_one_state(capsys: pytest.CaptureFixture[str]) -> None:
    """A user trying them in turn: the state carries over and every example still completes."""
    for name in sorted(EXPECTED):
        code = main(["run", "-q", str(EXAMPLES / name)])
        captured = capsys.readouterr()
        assert code == 0, (name, captured.err)
        assert captured.err == ""  # -q: no notice; no script printed anything
    # Media were read and one deleted along the way; the history's MMS is still the one found.
    assert main(["run", "-q", str(EXAMPLES / "seed_getMedia.lua")]) == 0
    assert json.loads(capsys.readouterr().out)["parent_sid"].startswith("MM")


def test_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(EXAMPLES / "python_dispatcher.py"), run_name="__main__")
    assert done.value.code == 0
    assert "sent SM" in capsys.readouterr().out
