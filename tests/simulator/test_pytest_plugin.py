"""The pytest plugin: registered through the pytest11 entry point, fixtures only, and the contract
test shown in docs/simulator.md runs as written (in a pytester session)."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def docs_example() -> str:
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(r"<!-- pytest-plugin-example -->\s*```python\n(.*?)```", text, re.S)
    assert found is not None, "docs/simulator.md lost its pytest example"
    return found.group(1)


def test_registered_through_the_pytest11_entry_point() -> None:
    plugins = [e for e in entry_points(group="pytest11") if e.value == "adapter.simulator.pytest_plugin"]
    assert len(plugins) == 1


def test_importing_the_plugin_starts_nothing() -> None:
    # No thread, no server, not even the Lua runtime: fixtures only.
    code = ("import sys, threading, adapter.simulator.pytest_plugin as p; "
            "print(sorted(m for m in ('adapter.lua', 'lupa') if m in sys.modules), "
            "threading.active_count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.strip() == "[] 1"


def test_docs_example_passes(pytester: pytest.Pytester) -> None:
    example = docs_example()
    assert len(example.strip().splitlines()) == 5
    pytester.makepyfile(test_contract=example)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_fixtures_see_requests_and_webhooks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_loop='''
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

def test_loop(twilio_dispatcher, twilio_simulator, twilio_requests, twilio_webhooks):
    class Ok(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()
        def log_message(self, *args):
            pass
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/status"
    sent = twilio_dispatcher.postMessage(From="+15005550006", To="+15558675310", Body="x", StatusCallback=url)
    assert len(twilio_requests) == 1 and twilio_requests[0].form["StatusCallback"] == url
    assert list(twilio_webhooks) == []
    twilio_simulator.advance(5)
    assert [d.params["MessageStatus"] for d in twilio_webhooks] == ["sending", "sent", "delivered"]
    assert all(d.status == 204 and d.resource_sid == sent["sid"] for d in twilio_webhooks)
    server.shutdown()

def test_each_test_gets_a_fresh_simulator(twilio_requests, twilio_dispatcher):
    assert len(twilio_requests) == 0
    assert twilio_dispatcher.listMessage()["messages"] == []
''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
