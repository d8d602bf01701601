"""Host services and Twilio.validateRequest in a ScriptPool: the objects and the Auth Token stay in the parent;
a worker's calls come back to it and are answered as LuaHost answers them."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from adapter import Dispatcher
from adapter.lua import BlockingScriptPool, ServiceError

TOKEN = "pool-webhook-token-0123456789abcd"
ACCOUNT = "AC" + "0123456789abcdef" * 2


class Store:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.threads: set[str] = set()

    def set(self, key: str, value: Any) -> dict[str, Any]:
        self.threads.add(threading.current_thread().name)
        self.values[key] = value
        return {}

    def get(self, key: str) -> dict[str, Any]:
        return {"value": self.values.get(key)}

    async def slow_get(self, key: str) -> Any:
        await asyncio.sleep(0)
        return self.values.get(key)

    def missing(self) -> None:
        raise ServiceError("no such thing", status=404, code="gone")

    def boom(self) -> None:
        raise RuntimeError("host detail that must stay here")

    def not_data(self) -> Any:
        return object()


@pytest.fixture(scope="module")
def pool_and_store() -> Any:
    store = Store()
    dispatcher = Dispatcher(ACCOUNT, TOKEN, base_url="https://api.twilio.test", environ={})
    with BlockingScriptPool(dispatcher, processes=1, services={"Keystore": store}) as pool:
        yield pool, store


def test_services_are_carried_out_in_the_parent(pool_and_store: Any) -> None:
    pool, store = pool_and_store
    out = pool.run("""
        local s = Keystore.set{key = "pump", value = {temp = 71.5, list = {1, 2}}}
        return {s = s, g = Keystore.get{key = "pump"}, a = Keystore.slow_get{key = "pump"}}
    """)
    assert out == {"s": {}, "g": {"value": {"temp": 71.5, "list": [1, 2]}}, "a": {"temp": 71.5, "list": [1, 2]}}
    assert store.values == {"pump": {"temp": 71.5, "list": [1, 2]}}
    assert threading.current_thread().name not in store.threads  # a blocking method runs off the loop


def test_service_errors_are_the_same_error_objects(pool_and_store: Any, caplog: pytest.LogCaptureFixture) -> None:
    pool, _ = pool_and_store
    with caplog.at_level(logging.ERROR, logger="adapter"):
        out = pool.run("""
            local _, a = Keystore.missing()
            local _, b = Keystore.boom()
            local _, c = Keystore.not_data()
            local _, d = Keystore.get{key = "a", nope = 1}
            local _, e = Keystore.get("x")
            return {a, b, c, d, e}
        """)
    assert out[0] == {"type": "service", "error": "no such thing", "status": 404, "code": "gone",
                      "service": "Keystore", "operation": "missing"}
    internal = {"type": "config", "status": 500, "service": "Keystore",
                "error": "The Keystore service failed on the host; the host's log has the details"}
    assert out[1] == {**internal, "operation": "boom"} and out[2] == {**internal, "operation": "not_data"}
    assert out[3]["type"] == "validation" and "unexpected keyword argument 'nope'" in out[3]["error"]
    assert out[4]["type"] == "validation" and "must be a table of named arguments" in out[4]["error"]
    assert "host detail that must stay here" in caplog.text and "host detail" not in str(out)


def test_validate_request_is_checked_by_the_parent(pool_and_store: Any) -> None:
    pool, _ = pool_and_store
    url = "https://hooks.example.com/sms"
    form = {"From": "+15558675310", "Body": "hi"}
    request = {"url": url, "headers": {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, form)},
               "body": form}
    out = pool.run("""
        local ok = Twilio.validateRequest(request)
        request.body.Body = "changed"
        local bad, why = Twilio.validateRequest(request)
        return {ok = ok, bad = bad, why = why}
    """, globals={"request": request})
    assert out["ok"] is True and out["bad"] is False
    assert out["why"]["status"] == 403 and "does not match" in out["why"]["error"]
    assert TOKEN not in str(out)


def test_a_service_named_twilio_is_refused() -> None:
    from adapter.lua import ScriptPool

    with pytest.raises(ValueError, match="Twilio table's name"):
        ScriptPool(None, services={"Twilio": Store()})
