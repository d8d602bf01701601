"""Dispatcher configuration: credentials (arguments, environment, per call, API keys), base URLs, timeouts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
import requests.adapters

from tests.wire import WireMock

from adapter import Dispatcher, TwilioError
from adapter.client.dispatcher import DEFAULT_BASE_URL, DEFAULT_TIMEOUT

from .support import (
    ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, CALL_SID, OTHER_ACCOUNT_SID, OTHER_AUTH_TOKEN,
    basic_auth, fixture, path_of,
)

CALL_PATH = "/2010-04-01/Accounts/{}/Calls/" + CALL_SID + ".json"


def stub_get_call(mocked: WireMock, prefix: str = "") -> None:
    mocked.add("GET", re.compile(re.escape(prefix) + "/.*"), body=json.dumps(fixture("call_completed.json")))


class RecordingAdapter(requests.adapters.HTTPAdapter):
    """An adapter of the caller's own, mounted on their session: requests' full path runs through it."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)
        self.sent: list[dict[str, Any]] = []

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.sent.append(kwargs)
        return super().send(request, **kwargs)


def session_with(adapter: RecordingAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def config_error(mocked: WireMock, dispatcher: Dispatcher, args: dict[str, Any]) -> TwilioError:
    with pytest.raises(TwilioError) as info:
        dispatcher.getCall(args)
    assert len(mocked.calls) == 0
    return info.value


# --- per-call credentials ------------------------------------------------------------------------------

def test_per_call_account_and_token_change_path_and_auth(dispatcher: Dispatcher, mocked: WireMock) -> None:
    stub_get_call(mocked)
    dispatcher.getCall(CallSid=CALL_SID, AccountSid=OTHER_ACCOUNT_SID, AuthToken=OTHER_AUTH_TOKEN)
    dispatcher.getCall(CallSid=CALL_SID)  # the override does not stick
    first, second = (c.request for c in mocked.calls)
    assert path_of(first) == CALL_PATH.format(OTHER_ACCOUNT_SID)
    assert basic_auth(first) == (OTHER_ACCOUNT_SID, OTHER_AUTH_TOKEN)
    assert path_of(second) == CALL_PATH.format(ACCOUNT_SID)
    assert basic_auth(second) == (ACCOUNT_SID, AUTH_TOKEN)
    # The token is the Basic password only: never a header, a query or a form field of its own.
    assert "AuthToken" not in first.headers and "AuthToken" not in first.url and first.body is None


def test_per_call_account_alone_uses_the_configured_credentials(
    dispatcher: Dispatcher, mocked: WireMock
) -> None:
    """A parent account's credentials reach its subaccounts."""
    stub_get_call(mocked)
    dispatcher.getCall(CallSid=CALL_SID, AccountSid=OTHER_ACCOUNT_SID)
    request = mocked.calls[0].request
    assert path_of(request) == CALL_PATH.format(OTHER_ACCOUNT_SID)
    assert basic_auth(request) == (ACCOUNT_SID, AUTH_TOKEN)


def test_per_call_token_alone_signs_for_the_configured_account(mocked: WireMock) -> None:
    stub_get_call(mocked)
    d = Dispatcher(ACCOUNT_SID, base_url=mocked.url, environ={})  # no token configured at all
    d.getCall(CallSid=CALL_SID, AuthToken=OTHER_AUTH_TOKEN)
    assert basic_auth(mocked.calls[0].request) == (ACCOUNT_SID, OTHER_AUTH_TOKEN)


@pytest.mark.parametrize("override", [{"AccountSid": OTHER_ACCOUNT_SID}, {"AuthToken": OTHER_AUTH_TOKEN},
                                      {"AccountSid": OTHER_ACCOUNT_SID, "AuthToken": OTHER_AUTH_TOKEN}])
def test_credential_override_can_be_forbidden(mocked: WireMock, override: dict[str, str]) -> None:
    stub_get_call(mocked)
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, allow_credential_override=False, environ={})
    with pytest.raises(TwilioError) as info:
        d.getCall(dict(override, CallSid=CALL_SID))
    assert info.value.type == "validation"
    assert sorted(x["field"] for x in info.value.details) == sorted(override)
    assert "may not be set by scripts on this host" in str(info.value)
    assert len(mocked.calls) == 0
    assert OTHER_AUTH_TOKEN not in str(info.value)
    d.getCall(CallSid=CALL_SID)  # the configured credentials still work
    assert len(mocked.calls) == 1


# --- API keys and the environment ----------------------------------------------------------------------

def test_api_key_auth_keeps_the_account_in_the_path(mocked: WireMock) -> None:
    stub_get_call(mocked)
    d = Dispatcher(ACCOUNT_SID, api_key=API_KEY, api_secret=API_SECRET, base_url=mocked.url, environ={})
    d.getCall(CallSid=CALL_SID)
    request = mocked.calls[0].request
    assert basic_auth(request) == (API_KEY, API_SECRET)
    assert path_of(request) == CALL_PATH.format(ACCOUNT_SID)
    assert d.auth_username == API_KEY


def test_api_key_wins_over_an_auth_token(mocked: WireMock) -> None:
    stub_get_call(mocked)
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, api_key=API_KEY, api_secret=API_SECRET, base_url=mocked.url, environ={})
    d.getCall(CallSid=CALL_SID)
    assert basic_auth(mocked.calls[0].request) == (API_KEY, API_SECRET)


def test_credentials_from_environ(mocked: WireMock) -> None:
    stub_get_call(mocked)
    d = Dispatcher(base_url=mocked.url, environ={"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN})
    d.getCall(CallSid=CALL_SID)
    assert basic_auth(mocked.calls[0].request) == (ACCOUNT_SID, AUTH_TOKEN)
    assert d.account_sid == ACCOUNT_SID


def test_credentials_from_os_environ(monkeypatch: pytest.MonkeyPatch, mocked: WireMock) -> None:
    stub_get_call(mocked)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_API_KEY", API_KEY)
    monkeypatch.setenv("TWILIO_API_SECRET", API_SECRET)
    Dispatcher(base_url=mocked.url).getCall(CallSid=CALL_SID)
    request = mocked.calls[0].request
    assert basic_auth(request) == (API_KEY, API_SECRET)
    assert path_of(request) == CALL_PATH.format(ACCOUNT_SID)


def test_explicit_arguments_beat_the_environment(mocked: WireMock) -> None:
    stub_get_call(mocked)
    env = {"TWILIO_ACCOUNT_SID": OTHER_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": OTHER_AUTH_TOKEN}
    Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, environ=env).getCall(CallSid=CALL_SID)
    assert basic_auth(mocked.calls[0].request) == (ACCOUNT_SID, AUTH_TOKEN)


def test_empty_environment_values_count_as_unset(mocked: WireMock) -> None:
    d = Dispatcher(base_url=mocked.url, environ={"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""})
    assert d.account_sid is None
    assert config_error(mocked, d, {"CallSid": CALL_SID}).type == "config"


# --- missing or malformed credentials --------------------------------------------------------------------

def test_missing_account_is_a_config_error_and_nothing_is_sent(mocked: WireMock) -> None:
    error = config_error(mocked, Dispatcher(base_url=mocked.url, environ={}), {"CallSid": CALL_SID})
    assert (error.type, error.status, error.operation) == ("config", 500, "getCall")
    assert "TWILIO_ACCOUNT_SID" in str(error)


def test_missing_token_is_a_config_error_and_nothing_is_sent(mocked: WireMock) -> None:
    error = config_error(mocked, Dispatcher(ACCOUNT_SID, base_url=mocked.url, environ={}), {"CallSid": CALL_SID})
    assert error.type == "config" and "TWILIO_AUTH_TOKEN" in str(error)


def test_per_call_account_supplies_a_missing_configured_account(mocked: WireMock) -> None:
    stub_get_call(mocked)
    Dispatcher(base_url=mocked.url, environ={}).getCall(
        CallSid=CALL_SID, AccountSid=OTHER_ACCOUNT_SID, AuthToken=OTHER_AUTH_TOKEN)
    assert basic_auth(mocked.calls[0].request) == (OTHER_ACCOUNT_SID, OTHER_AUTH_TOKEN)


def test_validation_comes_before_credentials(mocked: WireMock) -> None:
    with pytest.raises(TwilioError) as info:
        Dispatcher(base_url=mocked.url, environ={}).getCall(CallSid="bad")
    assert info.value.type == "validation"
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"account_sid": "AC123"}, "Account SID must be AC followed by 32 hexadecimal digits"),
    ({"account_sid": "SK" + "0" * 32}, "Account SID"),
    ({"account_sid": ACCOUNT_SID + "\n"}, "Account SID"),
    ({"api_key": "AC" + "0" * 32, "api_secret": "x"}, "API key must be SK"),
    ({"api_key": API_KEY}, "An API key needs its secret"),
    ({"api_secret": API_SECRET}, "An API key needs its secret"),
    ({"timeout": 0}, "Timeouts must be positive"),
    ({"timeout": (5, -1)}, "Timeouts must be positive"),
    ({"base_url": "ftp://api.twilio.com"}, "base_url must be an absolute http(s) URL"),
    ({"base_url": "api.twilio.com"}, "base_url must be an absolute http(s) URL"),
    ({"base_url": "https://api.twilio.com?x=1"}, "base_url must be an absolute http(s) URL"),
    ({"base_url": "https://api.twilio.com/#frag"}, "base_url must be an absolute http(s) URL"),
    ({"base_url": "http://[::1"}, "base_url must be an absolute http(s) URL"),
    ({"edge": "evil.example/x?"}, "edge and region must be single host-name labels"),
    ({"edge": "sydney", "region": "au1.evil.example#"}, "edge and region must be single host-name labels"),
    ({"environ": {"TWILIO_EDGE": "evil.example:8443/"}}, "edge and region must be single host-name labels"),
])
def test_bad_configuration_is_a_config_error(kwargs: dict[str, Any], message: str) -> None:
    kwargs = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "environ": {}, **kwargs}
    with pytest.raises(TwilioError) as info:
        Dispatcher(**kwargs)
    assert info.value.type == "config"
    assert message in str(info.value)
    assert AUTH_TOKEN not in str(info.value)


# --- where requests go --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, env, url", [
    ({}, {}, DEFAULT_BASE_URL),
    ({"edge": "sydney"}, {}, "https://api.sydney.us1.twilio.com"),
    ({"edge": "dublin", "region": "ie1"}, {}, "https://api.dublin.ie1.twilio.com"),
    ({"region": "au1"}, {}, "https://api.au1.twilio.com"),
    ({}, {"TWILIO_EDGE": "tokyo", "TWILIO_REGION": "jp1"}, "https://api.tokyo.jp1.twilio.com"),
    ({"edge": "sydney"}, {"TWILIO_EDGE": "tokyo", "TWILIO_REGION": "au1"}, "https://api.sydney.au1.twilio.com"),
    ({"base_url": "http://127.0.0.1:8080/"}, {"TWILIO_EDGE": "tokyo"}, "http://127.0.0.1:8080"),
    ({"base_url": "https://gateway.example/twilio/"}, {}, "https://gateway.example/twilio"),
])
def test_base_url(kwargs: dict[str, Any], env: dict[str, str], url: str) -> None:
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, environ=env, **kwargs)
    assert d.base_url == url
    assert repr(d) == f"Dispatcher(account_sid={ACCOUNT_SID!r}, base_url={url!r})"


def test_requests_go_to_the_edge_host() -> None:
    adapter = RecordingAdapter()
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, edge="sydney", region="au1", session=session_with(adapter),
                   environ={}, max_retries=0, timeout=0.2)
    adapter.send = lambda request, **kwargs: (adapter.sent.append({"url": request.url}), _refuse())[1]  # type: ignore[method-assign]
    with pytest.raises(TwilioError):
        d.getCall(CallSid=CALL_SID)
    assert adapter.sent == [{"url": "https://api.sydney.au1.twilio.com" + CALL_PATH.format(ACCOUNT_SID)}]


def _refuse() -> Any:
    raise requests.ConnectionError("not leaving this machine")


def test_requests_keep_a_base_url_prefix(mocked: WireMock) -> None:
    stub_get_call(mocked, "/twilio")
    Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url + "/twilio/", environ={}).getCall(
        CallSid=CALL_SID)
    assert path_of(mocked.calls[0].request) == "/twilio" + CALL_PATH.format(ACCOUNT_SID)


# --- timeouts, retries, lifecycle ---------------------------------------------------------------------------

def test_default_timeouts_are_finite() -> None:
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, environ={})
    assert d.timeout == DEFAULT_TIMEOUT
    assert all(0 < t < 120 for t in d.timeout)


def test_single_timeout_applies_to_connect_and_read() -> None:
    assert Dispatcher(ACCOUNT_SID, AUTH_TOKEN, timeout=2, environ={}).timeout == (2.0, 2.0)
    assert Dispatcher(ACCOUNT_SID, AUTH_TOKEN, timeout=(1, 9), environ={}).timeout == (1, 9)


def test_retry_settings() -> None:
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, max_retries=1, retry_budget=2.5, environ={})
    assert (d.retry_policy.max_retries, d.retry_policy.total_seconds) == (1, 2.5)
    assert Dispatcher(ACCOUNT_SID, AUTH_TOKEN, environ={}).retry_policy.max_retries == 3  # from the spec


def test_operations_and_context_manager() -> None:
    with Dispatcher(ACCOUNT_SID, AUTH_TOKEN, environ={}) as d:
        assert sorted(d.operations) == sorted(["createCall", "getCall", "listCall", "deleteCall", "getMedia",
                                               "listMedia", "deleteMedia", "postMessage", "getMessage",
                                               "listMessage", "deleteMessage", "updateCall", "updateMessage",
                                               "lookupPhoneNumber", "createVerification", "checkVerification"])


def test_user_agent_and_session_reuse(dispatcher: Dispatcher, mocked: WireMock) -> None:
    stub_get_call(mocked)
    dispatcher.getCall(CallSid=CALL_SID)
    dispatcher.getCall(CallSid=CALL_SID)
    agents = {c.request.headers["User-Agent"] for c in mocked.calls}
    assert len(agents) == 1
    agent = agents.pop()
    assert re.match(r"^twilio-lua-adapter/\d+\.\d+\.\d+ \(.+\) Python/3\.\d+\.\d+ requests/", agent)


def test_user_supplied_session_is_used(mocked: WireMock) -> None:
    session = requests.Session()
    session.headers["X-Trace"] = "abc"
    stub_get_call(mocked)
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, session=session, environ={})
    assert d.session is session
    d.getCall(CallSid=CALL_SID)
    assert basic_auth(mocked.calls[0].request) == (ACCOUNT_SID, AUTH_TOKEN)
    assert mocked.calls[0].request.headers["X-Trace"] == "abc"


def test_explicit_token_beats_an_api_key_in_the_environment(mocked: WireMock) -> None:
    """Environment credentials are defaults: they never replace credentials given as arguments."""
    stub_get_call(mocked)
    env = {"TWILIO_API_KEY": API_KEY, "TWILIO_API_SECRET": API_SECRET}
    Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, environ=env).getCall(CallSid=CALL_SID)
    assert basic_auth(mocked.calls[0].request) == (ACCOUNT_SID, AUTH_TOKEN)


def test_explicit_api_key_may_take_its_secret_from_the_environment(mocked: WireMock) -> None:
    stub_get_call(mocked)
    Dispatcher(ACCOUNT_SID, api_key=API_KEY, base_url=mocked.url,
               environ={"TWILIO_API_SECRET": API_SECRET}).getCall(CallSid=CALL_SID)
    assert basic_auth(mocked.calls[0].request) == (API_KEY, API_SECRET)


def test_a_user_session_keeps_its_tls_and_proxy_settings(
    monkeypatch: pytest.MonkeyPatch, mocked: WireMock
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    stub_get_call(mocked)
    adapter = RecordingAdapter()
    session = session_with(adapter)
    session.verify = "/opt/corp/ca.pem"
    session.proxies = {"https": "http://127.0.0.1:3128"}  # for https only: the stub is reached over http
    Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, session=session, environ={}).getCall(CallSid=CALL_SID)
    assert adapter.sent[0]["verify"] == "/opt/corp/ca.pem"
    assert adapter.sent[0]["proxies"] == {"https": "http://127.0.0.1:3128"}

    session = session_with(adapter)
    session.verify = False
    Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, session=session, environ={}).getCall(CallSid=CALL_SID)
    assert adapter.sent[1]["verify"] is False

    session = session_with(adapter)
    session.trust_env = False  # then the environment's CA bundle is not used either
    Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url=mocked.url, session=session, environ={}).getCall(CallSid=CALL_SID)
    assert adapter.sent[2]["verify"] is True
    assert len(mocked.calls) == 3


@pytest.mark.parametrize("own_adapter", [False, True], ids=["direct-path", "full-path"])
def test_the_environment_ca_bundle_is_the_default(monkeypatch: pytest.MonkeyPatch, own_adapter: bool) -> None:
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)
    adapter = RecordingAdapter()
    session = session_with(adapter) if own_adapter else None
    d = Dispatcher(ACCOUNT_SID, AUTH_TOKEN, base_url="https://api.twilio.test", session=session, environ={},
                   max_retries=0, timeout=0.2)
    # What the pool that carries the request verifies against (a name that cannot resolve: nothing is sent).
    pools: list[Any] = []
    original = requests.adapters.HTTPAdapter.get_connection_with_tls_context

    def spy(self: Any, request: Any, verify: Any, proxies: Any = None, cert: Any = None) -> Any:
        pool = original(self, request, verify, proxies=proxies, cert=cert)
        pools.append(pool)
        return pool

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "get_connection_with_tls_context", spy)
    with pytest.raises(TwilioError):
        d.getCall(CallSid=CALL_SID)
    assert pools and pools[-1].ca_certs == bundle
    assert len(adapter.sent) == (1 if own_adapter else 0)
