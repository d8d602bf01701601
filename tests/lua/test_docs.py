"""docs/operations.md and lua/twilio.d.lua are generated from the spec and must not drift from it."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from adapter.cli import docgen
from adapter.client.spec import default_spec

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_files_match_the_spec() -> None:
    for relative, text in docgen.expected_files().items():
        current = (ROOT / relative).read_text(encoding="utf-8")
        assert current == text, f"{relative} is out of date: run `twilio-lua docs`"


def test_check_flag(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    docgen.add_arguments(parser)
    assert docgen.run(parser.parse_args(["--check", "--out", str(ROOT)])) == 0
    # An empty checkout is out of date; writing fixes it.
    assert docgen.run(parser.parse_args(["--check", "--out", str(tmp_path)])) == 1
    assert docgen.run(parser.parse_args(["--out", str(tmp_path)])) == 0
    assert docgen.run(parser.parse_args(["--check", "--out", str(tmp_path)])) == 0
    (tmp_path / "lua" / "twilio.d.lua").write_text("---@meta\n")
    assert docgen.run(parser.parse_args(["--check", "--out", str(tmp_path)])) == 1


def test_a_spec_change_changes_the_output() -> None:
    spec = default_spec()
    op = spec.operations["postMessage"]
    changed = dataclasses.replace(op, summary="Send a carrier pigeon")
    other = dataclasses.replace(spec, operations={**spec.operations, "postMessage": changed})
    assert "Send a carrier pigeon" in docgen.render_operations_markdown(other)
    assert "Send a carrier pigeon" in docgen.render_lua_annotations(other)
    assert docgen.render_operations_markdown(other) != docgen.render_operations_markdown(spec)


def test_reference_covers_every_operation() -> None:
    spec = default_spec()
    markdown = docgen.render_operations_markdown(spec)
    annotations = docgen.render_lua_annotations(spec)
    assert annotations.startswith("---@meta\n")
    for op in spec.operations.values():
        assert f"## {op.name}\n" in markdown
        assert f"`{op.method} {op.server}{op.path}`" in markdown
        assert f"function Twilio.{op.name}(args) end" in annotations
        assert f"---@class {docgen._class_name(op.name)}Args" in annotations
        for arg in op.arguments:
            assert f"| `{arg}` |" in markdown
        if op.lua_example:
            assert op.lua_example.strip().splitlines()[0] in markdown
    assert "One of `From` or `MessagingServiceSid` is required." in markdown
    assert "`SendAt` needs `ScheduleType` and `MessagingServiceSid` as well." in markdown
    assert "---@field MediaUrl? string|string[]" in annotations
    assert '---@field ["DateSent<"]? string' in annotations
    assert "---@return TwilioMessage|TwilioError result" in annotations
    assert "| `messages[i].sid` |" in markdown
