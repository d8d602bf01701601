"""build_request and wire_value on inline spec fragments (and IfMachine in the packaged spec)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter import TwilioError
from adapter.client.serialize import build_request, wire_value
from adapter.client.spec import OperationSpec, build_spec, default_spec
from adapter.client.validation import OperationValidator

from .support import ACCOUNT_SID, CALL_SID


def thing_spec() -> OperationSpec:
    doc = {"paths": {"/Accounts/{AccountSid}/Things/{Name}.json": {"post": {
        "operationId": "postThing",
        "parameters": [
            {"name": "AccountSid", "in": "path", "required": True, "x-credential": "account",
             "schema": {"type": "string"}},
            {"name": "AuthToken", "in": "header", "x-credential": "token", "schema": {"type": "string"}},
            {"name": "Name", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "Since<", "in": "query", "schema": {"type": "string"}},
            {"name": "Tag", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
        ],
        "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"properties": {
            "Media": {"type": "array", "items": {"type": "string"}},
            "On": {"type": "boolean"},
            "Price": {"type": "number"},
            "Count": {"type": "integer"},
            "Text": {"type": "string"},
            "Old": {"type": "string", "enum": ["Continue", "Other"], "x-wire-name": "New",
                    "x-wire-values": {"Continue": "Enable"}},
        }}}}},
        "responses": {"201": {"content": {"application/json": {"schema": {"type": "object"}}}}},
    }}}}
    return build_spec(doc).operation("postThing")


def build(args: dict[str, Any], account: str = ACCOUNT_SID) -> dict[str, Any]:
    return build_request(thing_spec(), args, account)


def test_request_dict_shape() -> None:
    request = build({"Name": "n", "Text": "hi", "Since<": "2026-01-01"})
    assert request == {
        "operation": "postThing", "method": "POST", "server": "https://api.twilio.com",
        "path": f"/Accounts/{ACCOUNT_SID}/Things/n.json",
        "query": [("Since<", "2026-01-01")], "form": [("Text", "hi")],
    }


def test_lists_become_repeated_keys_in_order() -> None:
    request = build({"Name": "n", "Media": ["https://a/1", "https://a/2", "https://a/1"], "Tag": ["x", "y"]})
    assert request["form"] == [("Media", "https://a/1"), ("Media", "https://a/2"), ("Media", "https://a/1")]
    assert request["query"] == [("Tag", "x"), ("Tag", "y")]


def test_booleans_are_lowercase_words() -> None:
    assert build({"Name": "n", "On": True})["form"] == [("On", "true")]
    assert build({"Name": "n", "On": False})["form"] == [("On", "false")]


@pytest.mark.parametrize("value, text", [
    (0.0075, "0.0075"), (1e-05, "0.00001"), (0.1, "0.1"), (2.0, "2"), (100.0, "100"), (1.5e20, "150000000000000000000"),
    (-0.25, "-0.25"), (0.0, "0"), (12.3400, "12.34"), (7, "7"), (0, "0"), (-3, "-3"), ("0.50", "0.50"),
    (True, "true"), (False, "false"), ("héllo wörld", "héllo wörld"),
])
def test_wire_value(value: Any, text: str) -> None:
    assert wire_value(value) == text


def test_numbers_in_the_form() -> None:
    assert build({"Name": "n", "Price": 0.0075, "Count": 3})["form"] == [("Price", "0.0075"), ("Count", "3")]


def test_wire_name_and_wire_values() -> None:
    assert build({"Name": "n", "Old": "Continue"})["form"] == [("New", "Enable")]
    assert build({"Name": "n", "Old": "Other"})["form"] == [("New", "Other")]  # values not in the map pass


def test_if_machine_in_the_packaged_spec_is_sent_as_machine_detection() -> None:
    op = default_spec().operation("createCall")
    args = OperationValidator(op).validate({"To": "+15558675310", "From": "+15005550006",
                                            "Url": "https://example.com/t", "IfMachine": "Continue"})
    form = build_request(op, args, ACCOUNT_SID)["form"]
    assert ("MachineDetection", "Enable") in form
    assert not any(key == "IfMachine" for key, _ in form)


def test_credentials_are_never_serialized() -> None:
    request = build({"Name": "n", "AccountSid": "ACother", "AuthToken": "secret", "Text": "x"})
    assert request["path"] == f"/Accounts/{ACCOUNT_SID}/Things/n.json"  # the account comes as its own argument
    assert "secret" not in repr(request)


def test_account_sid_argument_fills_the_path() -> None:
    assert build({"Name": "n"}, account="ACxyz")["path"] == "/Accounts/ACxyz/Things/n.json"


@pytest.mark.parametrize("value, quoted", [
    ("a/b", "a%2Fb"), ("../x", "..%2Fx"), ("a?b=c", "a%3Fb%3Dc"), ("a#b", "a%23b"), ("a b", "a%20b"),
    ("a\nb", "a%0Ab"), ("%2F", "%252F"), ("é", "%C3%A9"),
])
def test_path_values_are_quoted_into_one_segment(value: str, quoted: str) -> None:
    path = build({"Name": value})["path"]
    assert path == f"/Accounts/{ACCOUNT_SID}/Things/{quoted}.json"
    assert path.count("/") == 4


def test_absent_arguments_are_omitted() -> None:
    assert build({"Name": "n"})["form"] == [] and build({"Name": "n"})["query"] == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_no_string_can_leave_its_path_segment(value: str) -> None:
    """Whatever a script passes as a SID, either validation rejects it or the path is exactly the
    one for that SID: nothing can add a segment, a query or a fragment."""
    op = default_spec().operation("getCall")
    try:
        args = OperationValidator(op).validate({"CallSid": value})
    except TwilioError as error:
        assert error.type == "validation"
        return
    path = build_request(op, args, ACCOUNT_SID)["path"]
    assert path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{value}.json"
    assert unquote(path).count("/") == 5 and "?" not in path and "#" not in path


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"\ACA[0-9a-fA-F]{32}\Z"))
def test_every_call_sid_is_accepted_verbatim(sid: str) -> None:
    op = default_spec().operation("deleteCall")
    args = OperationValidator(op).validate({"CallSid": sid})
    assert build_request(op, args, ACCOUNT_SID)["path"].endswith(f"/Calls/{sid}.json")


def test_sample_sid_path() -> None:
    op = default_spec().operation("getCall")
    assert build_request(op, {"CallSid": CALL_SID}, ACCOUNT_SID)["path"] == (
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}.json")
