"""Functional tests: every operation in the spec, called through Dispatcher.call and through its generated
method, against a stub Twilio on loopback (tests/wire.py) that records the request as it went over the wire. The sample arguments and the exact expected request are data
(cases/operations.yaml); the operations come from the spec, so a new operation without a sample fails."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tests.wire import WireMock

from adapter import Dispatcher, TwilioError
from adapter.client.spec import default_spec

from .support import (
    ACCOUNT_SID, AUTH_TOKEN, basic_auth, fixture, form_of, load_cases, path_of, query_of,
)

SAMPLES: dict[str, dict[str, Any]] = load_cases("operations.yaml")
OPERATIONS = list(default_spec().operations)
FORM = "application/x-www-form-urlencoded"


def test_every_operation_has_a_sample_and_no_sample_is_stale() -> None:
    assert sorted(SAMPLES) == sorted(OPERATIONS)
    assert len(OPERATIONS) == 16


def _stub(mocked: WireMock, sample: dict[str, Any], status: int | None = None) -> None:
    body = json.dumps(fixture(sample["fixture"])) if sample["fixture"] else ""
    mocked.add(
        sample["method"], re.compile("/.*"), body=body, status=status or sample["status"],
        content_type="application/json",
    )


def _invoke(dispatcher: Dispatcher, via: str, op: str, args: dict[str, Any]) -> Any:
    if via == "call":
        return dispatcher.call(op, args)
    return getattr(dispatcher, op)(args)


@pytest.mark.parametrize("via", ["call", "method"])
@pytest.mark.parametrize("op", OPERATIONS)
def test_operation_sends_exactly_the_expected_request(
    dispatcher: Dispatcher, mocked: WireMock, op: str, via: str
) -> None:
    sample = SAMPLES[op]
    _stub(mocked, sample)
    result = _invoke(dispatcher, via, op, sample["args"])

    assert len(mocked.calls) == 1
    request = mocked.calls[0].request
    assert request.method == sample["method"]
    assert request.url.startswith(dispatcher.base_url + "/")
    assert request.headers["Host"] == dispatcher.base_url.split("//")[1]
    assert path_of(request) == sample["path"]
    assert query_of(request) == sample["query"]
    assert basic_auth(request) == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.headers["User-Agent"].startswith("twilio-lua-adapter/")
    assert request.headers["Accept"] == "application/json"
    if sample["method"] == "POST":
        assert request.headers["Content-Type"] == FORM
        assert form_of(request) == sample["form"]
    else:
        assert request.body is None
        assert "Content-Type" not in request.headers
        assert sample["form"] == {}

    operation = default_spec().operation(op)
    assert operation.method == sample["method"]
    assert operation.success_status == sample["status"]
    if sample["fixture"] is None:
        assert result is None
    else:
        assert result == fixture(sample["fixture"])
        if operation.items_key:
            assert isinstance(result[operation.items_key], list) and result[operation.items_key]
            assert "next_page_uri" in result and "page_size" in result
        elif "sid" in result:
            assert result["sid"] == fixture(sample["fixture"])["sid"]


@pytest.mark.parametrize("op", OPERATIONS)
def test_operation_accepts_keyword_arguments(dispatcher: Dispatcher, mocked: WireMock, op: str) -> None:
    sample = SAMPLES[op]
    _stub(mocked, sample)
    # Keyword names like "StartTime>" are not identifiers, so they go through ** unpacking.
    getattr(dispatcher, op)(**sample["args"])
    assert path_of(mocked.calls[0].request) == sample["path"]
    assert query_of(mocked.calls[0].request) == sample["query"]


@pytest.mark.parametrize("op", OPERATIONS)
def test_operation_with_a_missing_required_argument_sends_nothing(
    dispatcher: Dispatcher, mocked: WireMock, op: str
) -> None:
    """Generated from the spec: dropping each required argument of the sample is a validation error
    naming exactly that argument."""
    operation = default_spec().operation(op)
    required = operation.required
    if not required:
        pytest.skip(f"{op} has no required argument")
    for name in required:
        args = {k: v for k, v in SAMPLES[op]["args"].items() if k != name}
        with pytest.raises(TwilioError) as info:
            dispatcher.call(op, args)
        assert info.value.type == "validation"
        assert info.value.status == 400
        assert [d["field"] for d in info.value.details] == [name]
        assert f"{name} is required" in str(info.value)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("op", OPERATIONS)
def test_operation_rejects_unknown_and_bad_account_arguments(
    dispatcher: Dispatcher, mocked: WireMock, op: str
) -> None:
    args = dict(SAMPLES[op]["args"], Bogus=1, AccountSid="AC123")
    with pytest.raises(TwilioError) as info:
        dispatcher.call(op, args)
    fields = sorted(d["field"] for d in info.value.details)
    assert fields == ["AccountSid", "Bogus"]
    assert "Bogus is not an argument of " + op in str(info.value)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("op", OPERATIONS)
def test_generated_method_is_documented(op: str) -> None:
    method = getattr(Dispatcher, op)
    assert method.__name__ == op
    assert default_spec().operation(op).summary in method.__doc__


def test_form_body_is_in_spec_order_whatever_the_argument_order(
    dispatcher: Dispatcher, mocked: WireMock
) -> None:
    sample = SAMPLES["createCall"]
    _stub(mocked, sample)
    dispatcher.call("createCall", sample["args"])
    dispatcher.call("createCall", dict(reversed(list(sample["args"].items()))))
    first, second = (c.request.body for c in mocked.calls)
    assert first == second
    keys = [k for k, _ in (pair.split("=", 1) for pair in first.split("&"))]
    spec_order = [a.sent_as for a in default_spec().operation("createCall").arguments.values()]
    assert keys == sorted(keys, key=lambda k: spec_order.index(k) if k in spec_order else len(spec_order))


def test_unknown_operation_is_a_validation_error(dispatcher: Dispatcher, mocked: WireMock) -> None:
    with pytest.raises(TwilioError) as info:
        dispatcher.call("sendFax", {})
    assert info.value.type == "validation"
    assert str(info.value) == f"sendFax is not an operation; `twilio-lua ops` lists the {len(OPERATIONS)} operations"
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("name, expected", [
    ("sendSms", "did you mean postMessage?"),             # the spec's x-aliases
    ("SENDSMS", "did you mean postMessage?"),
    ("makeCall", "did you mean createCall?"),
    ("postmessage", "did you mean postMessage?"),         # case
    ("listMessages", "did you mean listMessage?"),        # spelling
    ("deleteCal", "did you mean deleteCall?"),
    ("getMesage", "did you mean getMessage or listMessage?"),  # close to getMessages, an alias of listMessage
    ("lookup", "did you mean lookupPhoneNumber?"),
])
def test_unknown_operation_names_the_closest(dispatcher: Dispatcher, mocked: WireMock, name: str,
                                             expected: str) -> None:
    with pytest.raises(TwilioError) as info:
        dispatcher.call(name, {})
    assert str(info.value) == f"{name} is not an operation; {expected}"
    assert info.value.details == [{"field": "(operation)", "error": str(info.value)}]
    assert len(mocked.calls) == 0


def test_arguments_that_are_not_a_table_are_a_validation_error(
    dispatcher: Dispatcher, mocked: WireMock
) -> None:
    with pytest.raises(TwilioError) as info:
        dispatcher.call("getCall", "CA123")  # type: ignore[arg-type]
    assert info.value.type == "validation"
    assert "must be a table of named arguments, not a string" in str(info.value)
    assert len(mocked.calls) == 0


def test_none_values_are_treated_as_absent(dispatcher: Dispatcher, mocked: WireMock) -> None:
    sample = SAMPLES["listMessage"]
    _stub(mocked, sample)
    dispatcher.listMessage({"To": None, "PageSize": 2, "PageToken": None})
    assert query_of(mocked.calls[0].request) == {"PageSize": ["2"]}


def test_single_media_url_is_sent_as_one_key(dispatcher: Dispatcher, mocked: WireMock) -> None:
    _stub(mocked, SAMPLES["postMessage"])
    dispatcher.postMessage(To="+15558675310", From="+15005550006", MediaUrl="https://example.com/a.jpg")
    assert form_of(mocked.calls[0].request) == {
        "To": ["+15558675310"], "From": ["+15005550006"], "MediaUrl": ["https://example.com/a.jpg"],
    }


def test_content_variables_table_is_sent_as_json(dispatcher: Dispatcher, mocked: WireMock) -> None:
    _stub(mocked, SAMPLES["postMessage"])
    dispatcher.postMessage(
        To="whatsapp:+15558675310", From="whatsapp:+15005550006", ContentSid="HX" + "ab" * 16,
        ContentVariables={"1": "Pump 3", "2": "ünï"},
    )
    form = form_of(mocked.calls[0].request)
    assert json.loads(form["ContentVariables"][0]) == {"1": "Pump 3", "2": "ünï"}
    assert form["To"] == ["whatsapp:+15558675310"]
