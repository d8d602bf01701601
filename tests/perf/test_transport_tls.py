"""TLS on the transport's direct path: the session's verify setting decides, exactly as on requests' full
path (a loopback HTTPS server with a throwaway self-signed certificate)."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import requests.adapters

from adapter import Dispatcher, TwilioError

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
MESSAGE = {"sid": "SM" + "0" * 32, "status": "queued"}
SEND = {"To": "+15558675310", "From": "+15005550006", "Body": "hi"}


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command")
    directory = tmp_path_factory.mktemp("tls")
    key, crt = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return crt, key


@pytest.fixture
def https_url(cert: tuple[Path, Path]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps(MESSAGE).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert[0]), str(cert[1]))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def outcome(url: str, verify: Any, full_path: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    session = requests.Session()
    session.verify = verify
    if full_path:  # a pass-through replacement of HTTPAdapter.send makes the transport use requests' path
        original = requests.adapters.HTTPAdapter.send
        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", lambda self, *a, **k: original(self, *a, **k))
    d = Dispatcher(ACCOUNT_SID, "token", base_url=url, session=session, max_retries=0, timeout=5, environ={})
    assert d._transport._direct
    try:
        return "ok", d.postMessage(SEND)
    except TwilioError as err:
        return "error", (err.type, err.status, err.attempts)
    finally:
        d.close()
        monkeypatch.undo()


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
@pytest.mark.parametrize("verify", ["cert", False, True], ids=["own-ca", "no-verify", "default-ca"])
def test_verify_settings_behave_as_on_requests_path(
    https_url: str, cert: tuple[Path, Path], verify: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    setting = str(cert[0]) if verify == "cert" else verify
    direct = outcome(https_url, setting, False, monkeypatch)
    full = outcome(https_url, setting, True, monkeypatch)
    assert direct == full
    if verify is True:  # a self-signed certificate is not in the default bundle
        assert direct == ("error", ("network", 503, 1))
    else:
        assert direct == ("ok", MESSAGE)
