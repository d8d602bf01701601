"""Webhook signatures: our WebhookValidator against twilio-python's own RequestValidator on the same inputs,
and Twilio.validateRequest in a script (the token never reaches Lua)."""

from __future__ import annotations

import hashlib
import pickle
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from adapter import Dispatcher
from adapter.client.webhooks import WebhookValidator
from adapter.lua import LuaHost

TOKEN = "12345678901234567890123456789012"
ACCOUNT = "AC" + "0123456789abcdef" * 2
FORM = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675310", "Digits": "1234", "From": "+14158675310",
        "To": "+18005551212", "Empty": ""}
URLS = [
    "https://mycompany.com/myapp.php?foo=1&bar=2",
    "https://mycompany.com:443/myapp.php?foo=1&bar=2",
    "http://mycompany.com/sms",
    "http://mycompany.com:80/sms",
    "http://127.0.0.1:8080/sms?x=%20y",
    "https://example.ngrok.app/voice/{x}",
]


def their_signature(url: str, params: Any) -> str:
    return RequestValidator(TOKEN).compute_signature(url, params)


@pytest.mark.parametrize("url", URLS)
def test_same_signature_as_twilio_python(url: str) -> None:
    assert WebhookValidator(TOKEN).signature(url, FORM) == their_signature(url, FORM)


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("signed_as", ["given", "with_port", "without_port"])
def test_same_verdict_as_twilio_python_with_and_without_port(url: str, signed_as: str) -> None:
    from urllib.parse import urlparse

    from twilio.request_validator import add_port, remove_port

    signed_url = {"given": url, "with_port": add_port(urlparse(url)), "without_port": remove_port(urlparse(url))}[
        signed_as]
    signature = their_signature(signed_url, FORM)
    ours = WebhookValidator(TOKEN)
    assert ours.validate(url, FORM, signature) is RequestValidator(TOKEN).validate(url, FORM, signature) is True
    tampered = dict(FORM, Digits="9999")
    assert ours.validate(url, tampered, signature) is RequestValidator(TOKEN).validate(url, tampered, signature) \
        is False
    assert WebhookValidator("another-token").validate(url, FORM, signature) is False


def test_repeated_parameters_sort_their_values() -> None:
    params = {"MediaUrl": ["https://b.example/2", "https://a.example/1"], "Body": "hi"}

    class MultiDict(dict):
        def getlist(self, name: str) -> list[str]:
            value = self[name]
            return value if isinstance(value, list) else [value]

    url = "https://example.com/inbound"
    assert WebhookValidator(TOKEN).signature(url, params) == their_signature(url, MultiDict(params))


def test_json_bodies_are_checked_through_body_sha256() -> None:
    body = '{"property": "value", "boolean": true}'
    digest = hashlib.sha256(body.encode()).hexdigest()
    url = f"https://mycompany.com/myapp?bodySHA256={digest}"
    signature = their_signature(url, {})
    ours = WebhookValidator(TOKEN)
    assert ours.validate(url, body, signature) is RequestValidator(TOKEN).validate(url, body, signature) is True
    assert ours.validate(url, body + " ", signature) is RequestValidator(TOKEN).validate(url, body + " ", signature) \
        is False
    assert "bodySHA256" in (ours.reason(url, body + " ", signature) or "")


def test_the_token_is_not_in_repr_or_pickle() -> None:
    validator = WebhookValidator(TOKEN)
    assert TOKEN not in repr(validator)
    with pytest.raises(TypeError):
        pickle.dumps(validator)
    with Dispatcher(ACCOUNT, TOKEN, environ={}) as dispatcher:
        assert TOKEN not in repr(dispatcher)
        assert dispatcher.webhook_validator is not None


def _host() -> LuaHost:
    return LuaHost(Dispatcher(ACCOUNT, TOKEN, base_url="https://api.twilio.test", environ={}))


def test_validate_request_in_a_script_form_body() -> None:
    url = "https://hooks.example.com/sms"
    signature = their_signature(url, FORM)
    request = {"url": url, "method": "POST", "headers": {"x-twilio-signature": signature}, "body": FORM}
    out = _host().run("""
        local ok, err = Twilio.validateRequest(request)
        request.body.Digits = "0000"
        local bad, why = Twilio.validateRequest(request)
        local none, missing = Twilio.validateRequest({url = request.url, body = {}, headers = {}})
        local shape, shape_err = Twilio.validateRequest("x")
        return {ok = ok, err = err, bad = bad, why = why, missing = missing.error, shape = shape_err.type}
    """, globals={"request": request})
    assert out["ok"] is True and "err" not in out and out["bad"] is False
    assert out["why"]["status"] == 403 and "does not match" in out["why"]["error"]
    assert "no X-Twilio-Signature" in out["missing"] and out["shape"] == "validation"
    assert TOKEN not in str(out)


def test_validate_request_in_a_script_json_body() -> None:
    body = '{"event": "delivered"}'
    url = f"https://hooks.example.com:443/status?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    request = {"url": url, "headers": {"X-Twilio-Signature": their_signature(url, {})}, "raw_body": body,
               "body": {"event": "delivered"}}
    assert _host().run("return Twilio.validateRequest(request)", globals={"request": request}) is True


def test_validate_request_without_a_token_says_so() -> None:
    host = LuaHost(Dispatcher(ACCOUNT, api_key="SK" + "0" * 32, api_secret="s", base_url="https://api.twilio.test",
                              environ={}))
    out = host.run('local ok, e = Twilio.validateRequest{url = "https://x.example/", headers = {}} return {ok, e}')
    assert out[0] is False and out[1]["type"] == "config" and "Auth Token" in out[1]["error"]
