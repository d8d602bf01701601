"""Constants and small helpers shared by the core tests (fixtures live in conftest.py)."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import requests.adapters
import yaml

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
CASES = HERE / "cases"

BASE_URL = "https://api.twilio.test"
ACCOUNT_SID = "AC3f7a1c2e9b8d4f6a0c5e7b9d1f3a5c7e"
AUTH_TOKEN = "tok3nS3cretValue_DoNotLeak_42"
OTHER_ACCOUNT_SID = "AC0b1d2f3e4c5a69788796a5c4e3f2d1b0"
OTHER_AUTH_TOKEN = "otherTok3n_AlsoSecret-99"
API_KEY = "SK6c1e0d9f8a7b6c5d4e3f2a1b0c9d8e7f"
API_SECRET = "apiS3cretValue_NeverLogged"

CALL_SID = "CA9a8b7c6d5e4f30211f2e3d4c5b6a7980"
MESSAGE_SID = "MM5ef8732a3c49700934481addd5ce1659"
SMS_SID = "SMb7c0a2ce80504485a6f653a7110836f5"
MEDIA_SID = "ME85ebf7e12cb821f84b319340424dcb02"
SERVICE_SID = "VA9e0c3d1b2a4f5e6d7c8b9a0f1e2d3c4b"
VERIFICATION_SID = "VE1f2e3d4c5b6a79880f1e2d3c4b5a6978"

# Placeholders the data files use instead of repeating the SIDs.
PLACEHOLDERS = {
    "account": ACCOUNT_SID,
    "other_account": OTHER_ACCOUNT_SID,
    "call": CALL_SID,
    "message": MESSAGE_SID,
    "sms": SMS_SID,
    "media": MEDIA_SID,
    "service": SERVICE_SID,
    "verification": VERIFICATION_SID,
}


def fixture(name: str) -> dict[str, Any]:
    """A canned Twilio success body from tests/client/fixtures (a fresh copy each time)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def load_cases(name: str) -> Any:
    return expand(yaml.safe_load((CASES / name).read_text(encoding="utf-8")))


def expand(node: Any) -> Any:
    """Expand the data files' shorthands: ``{$repeat: "x", times: 3}`` -> "xxx",
    ``{$list: item, times: 3}`` -> [item, item, item], ``{$concat: [a, b]}`` -> "ab", and ``{call}``-style SID placeholders in strings."""
    if isinstance(node, dict):
        if "$repeat" in node:
            return str(node["$repeat"]) * int(node["times"])
        if "$concat" in node:
            return "".join(str(expand(part)) for part in node["$concat"])
        if "$list" in node:
            return [expand(copy.deepcopy(node["$list"])) for _ in range(int(node["times"]))]
        return {expand(k): expand(v) for k, v in node.items()}
    if isinstance(node, list):
        return [expand(v) for v in node]
    if isinstance(node, str) and "{" in node:
        for key, value in PLACEHOLDERS.items():
            node = node.replace("{" + key + "}", value)
        return node
    return node


def pairs_to_multidict(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def query_of(request: Any) -> dict[str, list[str]]:
    return pairs_to_multidict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))


def form_of(request: Any) -> dict[str, list[str]]:
    body = request.body or ""
    if isinstance(body, bytes):
        body = body.decode("ascii")
    return pairs_to_multidict(parse_qsl(body, keep_blank_values=True, strict_parsing=bool(body)))


def path_of(request: Any) -> str:
    return urlsplit(request.url).path


def basic_auth(request: Any) -> tuple[str, str]:
    scheme, _, encoded = request.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    return user, password


def secret_forms(*secrets: str) -> list[str]:
    """A secret as it could leak: plain, and inside a Basic header value."""
    out = []
    for secret in secrets:
        out.append(secret)
    for user, secret in ((ACCOUNT_SID, AUTH_TOKEN), (API_KEY, API_SECRET), (OTHER_ACCOUNT_SID, OTHER_AUTH_TOKEN)):
        if secret in secrets:
            out.append(base64.b64encode(f"{user}:{secret}".encode()).decode("ascii"))
    return out


class RaisingAdapter(requests.adapters.HTTPAdapter):
    """An adapter of the caller's own that fails every request with ``exc``: mounted on a session, it puts
    the transport on requests' full path, which is where foreign exceptions of every kind can come from."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(max_retries=0)
        self.exc = exc
        self.sent = 0

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.sent += 1
        raise self.exc


def raising_session(exc: BaseException) -> requests.Session:
    session = requests.Session()
    adapter = RaisingAdapter(exc)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
