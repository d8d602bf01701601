"""The Auth Token (and an API key's secret) never leaves the host: not in error objects, exception text,
reprs, logs at any level, CLI output, nor anything a Lua script can read."""

from __future__ import annotations

import base64
import logging
import pickle
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter import Dispatcher, TwilioError, simulator
from adapter.lua import LuaHost

from .conftest import ACCOUNT_SID, AUTH_TOKEN, FETCH, SEND, fast_policy
from .faultserver import FaultServer, close, closed_port, reply, slow


def _forms(*pairs: tuple[str, str]) -> list[str]:
    """Each secret as it could leak: plain, and inside a Basic-auth header value (whole or base64 only)."""
    out = []
    for username, secret in pairs:
        encoded = base64.b64encode(f"{username}:{secret}".encode()).decode()
        out += [secret, encoded, f"Basic {encoded}"]
    return out


def assert_clean(text: str, secrets: list[str], where: str) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret leaked into {where}"


@pytest.fixture
def sim() -> Iterator[Any]:
    with simulator.Simulator(accounts={ACCOUNT_SID: AUTH_TOKEN}, seed=3) as running:
        yield running


@pytest.fixture
def api_key(sim: Any) -> tuple[str, str]:
    return sim.add_api_key()


@pytest.fixture
def secrets(api_key: tuple[str, str]) -> list[str]:
    return _forms((ACCOUNT_SID, AUTH_TOKEN), api_key)


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)  # root: adapter, urllib3, requests, werkzeug, everything
    for name in ("adapter", "urllib3", "requests"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield caplog
    for name in ("adapter", "urllib3", "requests"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def _all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts += [record.getMessage(), repr(record.args), repr(record.__dict__)]
    return "\n".join(parts)


def _error_texts(err: TwilioError) -> list[str]:
    return [
        str(err), repr(err), repr(err.to_dict()), str(err.to_dict()), repr(err.args),
        "".join(traceback.format_exception(err)), repr(pickle.loads(pickle.dumps(err)).to_dict()),
    ]


def _exercise(dispatcher: Dispatcher, sim: Any) -> list[TwilioError]:
    """Successful, failing and retried calls; returns the errors raised."""
    errors: list[TwilioError] = []

    def attempt(operation: str, args: dict[str, Any]) -> Any:
        try:
            return dispatcher.call(operation, args)
        except TwilioError as err:
            errors.append(err)
            return None

    message = attempt("postMessage", SEND)
    assert message is not None, errors
    attempt("getMessage", {"MessageSid": message["sid"]})
    attempt("listMessage", {"PageSize": 2})
    attempt("listMedia", {"MessageSid": message["sid"]})
    attempt("deleteMessage", {"MessageSid": "SM" + "0" * 32})  # 404
    attempt("postMessage", {"To": "+15005550001", "From": "+15557654321", "Body": "x"})  # invalid To (400)
    attempt("postMessage", {"To": "nope"})  # validation
    sim.faults.throttle_next(2)
    attempt("postMessage", SEND)  # retried twice, then sent
    sim.faults.fail_next(4)
    attempt("getMessage", {"MessageSid": message["sid"]})  # retried until out of retries
    sim.faults.drop_next(1)
    attempt("postMessage", SEND)  # lost connection
    return errors


@pytest.mark.parametrize("auth", ["token", "api_key"])
def test_secrets_stay_out_of_errors_and_logs(
    sim: Any, api_key: tuple[str, str], secrets: list[str], everything_logged: pytest.LogCaptureFixture, auth: str,
):
    credentials: dict[str, Any] = (
        {"auth_token": AUTH_TOKEN} if auth == "token" else {"api_key": api_key[0], "api_secret": api_key[1]}
    )
    with Dispatcher(ACCOUNT_SID, base_url=sim.base_url, retry_policy=fast_policy(), **credentials) as dispatcher:
        assert_clean(repr(dispatcher), secrets, "Dispatcher repr")
        assert_clean(str(dispatcher), secrets, "Dispatcher str")
        errors = _exercise(dispatcher, sim)
    assert {e.type for e in errors} >= {"api", "validation", "network"}
    assert any(e.attempts and e.attempts > 1 for e in errors)
    for err in errors:
        for text in _error_texts(err):
            assert_clean(text, secrets, f"error {err!r}")
    log = _all_log_text(everything_logged)
    assert "urllib3" in {r.name.split(".")[0] for r in everything_logged.records}  # DEBUG capture worked
    assert any(r.name == "adapter" and r.levelno == logging.WARNING for r in everything_logged.records)
    assert_clean(log, secrets, "the logs")


def test_secrets_stay_out_of_network_and_timeout_errors(
    make_dispatcher: Callable[..., Dispatcher], everything_logged: pytest.LogCaptureFixture,
):
    secrets = _forms((ACCOUNT_SID, AUTH_TOKEN))
    errors = []
    with FaultServer() as server:
        server.script(close(), slow(2), reply(401, {"code": 20003, "message": "Authenticate", "status": 401}))
        dispatcher = make_dispatcher(server.base_url, timeout=(1.0, 0.2))
        refused = make_dispatcher(f"http://127.0.0.1:{closed_port()}")
        for target, operation, args in [(dispatcher, "postMessage", SEND), (dispatcher, "postMessage", SEND),
                                        (dispatcher, "getMessage", FETCH), (refused, "postMessage", SEND)]:
            with pytest.raises(TwilioError) as caught:
                target.call(operation, args)
            errors.append(caught.value)
    assert [e.type for e in errors] == ["network", "timeout", "api", "network"]
    for err in errors:
        for text in _error_texts(err):
            assert_clean(text, secrets, f"error {err!r}")
    assert_clean(_all_log_text(everything_logged), secrets, "the logs")


def test_public_attributes_hold_no_secret(sim: Any, api_key: tuple[str, str], secrets: list[str]):
    for dispatcher in (Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=sim.base_url),
                       Dispatcher(ACCOUNT_SID, api_key=api_key[0], api_secret=api_key[1], base_url=sim.base_url)):
        public = {name: getattr(dispatcher, name) for name in dir(dispatcher)
                  if not name.startswith("_") and not callable(getattr(dispatcher, name))}
        assert_clean(repr(public), secrets, "public attributes")
        assert_clean(repr(dict(dispatcher.session.headers)), secrets, "the session's default headers")
        assert dispatcher.session.auth is None
        dispatcher.close()


def test_credentials_from_the_environment_are_not_echoed(sim: Any, secrets: list[str]):
    env = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}
    with Dispatcher(base_url=sim.base_url, environ=env) as dispatcher:
        assert dispatcher.call("listMessage", {})["messages"] == []
        assert_clean(repr(dispatcher), secrets, "Dispatcher repr")
    for bad in ({"TWILIO_ACCOUNT_SID": AUTH_TOKEN, "TWILIO_AUTH_TOKEN": AUTH_TOKEN},
                {"TWILIO_API_KEY": AUTH_TOKEN, "TWILIO_API_SECRET": AUTH_TOKEN}):
        with pytest.raises(TwilioError) as caught:
            Dispatcher(base_url=sim.base_url, environ=bad)
        for text in _error_texts(caught.value):
            assert_clean(text, secrets, "a config error")


# -- the host option that forbids per-call credentials -------------------------------------------------


@pytest.mark.parametrize("given", [
    {"AuthToken": "0" * 32},
    {"AccountSid": "AC" + "9" * 32},
    {"AccountSid": "AC" + "9" * 32, "AuthToken": "0" * 32},
    {"AuthToken": AUTH_TOKEN},
])
def test_credential_override_can_be_forbidden(server: FaultServer, make_dispatcher: Callable[..., Dispatcher],
                                              given: dict[str, str]):
    dispatcher = make_dispatcher(server.base_url, allow_credential_override=False)
    for operation, args in (("postMessage", SEND), ("getMessage", FETCH), ("listMessage", {})):
        with pytest.raises(TwilioError) as caught:
            dispatcher.call(operation, {**args, **given})
        err = caught.value
        assert err.type == "validation" and err.status == 400
        assert {d["field"] for d in err.details} >= set(given)
        for text in _error_texts(err):
            assert_clean(text, [*_forms((ACCOUNT_SID, AUTH_TOKEN)), given.get("AuthToken", AUTH_TOKEN)], "error")
    assert server.requests == []
    # The host's own credentials still work, and an override is honoured when allowed.
    assert dispatcher.call("getMessage", FETCH) == {"ok": True}
    allowing = make_dispatcher(server.base_url)
    allowing.call("getMessage", {**FETCH, "AuthToken": "0" * 32})
    sent = server.requests[-1].headers["authorization"]
    assert sent == "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{'0' * 32}".encode()).decode()


def test_a_wrong_per_call_token_is_not_echoed(sim: Any):
    wrong = "feedface" * 4
    with Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=sim.base_url) as dispatcher:
        with pytest.raises(TwilioError) as caught:
            dispatcher.call("listMessage", {"AuthToken": wrong})
    assert caught.value.status == 401
    for text in _error_texts(caught.value):
        assert_clean(text, [*_forms((ACCOUNT_SID, wrong)), *_forms((ACCOUNT_SID, AUTH_TOKEN))], "a 401 error")


# -- the command line ---------------------------------------------------------------------------------------


def _cli(argv: list[str]) -> int:
    from adapter import cli  # the package: adapter.cli.main

    return cli.main(argv)


def test_cli_output_holds_no_secret(sim: Any, capsys: pytest.CaptureFixture[str],
                                    everything_logged: pytest.LogCaptureFixture,
                                    monkeypatch: pytest.MonkeyPatch):
    secrets = _forms((ACCOUNT_SID, AUTH_TOKEN))
    target = ["--base-url", sim.base_url, "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN]
    sends = [f"{k}={v}" for k, v in SEND.items()]
    assert _cli(["call", "postMessage", *sends, *target]) == 0
    assert _cli(["call", "getMessage", "MessageSid=SM" + "0" * 32, *target]) == 1  # 404
    assert _cli(["call", "postMessage", "To=nope", *target]) == 1  # validation
    sim.faults.throttle_next(1)
    assert _cli(["call", "listMessage", *target]) == 0  # retried
    refused = ["--base-url", f"http://127.0.0.1:{closed_port()}", "--account-sid", ACCOUNT_SID,
               "--auth-token", AUTH_TOKEN]
    assert _cli(["call", "listMessage", *refused]) == 1
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    assert _cli(["call", "listMessage", "--base-url", sim.base_url]) == 0
    out = capsys.readouterr()
    assert '"type": "network"' in out.out and '"sid": "SM' in out.out
    assert_clean(out.out, secrets, "CLI stdout")
    assert_clean(out.err, secrets, "CLI stderr")
    assert_clean(_all_log_text(everything_logged), secrets, "the logs")


# -- what a Lua script can reach -------------------------------------------------------------------------------

# Walks everything reachable from the script's globals (keys, values, metatables, and upvalues of functions
# when the sandbox leaves debug.getupvalue reachable) and returns every string and number it saw.
LUA_WALK = r"""
local seen, out = {}, {}
local getupvalue = (type(debug) == "table" and type(debug.getupvalue) == "function") and debug.getupvalue or nil
local getmeta = getmetatable
local getfenv = type(getfenv) == "function" and getfenv or nil
local function add(v) out[#out + 1] = tostring(v) end
local function walk(v, depth)
  if depth > 40 then return end
  local t = type(v)
  if t == "string" or t == "number" or t == "boolean" then add(v) return end
  if t ~= "table" and t ~= "function" and t ~= "userdata" and t ~= "thread" then return end
  if seen[v] then return end
  seen[v] = true
  add(v)
  if t == "table" then
    for k, x in next, v do walk(k, depth + 1) walk(x, depth + 1) end
  end
  if getmeta then
    local ok, mt = pcall(getmeta, v)
    if ok and mt ~= nil then walk(mt, depth + 1) end
  end
  if t == "function" and getfenv then
    local ok, env = pcall(getfenv, v)
    if ok then walk(env, depth + 1) end
  end
  if t == "function" and getupvalue then
    for i = 1, 255 do
      local ok, name, value = pcall(getupvalue, v, i)
      if not ok or name == nil then break end
      walk(name, depth + 1) walk(value, depth + 1)
    end
  end
end
walk(_G, 0)
walk(_ENV or _G, 0)
if getfenv then for level = 0, 3 do local ok, env = pcall(getfenv, level) if ok then walk(env, 0) end end end
if Twilio ~= nil then walk(Twilio, 0) end
walk(getmeta(""), 0)
for _, extra in ipairs(EXTRA or {}) do walk(extra, 0) end
return table.concat(out, "\n")
"""

LUA_ERRORS = r"""
local results = {}
local function keep(...) for i = 1, select("#", ...) do results[#results + 1] = (select(i, ...)) end end
keep(Twilio.postMessage{To = "+15551234567", From = "+15557654321", Body = "hi"})
keep(Twilio.getMessage{MessageSid = "SM00000000000000000000000000000000"})
keep(Twilio.postMessage{To = "nope"})
keep(Twilio.listMessage{AuthToken = "00000000000000000000000000000000"})
keep(pcall(Twilio.postMessage, "not a table"))
keep(pcall(Twilio.postMessage, nil))
keep(pcall(function() return Twilio.nosuchOperation{} end))
EXTRA = results
"""


def _lua_host(dispatcher: Dispatcher, **options: Any) -> Any:
    return LuaHost(dispatcher, **options)


@pytest.mark.parametrize("engine", ["luajit21", "lua51"])
def test_lua_scripts_cannot_read_the_secret(sim: Any, api_key: tuple[str, str], secrets: list[str], engine: str):
    for credentials in ({"auth_token": AUTH_TOKEN}, {"api_key": api_key[0], "api_secret": api_key[1]}):
        with Dispatcher(ACCOUNT_SID, base_url=sim.base_url, retry_policy=fast_policy(), **credentials) as dispatcher:
            host = _lua_host(dispatcher, engine=engine)
            seen = host.run(LUA_WALK)
            assert isinstance(seen, str) and ("Twilio" in seen or "postMessage" in seen)
            assert_clean(seen, secrets, "the Lua environment")
            sim.faults.drop_next(1)
            seen = host.run(LUA_ERRORS + LUA_WALK)
            assert "validation" in seen and "api" in seen
            assert_clean(seen, secrets, "what Lua scripts see of errors")


def test_lua_host_can_forbid_credentials(server: FaultServer, make_dispatcher: Callable[..., Dispatcher]):
    dispatcher = make_dispatcher(server.base_url, allow_credential_override=False)
    host = _lua_host(dispatcher)
    result = host.run('return Twilio.listMessage{AuthToken = "00000000000000000000000000000000"}')
    assert isinstance(result, dict) and result["type"] == "validation"
    result = host.run('return Twilio.getMessage{MessageSid = "SM' + "b" * 32 + '", AccountSid = "AC' + "9" * 32 + '"}')
    assert isinstance(result, dict) and result["type"] == "validation"
    assert server.requests == []


def test_cli_run_scripts_cannot_print_the_secret(sim: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str],
                                                 everything_logged: pytest.LogCaptureFixture):
    secrets = _forms((ACCOUNT_SID, AUTH_TOKEN))
    script = tmp_path / "walk.lua"
    script.write_text(LUA_ERRORS + LUA_WALK.replace("return table.concat(out, \"\\n\")",
                                                    "print(table.concat(out, \"\\n\"))\nreturn #out"))
    target = ["--base-url", sim.base_url, "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN]
    for engine in ("luajit21", "lua51"):
        _cli(["run", str(script), "--engine", engine, *target])
    out = capsys.readouterr()
    assert "postMessage" in out.out + out.err
    assert_clean(out.out, secrets, "twilio-lua run stdout")
    assert_clean(out.err, secrets, "twilio-lua run stderr")
    assert_clean(_all_log_text(everything_logged), secrets, "the logs")


def test_lua_host_option_forbids_credentials_on_a_permissive_dispatcher(
    server: FaultServer, make_dispatcher: Callable[..., Dispatcher],
):
    dispatcher = make_dispatcher(server.base_url)  # allows overrides from Python
    host = _lua_host(dispatcher, allow_credential_override=False)
    for args in ('AuthToken = "00000000000000000000000000000000"', 'AccountSid = "AC' + "9" * 32 + '"'):
        result = host.run(f'local r, err = Twilio.listMessage{{{args}}}\nreturn err')
        assert result["type"] == "validation" and result["status"] == 400
    assert server.requests == []
    # A host cannot loosen a dispatcher that forbids overrides.
    strict = _lua_host(make_dispatcher(server.base_url, allow_credential_override=False),
                       allow_credential_override=True)
    result = strict.run('local r, err = Twilio.listMessage{AuthToken = "00000000000000000000000000000000"}\nreturn err')
    assert result["type"] == "validation"
    assert server.requests == []
    assert host.run("local r, err = Twilio.listMessage{}\nreturn err") is None
    assert len(server.requests) == 1


def _frames_text(err: BaseException) -> str:
    """Everything an error tracker recording frame locals would send: every frame's locals from the
    Dispatcher down (this test's own frames hold the secrets on purpose), through the whole cause chain."""
    tests = str(Path(__file__).parent)
    tb = err.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(tests):
        tb = tb.tb_next
    err.__traceback__ = tb
    return "".join(traceback.TracebackException.from_exception(err, capture_locals=True).format())


def test_no_secret_in_the_frames_of_an_escaping_error(make_dispatcher: Callable[..., Dispatcher]):
    secrets = _forms((ACCOUNT_SID, AUTH_TOKEN), (ACCOUNT_SID, "per-call-token-0123456789"))
    errors: list[TwilioError] = []
    with FaultServer() as server:
        server.script(
            close(),                                                                 # network
            slow(2),                                                                 # timeout
            reply(401, {"code": 20003, "message": "Authenticate", "status": 401}),  # api
            *[reply(503, {"code": 20500, "message": "busy", "status": 503})] * 4,    # retries exhausted
            reply(401, {"code": 20003, "message": "Authenticate", "status": 401}),  # api, token given per call
        )
        dispatcher = make_dispatcher(server.base_url, timeout=(1.0, 0.2))
        refused = make_dispatcher(f"http://127.0.0.1:{closed_port()}")
        calls = [(dispatcher, "postMessage", SEND), (dispatcher, "postMessage", SEND), (dispatcher, "getMessage", FETCH),
                 (dispatcher, "getMessage", FETCH), (refused, "postMessage", SEND),
                 (dispatcher, "getMessage", dict(FETCH, AuthToken="per-call-token-0123456789"))]
        for target, operation, args in calls:
            with pytest.raises(TwilioError) as caught:
                target.call(operation, args)
            errors.append(caught.value)
        if hasattr(dispatcher, "call_until"):
            with pytest.raises(TwilioError) as caught:
                dispatcher.call_until(0.0, "getMessage", FETCH)  # a deadline already past
            errors.append(caught.value)
    kinds = ["network", "timeout", "api", "api", "network", "api", "timeout"]
    assert [e.type for e in errors] == kinds[:len(errors)] and len(errors) >= 6
    assert errors[3].attempts and errors[3].attempts > 1
    for err in errors:
        text = _frames_text(err)
        assert "call" in text  # the frames were formatted, with their locals
        assert_clean(text, secrets, f"the frames of {err!r}")
        link = err.__cause__
        while link is not None:  # kept for debugging, without frames or the request it carried
            assert link.__traceback__ is None and getattr(link, "request", None) is None
            link = link.__cause__ or link.__context__


def test_a_dispatcher_cannot_be_pickled(sim: Any, api_key: tuple[str, str]):
    for dispatcher in (Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=sim.base_url),
                       Dispatcher(ACCOUNT_SID, api_key=api_key[0], api_secret=api_key[1], base_url=sim.base_url)):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(dispatcher)
        dispatcher.close()
    from adapter.client.async_dispatcher import AsyncDispatcher

    with pytest.raises(TypeError, match="AsyncDispatcher holds credentials and cannot be pickled"):
        pickle.dumps(AsyncDispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=sim.base_url))
