"""Host services next to Twilio: LuaHost(services=...) and register(services=...), one bridge for all."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from lupa import lua51, luajit21

from adapter import Dispatcher
from adapter.lua import LuaHost, ServiceError, register
from tests.wire import WireMock

from .conftest import ACCOUNT, MOCK_BASE, message_json

MESSAGES = f"{MOCK_BASE}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


class Store:
    """A small Keystore-like service recording its calls."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.hidden = "not an operation"

    def get(self, key: str) -> dict[str, Any]:
        self.calls.append(("get", {"key": key}))
        return {"value": self.values.get(key)}

    def set(self, key: str, value: Any) -> dict[str, Any]:
        self.calls.append(("set", {"key": key, "value": value}))
        self.values[key] = value
        return {}

    def count(self) -> int:
        return len(self.values)

    def name(self) -> str:
        return "héllo"

    def flag(self) -> bool:
        return False

    def fail(self, kind: str = "service") -> Any:
        if kind == "service":
            raise ServiceError("no such key", status=404, code="missing")
        raise RuntimeError("secret host detail /etc/passwd")

    def weird(self) -> Any:
        return {1, 2}

    def _private(self) -> None:
        raise AssertionError("never callable from Lua")


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def host(mock_dispatcher: Dispatcher, store: Store) -> LuaHost:
    return LuaHost(mock_dispatcher, services={"Keystore": store})


def test_methods_take_the_table_as_keyword_arguments(host: LuaHost, store: Store) -> None:
    out = host.run("""
        local s = Keystore.set{key = "pump", value = {temp = 71.5, ok = true, list = {1, 2}}}
        local g = Keystore.get{key = "pump"}
        return {set = s, value = g.value, count = Keystore.count(), name = Keystore.name(), flag = Keystore.flag()}
    """)
    assert out == {"set": {}, "value": {"temp": 71.5, "ok": True, "list": [1, 2]}, "count": 1,
                   "name": "héllo", "flag": False}
    assert store.calls == [("set", {"key": "pump", "value": {"temp": 71.5, "ok": True, "list": [1, 2]}}),
                           ("get", {"key": "pump"})]


def test_service_error_becomes_its_error_object_twice(host: LuaHost) -> None:
    out = host.run("local r, e = Keystore.fail{} return {r = r, e = e, same = rawequal(r, e)}")
    assert out["same"] is True
    assert out["e"] == {"type": "service", "error": "no such key", "status": 404, "code": "missing",
                        "service": "Keystore", "operation": "fail"}


def test_unexpected_exception_is_a_generic_error_logged_on_the_host(host: LuaHost,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="adapter"):
        out = host.run('local r, e = Keystore.fail{kind = "boom"} return e')
    assert out == {"type": "config", "status": 500, "service": "Keystore", "operation": "fail",
                   "error": "The Keystore service failed on the host; the host's log has the details"}
    assert "secret host detail" not in str(out) and "secret host detail" in caplog.text


def test_a_result_that_is_not_data_is_an_error_object(host: LuaHost, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="adapter"):
        out = host.run("local r, e = Keystore.weird() return e")
    assert out["type"] == "config" and out["status"] == 500
    assert "cannot be passed to Lua" in caplog.text


@pytest.mark.parametrize(("call", "expected"), [
    ('Keystore.get{}', "missing a required argument: 'key'"),
    ('Keystore.get{key = "a", nope = 1}', "unexpected keyword argument 'nope'"),
    ('Keystore.get("a")', "must be a table of named arguments, not a string"),
    ('Keystore.get({key = "a"}, 2)', "takes one table of named arguments"),
    ('Keystore:get{key = "a"}', "call Keystore.get{...} with a dot, not Keystore:get{...}"),
    ('Keystore.get{key = print}', "key is a function"),
    ('Keystore.get{"a", "b"}', "not a list"),
    ('Keystore.get{key = "\\255"}', "key is not valid UTF-8 text"),
])
def test_wrong_calls_are_validation_errors_and_run_nothing(host: LuaHost, store: Store, call: str,
                                                           expected: str) -> None:
    out = host.run(f"local r, e = {call} return e")
    assert out["type"] == "validation" and out["status"] == 400, out
    assert expected in out["error"]
    assert out["error"].startswith("Keystore.get")
    assert store.calls == []


def test_private_names_and_attributes_are_not_operations(host: LuaHost) -> None:
    out = host.run("local names = {} for k in pairs(Keystore) do names[#names + 1] = k end table.sort(names) "
                   "return names")
    assert out == ["count", "fail", "flag", "get", "name", "set", "weird"]


def test_each_run_gets_a_fresh_copy_of_the_service_table(host: LuaHost) -> None:
    host.run("Keystore.get = nil Keystore.extra = 1")
    assert host.run("return {type(Keystore.get), Keystore.extra == nil}") == ["function", True]


def test_twilio_and_services_share_one_bridge(mocked: WireMock, host: LuaHost, store: Store) -> None:
    mocked.add("POST", MESSAGES, status=201, json=message_json(body="71.5"))
    store.values["t"] = 71.5
    out = host.run("""
        local t = Keystore.get{key = "t"}
        local m = Twilio.postMessage{From = "+15005550006", To = "+15558675310", Body = tostring(t.value)}
        local _, e = Keystore.fail{}
        local _, te = Twilio.postMessage("x")
        return {m.body, e.type, te.type}
    """)
    assert out == ["71.5", "service", "validation"]
    assert len(mocked.calls) == 1 and "Body=71.5" in mocked.calls[0].request.body


def test_a_mapping_of_functions_is_a_service(mock_dispatcher: Dispatcher) -> None:
    sent: list[dict[str, Any]] = []
    email = {"send": lambda to, subject, text="": sent.append({"to": to, "subject": subject}) or {"status": "sent"}}
    host = LuaHost(mock_dispatcher, services={"Email": email})
    assert host.run('return Email.send{to = "a@example.com", subject = "hi"}') == {"status": "sent"}
    assert sent == [{"to": "a@example.com", "subject": "hi"}]


def test_a_host_without_twilio(store: Store) -> None:
    host = LuaHost(None, services={"Keystore": store})
    assert host.run('Keystore.set{key = "a", value = 1} return {Twilio == nil, Keystore.get{key = "a"}.value}') \
        == [True, 1]


@pytest.mark.parametrize(("services", "message"), [
    ({"print": Store()}, "a global scripts already have"),
    ({"Twilio": Store()}, "the Twilio table's name"),
    ({"my-service": Store()}, "identifiers"),
    ({"Empty": object()}, "no public methods"),
])
def test_bad_services_are_refused_when_the_host_is_made(mock_dispatcher: Dispatcher, services: dict[str, Any],
                                                        message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LuaHost(mock_dispatcher, services=services)


def test_limits_apply_while_a_service_is_in_the_script(mock_dispatcher: Dispatcher, store: Store) -> None:
    from adapter.lua import LuaInstructionLimitError

    host = LuaHost(mock_dispatcher, services={"Keystore": store}, instruction_limit=100_000)
    with pytest.raises(LuaInstructionLimitError):
        host.run('while true do Keystore.count() end')
    assert host.run("return Keystore.count()") == 0


def test_keyboard_interrupt_in_a_service_stops_the_script_and_reaches_the_host(mock_dispatcher: Dispatcher) -> None:
    def stop() -> None:
        raise KeyboardInterrupt

    host = LuaHost(mock_dispatcher, services={"Ctl": {"stop": stop}})
    with pytest.raises(KeyboardInterrupt):
        host.run("local ok = pcall(Ctl.stop) while true do end")


@pytest.mark.parametrize("module", [luajit21, lua51], ids=["luajit21", "lua51"])
@pytest.mark.parametrize("encoding", ["utf-8", None])
def test_register_installs_services_too(module: Any, encoding: str | None, mock_dispatcher: Dispatcher,
                                        store: Store) -> None:
    lua = module.LuaRuntime(encoding=encoding) if encoding else module.LuaRuntime(encoding=None)
    register(lua, mock_dispatcher, services={"Keystore": store})
    code = """
        Keystore.set{key = "k", value = "vé"}
        local _, e = Keystore.fail{}
        local _, v = Keystore.get{}
        return Keystore.get{key = "k"}.value, e.status, v.type, Keystore.count(), type(Twilio.postMessage)
    """
    value, status, vtype, count, kind = lua.execute(code if encoding else code.encode())
    if encoding is None:
        value, vtype, kind = value.decode(), vtype.decode(), kind.decode()
    assert (value, status, vtype, count, kind) == ("vé", 404, "validation", 1, "function")
    assert store.values == {"k": "vé"}
