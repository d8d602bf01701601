"""`twilio-lua run` escapes terminal control characters in what a script prints, raises and returns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapter.cli import main
from adapter.cli.terminal import escape_controls, escape_json_controls

HOSTILE = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\x00"


@pytest.fixture(autouse=True)
def _private_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))


def _lua_string(text: str) -> str:
    return '"' + "".join(f"\\{b}" for b in text.encode()) + '"'


def _no_controls(text: str) -> None:
    for char in "\x1b\x07\x9b\u202e\x00":
        assert char not in text


def test_print_error_and_result_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "evil.lua"
    script.write_text(f"print({_lua_string(HOSTILE)}) print('two\\tcolumns') return {_lua_string(HOSTILE)}")
    assert main(["run", str(script)]) == 0
    captured = capsys.readouterr()
    _no_controls(captured.out)
    _no_controls(captured.err)
    assert "\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202eevil\\x00" in captured.err
    assert "two\tcolumns" in captured.err  # tabs and newlines are kept in printed lines
    assert json.loads(captured.out) == HOSTILE  # still valid JSON, same value

    script.write_text(f"error({_lua_string(HOSTILE)})")
    assert main(["run", str(script)]) == 2
    captured = capsys.readouterr()
    _no_controls(captured.err)
    assert "\\x1b[2J" in captured.err.strip().splitlines()[-1]


def test_escape_functions() -> None:
    assert escape_controls("a\x1bb\nc\td\x7f") == "a\\x1bb\nc\td\\x7f"
    assert escape_controls("a\nb\tc", keep_lines=False) == "a\\x0ab\\x09c"
    assert escape_controls("ok: é ü 日本 😀") == "ok: é ü 日本 😀"
    assert json.loads(escape_json_controls(json.dumps({"k": "\x9b\u2066"}, ensure_ascii=False))) == {"k": "\x9b\u2066"}


def test_serve_log_lines_are_escaped() -> None:
    from adapter.cli.serve import EndpointServer

    lines: list[str] = []
    server = EndpointServer([], None, log_line=lines.append)
    server._script_print(HOSTILE + "\nsecond line")
    assert lines == ["  print: \\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202eevil\\x00\\x0asecond line"]
