"""A minimal, fast keep-alive HTTP/1.1 server with Twilio-shaped canned answers, for the benchmarks.

Run in its own process (``python bench/server.py`` prints ``PORT <n>`` and serves until stdin closes or it
is killed) so that its CPU time is not charged to the client being measured. One thread per connection,
raw sockets, responses built once: the server's own cost per request is a small, constant share of every
contender's figure.

``python bench/server.py PORT LATENCY_MS`` answers every request LATENCY_MS later (0 by default), each
connection waiting on its own thread, as a remote API would.

Routes (anything else is a 404 Twilio error body):

* ``POST /2010-04-01/Accounts/{sid}/Messages.json`` -> 201 with a realistic Message resource
* ``GET  /2010-04-01/Accounts/{sid}/Messages.json`` -> 200 with a page of 1000 messages when the query has
  ``PageSize=1000``, else a page of 50
* a request without an ``Authorization: Basic`` header -> 401, so a contender that forgot auth shows up.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def message(index: int) -> dict:
    sid = f"SM{index:032x}"
    uri = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}"
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": f"Pump {index % 7} overheated: 97C at station {index}. Reply ACK to acknowledge.",
        "date_created": "Mon, 23 Nov 2026 04:58:44 +0000",
        "date_sent": "Mon, 23 Nov 2026 04:58:45 +0000",
        "date_updated": "Mon, 23 Nov 2026 04:58:46 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": "+15005550006",
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": "-0.00790",
        "price_unit": "USD",
        "sid": sid,
        "status": "delivered" if index else "queued",
        "subresource_uris": {"media": uri + "/Media.json", "feedback": uri + "/Feedback.json"},
        "to": "+15558675310",
        "uri": uri + ".json",
    }


def page(size: int) -> dict:
    query = f"?PageSize={size}"
    return {
        "end": size - 1,
        "first_page_uri": MESSAGES_PATH + query + "&Page=0",
        "messages": [message(i + 1) for i in range(size)],
        "next_page_uri": MESSAGES_PATH + query + "&Page=1&PageToken=PASM" + "0" * 32,
        "page": 0,
        "page_size": size,
        "previous_page_uri": None,
        "start": 0,
        "uri": MESSAGES_PATH + query + "&Page=0",
    }


def body(obj: object) -> bytes:
    return json.dumps(obj, separators=(", ", ": ")).encode()


def _response(status: str, payload: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        "Date: Mon, 23 Nov 2026 04:58:44 GMT\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "Connection: keep-alive\r\n"
        "Twilio-Request-Id: RQ0123456789abcdef0123456789abcdef\r\n"
        "Twilio-Request-Duration: 0.041\r\n"
        "Strict-Transport-Security: max-age=31536000\r\n"
        "\r\n"
    )
    return head.encode("ascii") + payload


CREATED = _response("201 CREATED", body(message(0)))
PAGE_50 = _response("200 OK", body(page(50)))
PAGE_1000 = _response("200 OK", body(page(1000)))
UNAUTHORIZED = _response(
    "401 UNAUTHORIZED", body({"code": 20003, "message": "Authenticate", "more_info": "", "status": 401})
)
NOT_FOUND = _response(
    "404 NOT FOUND", body({"code": 20404, "message": "The requested resource was not found", "status": 404})
)


def _answer(head: bytes) -> bytes:
    line_end = head.find(b"\r\n")
    method, target, _ = head[:line_end].split(b" ", 2)
    if b"\r\nauthorization: basic " not in head.lower():
        return UNAUTHORIZED
    path, _, query = target.partition(b"?")
    if path.decode() != MESSAGES_PATH:
        return NOT_FOUND
    if method == b"POST":
        return CREATED
    if method == b"GET":
        return PAGE_1000 if b"PageSize=1000" in query else PAGE_50
    return NOT_FOUND


def _content_length(head: bytes) -> int:
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    end = lower.find(b"\r\n", at + 2)
    return int(lower[at + 17 : end if end >= 0 else None].strip())


def _serve_connection(conn: socket.socket) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = b""
    try:
        while True:
            end = buffer.find(b"\r\n\r\n")
            while end < 0:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                end = buffer.find(b"\r\n\r\n")
            head = buffer[: end + 2]
            need = end + 4 + _content_length(head)
            while len(buffer) < need:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            buffer = buffer[need:]
            if LATENCY:
                time.sleep(LATENCY)
            conn.sendall(_answer(head))
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def serve(listener: socket.socket) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_serve_connection, args=(conn,), daemon=True).start()


LATENCY = 0.0


def main() -> None:
    global LATENCY
    LATENCY = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.0
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "0" else 0))
    listener.listen(2048)
    threading.Thread(target=serve, args=(listener,), daemon=True).start()
    print("PORT", listener.getsockname()[1], flush=True)
    # Serve until the parent closes our stdin (or kills us): the server never outlives the benchmark.
    sys.stdin.read()


if __name__ == "__main__":
    main()
