"""Text from scripts, made safe to write to a terminal.

A script's ``print`` and error messages (and the JSON of its result) may hold terminal control sequences:
ESC and CSI can move the cursor, rewrite what is on screen, set the window title or, on some terminals,
answer back into the input. Bidirectional overrides can make text read differently than it is. Each such
character is shown escaped (``\\x1b``, ``\\u202e``) instead; newlines and tabs are kept where lines may hold
them.
"""

from __future__ import annotations

import re

__all__ = ["escape_controls", "escape_json_controls"]

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional embedding/override/isolate marks.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_AND_LINES = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, *, keep_lines: bool = True) -> str:
    """``text`` with every terminal control character escaped; ``keep_lines=False`` escapes newlines and
    tabs too (for a one-line message)."""
    return (_CONTROLS if keep_lines else _CONTROLS_AND_LINES).sub(_escaped, text)


def escape_json_controls(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``, which escapes C0 controls itself) with the
    remaining control characters as JSON escapes (``\\u009b``), so it stays valid JSON."""
    return _CONTROLS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
