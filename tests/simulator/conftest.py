"""Fixtures for the simulator suite: a frozen clock, a running simulator, HTTP and SDK clients,
and Twilio's own response schemas (from the trimmed OpenAPI fixture) as JSON Schema validators."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest
import requests
from twilio.rest import Client

from adapter.simulator import Clock, Simulator

OPENAPI = Path(__file__).resolve().parents[1] / "contract" / "twilio_api_v2010_trimmed.json"
START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
ACCOUNT_PATH = "/2010-04-01/Accounts/{sid}"


@pytest.fixture
def clock() -> Clock:
    return Clock(start=START)


@pytest.fixture
def sim(clock: Clock) -> Iterator[Simulator]:
    with Simulator(clock=clock) as running:
        yield running


class Api:
    """``requests`` against one account of a running simulator, paths relative to the account."""

    def __init__(self, sim: Simulator, account_sid: str | None = None, auth: tuple[str, str] | None = None) -> None:
        self.sim = sim
        self.account_sid = account_sid or sim.account_sid
        self.auth = auth if auth is not None else (self.account_sid, sim.accounts[self.account_sid])
        self.session = requests.Session()

    def url(self, path: str) -> str:
        if path.startswith("/"):
            return self.sim.base_url + path
        return f"{self.sim.base_url}{ACCOUNT_PATH.format(sid=self.account_sid)}/{path}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.url(path), params=params, auth=self.auth, timeout=10)

    def post(self, path: str, data: Any) -> requests.Response:
        return self.session.post(self.url(path), data=data, auth=self.auth, timeout=10)

    def delete(self, path: str) -> requests.Response:
        return self.session.delete(self.url(path), auth=self.auth, timeout=10)

    def send_sms(self, **overrides: Any) -> dict[str, Any]:
        data = {"To": "+15558675310", "From": "+15005550006", "Body": "hello", **overrides}
        response = self.post("Messages.json", data)
        assert response.status_code == 201, response.text
        return response.json()

    def place_call(self, **overrides: Any) -> dict[str, Any]:
        data = {"To": "+15558675310", "From": "+15005550006", "Url": "https://example.com/twiml", **overrides}
        response = self.post("Calls.json", data)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def api(sim: Simulator) -> Api:
    return Api(sim)


@pytest.fixture
def test_api(sim: Simulator) -> Api:
    """The same simulator through Twilio-style test credentials."""
    assert sim.test_credentials is not None
    sid, token = sim.test_credentials
    return Api(sim, sid, auth=(sid, token))


def sdk_client(sim: Simulator, username: str | None = None, password: str | None = None) -> Client:
    # twilio-python 9.x builds every URL from the api Domain's base_url, including the absolute
    # next_page_uri links it follows while streaming, so overriding it redirects the whole SDK.
    client = Client(username or sim.account_sid, password or sim.auth_token, account_sid=sim.account_sid)
    # Each Twilio API is its own Domain with its own host; one simulator serves them all (told apart by path).
    client.api.base_url = sim.base_url
    client.lookups.base_url = sim.base_url
    client.verify.base_url = sim.base_url
    return client


@pytest.fixture
def client(sim: Simulator) -> Client:
    return sdk_client(sim)


# -- Twilio's response schemas -----------------------------------------------------------------


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: ``nullable: true`` becomes a type list including "null"."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _to_json_schema(value) for key, value in node.items() if key not in ("nullable", "x-twilio")}
    if node.get("nullable"):
        kind = converted.get("type")
        if isinstance(kind, str):
            converted["type"] = [kind, "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    return converted


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    # Twilio sends every documented property (null when unknown) and nothing else; the OpenAPI
    # description leaves both implicit, so the tests make them explicit.
    if "properties" in schema:
        schema["required"] = sorted(schema["properties"])
        schema["additionalProperties"] = False
    return schema


_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time-rfc-2822", raises=(TypeError, ValueError))
def _rfc2822(value: object) -> bool:
    if not isinstance(value, str):
        return True
    moment = parsedate_to_datetime(value)
    # Twilio's dates are GMT, rendered "+0000", whole seconds.
    return moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0 and value.endswith("+0000")


class Schemas:
    RESOURCES = {
        "call": "api.v2010.account.call",
        "message": "api.v2010.account.message",
        "media": "api.v2010.account.message.media",
    }
    LISTS = {
        "calls": ("/2010-04-01/Accounts/{AccountSid}/Calls.json", "get"),
        "messages": ("/2010-04-01/Accounts/{AccountSid}/Messages.json", "get"),
        "media_list": ("/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json", "get"),
    }

    def __init__(self) -> None:
        document = json.loads(OPENAPI.read_text())
        components = _to_json_schema(document["components"])
        for schema in components["schemas"].values():
            _strict(schema)
        self._components = components
        self._document = document

    def _validator(self, schema: dict[str, Any]) -> jsonschema.protocols.Validator:
        rooted = {**schema, "components": self._components}
        return jsonschema.Draft202012Validator(rooted, format_checker=_FORMATS)

    def resource(self, name: str) -> jsonschema.protocols.Validator:
        return self._validator({"$ref": f"#/components/schemas/{self.RESOURCES[name]}"})

    def listing(self, items_key: str) -> jsonschema.protocols.Validator:
        path, method = self.LISTS[items_key]
        raw = self._document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        return self._validator(_strict(_to_json_schema(copy.deepcopy(raw))))

    def check(self, name: str, body: dict[str, Any]) -> None:
        validator = self.listing(name) if name in self.LISTS else self.resource(name)
        validator.validate(body)

    def properties(self, name: str) -> set[str]:
        return set(self._components["schemas"][self.RESOURCES[name]]["properties"])


@pytest.fixture(scope="session")
def schemas() -> Schemas:
    return Schemas()
