"""HTTP/1.1 keep-alive: one connection carries many requests, whatever each of them is answered with.

``sim.connections_accepted`` counts the TCP connections the server accepted; the raw-socket tests
check the framing a pooled client relies on (exact Content-Length, every request body consumed).
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import time
from typing import Iterator

import pytest
import requests

from adapter.simulator import Clock, Simulator

from .conftest import Api, sdk_client

SMS = {"To": "+15558675310", "From": "+15005550006", "Body": "hi"}
FORM = "To=%2B15558675310&From=%2B15005550006&Body=hi"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Raw:
    """One ``http.client`` connection; ``auto_open`` is off so a closed connection fails loudly
    instead of being silently replaced by a new one."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        host, port = sim.base_url.rsplit("//", 1)[1].rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=10)
        self.connection.connect()
        self.connection.auto_open = 0
        self.account = f"/2010-04-01/Accounts/{sim.account_sid}"
        self.good = basic(sim.account_sid, sim.auth_token)

    def send(
        self, method: str, path: str, body: bytes | str | None = None, auth: str | None = None, **headers: str
    ) -> tuple[http.client.HTTPResponse, bytes]:
        headers = {"Authorization": auth or self.good, **{k.replace("_", "-"): v for k, v in headers.items()}}
        if body is not None and "Content-Type" not in headers:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, self.account + path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response, response.read()

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def raw(sim: Simulator) -> Iterator[Raw]:
    connection = Raw(sim)
    yield connection
    connection.close()


def test_a_session_reuses_one_connection(sim: Simulator) -> None:
    api = Api(sim)
    created = api.post("Messages.json", SMS)
    assert created.status_code == 201
    assert "close" not in created.headers.get("Connection", "").lower()
    assert int(created.headers["Content-Length"]) == len(created.content)
    assert api.get(f"Messages/{created.json()['sid']}.json").status_code == 200
    assert sim.connections_accepted == 1
    # Without a session every call opens its own connection, and the counter sees each.
    requests.get(api.url("Messages.json"), auth=api.auth, timeout=10)
    requests.get(api.url("Messages.json"), auth=api.auth, timeout=10)
    assert sim.connections_accepted == 3


def test_the_sdk_reuses_one_connection(sim: Simulator) -> None:
    client = sdk_client(sim)
    message = client.messages.create(to="+15558675310", from_="+15005550006", body="pooled")
    assert client.messages(message.sid).fetch().body == "pooled"
    assert [m.sid for m in client.messages.list(limit=5)] == [message.sid]
    assert sim.connections_accepted == 1


def test_errors_with_a_body_leave_the_connection_usable(raw: Raw, sim: Simulator) -> None:
    # 401: rejected before the body means anything; it must still be consumed.
    response, body = raw.send("POST", "/Messages.json", FORM, auth=basic(sim.account_sid, "0" * 32))
    assert response.status == 401 and json.loads(body)["code"] == 20003
    assert int(response.headers["Content-Length"]) == len(body)
    # 404 with a body the application never parses (JSON, not a form).
    response, body = raw.send("POST", "/Nothing.json", b'{"To": "+15558675310"}' * 50, Content_Type="application/json")
    assert response.status == 404 and json.loads(body)["code"] == 20404
    # 429 from the fault injector, before any routing.
    sim.faults.throttle_next()
    response, body = raw.send("POST", "/Messages.json", FORM)
    assert response.status == 429 and response.headers["Retry-After"] == "1"
    # 405 and 400 validation errors.
    assert raw.send("PUT", "/Messages.json", FORM)[0].status == 405
    assert raw.send("POST", "/Messages.json", "To=nobody&Body=x")[0].status == 400
    # After all of that, a valid request on the same connection is parsed from its first byte.
    response, body = raw.send("POST", "/Messages.json", FORM)
    assert response.status == 201, body
    assert json.loads(body)["body"] == "hi"
    assert sim.connections_accepted == 1
    assert [r.status for r in sim.requests] == [401, 404, 429, 405, 400, 201]


def test_chunked_request_body_is_framed(raw: Raw, sim: Simulator) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"To=%2B15558675310&From="
        yield b"%2B15005550006&Body=chunked"

    raw.connection.request(
        "POST", raw.account + "/Messages.json", body=chunks(), encode_chunked=True,
        headers={"Authorization": raw.good, "Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"},
    )
    response = raw.connection.getresponse()
    assert response.status == 201 and json.loads(response.read())["body"] == "chunked"
    assert raw.send("GET", "/Messages.json")[0].status == 200
    assert sim.connections_accepted == 1


def test_204_has_no_body_and_keeps_the_connection(raw: Raw, sim: Simulator, clock: Clock) -> None:
    response, body = raw.send("POST", "/Messages.json", FORM)
    sid = json.loads(body)["sid"]
    clock.advance(5)
    response, body = raw.send("DELETE", f"/Messages/{sid}.json")
    assert (response.status, body) == (204, b"")
    assert "Content-Length" not in response.headers  # RFC 9110: never on a 204
    response, body = raw.send("GET", f"/Messages/{sid}.json")
    assert response.status == 404
    assert sim.connections_accepted == 1


def test_pipelined_requests_are_answered_in_order(sim: Simulator) -> None:
    host, port = sim.base_url.rsplit("//", 1)[1].rsplit(":", 1)
    path = f"/2010-04-01/Accounts/{sim.account_sid}/Messages.json"
    auth = basic(sim.account_sid, sim.auth_token)
    form = FORM.encode()
    one = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\n\r\n"
    ).encode() + form
    last = f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(one + one + last)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.count(b"HTTP/1.1 201 ") == 2 and received.count(b"HTTP/1.1 200 ") == 1
    listing = json.loads(received.rsplit(b"\r\n\r\n", 1)[1])
    assert len(listing["messages"]) == 2
    assert sim.connections_accepted == 1


def test_connection_close_and_http_1_0_are_honoured(sim: Simulator) -> None:
    host, port = sim.base_url.rsplit("//", 1)[1].rsplit(":", 1)
    path = f"/2010-04-01/Accounts/{sim.account_sid}/Messages.json"
    auth = basic(sim.account_sid, sim.auth_token)
    for request in (
        f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n",
        f"GET {path} HTTP/1.0\r\nAuthorization: {auth}\r\n\r\n",
    ):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(request.encode())
            received = b""
            while chunk := sock.recv(65536):  # the server closes: recv reaches EOF
                received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n", 1)[0] and b"Connection: close" in head
        assert json.loads(body)["messages"] == []
    # An HTTP/1.0 client that asks for keep-alive gets it.
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nAuthorization: {auth}\r\nConnection: keep-alive\r\n\r\n".encode())
        head = sock.recv(65536)
        assert b"Connection: keep-alive" in head


def test_dropped_request_closes_only_that_connection(sim: Simulator) -> None:
    api = Api(sim)
    assert api.get("Messages.json").status_code == 200
    sim.faults.drop_next()
    with pytest.raises(requests.ConnectionError):
        api.post("Messages.json", SMS)
    assert api.post("Messages.json", SMS).status_code == 201
    assert sim.connections_accepted == 2
    assert [(r.status, r.dropped) for r in sim.requests] == [(200, False), (None, True), (201, False)]


def test_drop_rate_on_a_kept_alive_connection(clock: Clock) -> None:
    with Simulator(clock=clock, drop_rate=1.0) as sim:
        api = Api(sim)
        for _ in range(3):
            with pytest.raises(requests.ConnectionError):
                api.post("Messages.json", SMS)
        assert [r.dropped for r in sim.requests] == [True, True, True]
        assert sim.store.list("messages", sim.account_sid) == []


def test_stop_is_prompt_with_idle_connections_open(clock: Clock) -> None:
    sim = Simulator(clock=clock, idle_timeout=60).start()
    used = Raw(sim)
    assert used.send("GET", "/Messages.json")[0].status == 200  # kept alive, now idle
    host, port = sim.base_url.rsplit("//", 1)[1].rsplit(":", 1)
    silent = socket.create_connection((host, int(port)), timeout=10)  # connected, never says a word
    deadline = time.monotonic() + 5
    while sim.open_connections < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sim.open_connections == 2
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 1.0
    try:
        # Both connections were closed by the server, not left to the 60 s idle timeout.
        assert silent.recv(1) == b""
        assert used.connection.sock is not None and used.connection.sock.recv(1) == b""
    finally:
        silent.close()
        used.close()


def test_stop_lets_a_request_in_flight_finish(clock: Clock) -> None:
    sim = Simulator(clock=clock).start()
    entered, release = threading.Event(), threading.Event()

    def held() -> None:  # the fault injector's latency hook, holding the request mid-answer
        entered.set()
        release.wait(10)

    sim.faults.delay = held  # type: ignore[method-assign]
    connection = Raw(sim)
    answers: list[tuple[int, str | None]] = []

    def call() -> None:
        response, _ = connection.send("GET", "/Messages.json")
        answers.append((response.status, response.headers.get("Connection")))

    caller = threading.Thread(target=call)
    caller.start()
    try:
        assert entered.wait(10)
        started = time.monotonic()
        sim.stop()
        assert time.monotonic() - started < 1.0
    finally:
        release.set()
        caller.join(10)
        connection.close()
    # Answered in full, and told the connection ends there.
    assert answers == [(200, "close")]


def test_idle_connections_time_out_and_clients_reconnect(clock: Clock) -> None:
    with Simulator(clock=clock, idle_timeout=0.2) as sim:
        api = Api(sim)
        assert api.get("Messages.json").status_code == 200
        deadline = time.monotonic() + 5
        while sim.open_connections and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sim.open_connections == 0
        # The pool notices the closed connection and opens a new one.
        assert api.post("Messages.json", SMS).status_code == 201
        assert sim.connections_accepted == 2


def test_connection_count_survives_restart(clock: Clock) -> None:
    sim = Simulator(clock=clock)
    with sim:
        Api(sim).get("Messages.json")
    with sim:
        Api(sim).get("Messages.json")
        assert sim.connections_accepted == 2
    assert sim.connections_accepted == 2 and sim.open_connections == 0


def test_idle_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Simulator(idle_timeout=0)
