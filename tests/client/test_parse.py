"""parse_response on inline operations: results, and Twilio's errors turned into TwilioError."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapter import TwilioError
from adapter.client.parse import parse_response
from adapter.client.spec import OperationSpec, build_spec


def _ops() -> dict[str, OperationSpec]:
    ok = {"content": {"application/json": {"schema": {"type": "object"}}}}
    doc = {"paths": {"/Things": {
        "get": {"operationId": "getThing", "responses": {"200": ok}},
        "delete": {"operationId": "deleteThing", "responses": {"204": {"description": "gone"}}},
    }}}
    return build_spec(doc).operations


GET = _ops()["getThing"]
DELETE = _ops()["deleteThing"]


def response(status: int, body: Any = b"", reason: str = "", attempts: int | None = 1) -> dict[str, Any]:
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return {"status": status, "reason": reason, "headers": {}, "body": body, "attempts": attempts}


def error_of(op: OperationSpec, resp: dict[str, Any]) -> TwilioError:
    with pytest.raises(TwilioError) as info:
        parse_response(op, resp)
    return info.value


def test_json_object_is_returned() -> None:
    assert parse_response(GET, response(200, {"sid": "X", "n": [1, None]})) == {"sid": "X", "n": [1, None]}
    assert parse_response(GET, response(201, {"a": "é"})) == {"a": "é"}


def test_delete_returns_none_for_204_and_ignores_any_body() -> None:
    assert parse_response(DELETE, response(204)) is None
    assert parse_response(DELETE, response(200, {"ignored": True})) is None


@pytest.mark.parametrize("body, what", [
    (b"", "an empty body"), (b"  \n", "an empty body"), (b"[1, 2]", "a body that is not a JSON object"),
    (b"null", "a body that is not a JSON object"), (b"{not json", "a body that is not a JSON object"),
    (b"\xff\xfe", "a body that is not a JSON object"), (b"<html>ok</html>", "a body that is not a JSON object"),
])
def test_unusable_2xx_body_is_an_api_error_502(body: bytes, what: str) -> None:
    error = error_of(GET, response(200, body, attempts=2))
    assert (error.type, error.status, error.operation, error.attempts) == ("api", 502, "getThing", 2)
    assert str(error) == f"Twilio answered HTTP 200 with {what}"


def test_twilio_error_body() -> None:
    body = {"code": 21211, "message": "The 'To' number 5551234 is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400,
            "details": {"field": "To"}}
    error = error_of(GET, response(400, body))
    assert (error.type, error.status, error.code) == ("api", 400, 21211)
    assert error.more_info == "https://www.twilio.com/docs/errors/21211"
    assert str(error) == "The 'To' number 5551234 is not a valid phone number."
    assert error.details == {"field": "To"}
    assert error.operation == "getThing" and error.attempts == 1


def test_http_status_wins_over_the_body_status() -> None:
    error = error_of(GET, response(404, {"code": 20404, "message": "not found", "status": 400}))
    assert error.status == 404


@pytest.mark.parametrize("extra, code, more_info, details", [
    ({"code": "21211"}, None, None, None),
    ({"code": True}, None, None, None),
    ({"code": 20003, "more_info": 5, "details": "text"}, 20003, None, None),
    ({"details": [{"x": 1}]}, None, None, [{"x": 1}]),
])
def test_odd_error_fields_are_dropped_not_trusted(extra: dict, code: Any, more_info: Any, details: Any) -> None:
    error = error_of(GET, response(400, {"message": "Bad", **extra}))
    assert (error.code, error.more_info, error.details) == (code, more_info, details)


def test_html_error_page_gives_a_clean_message_with_the_status() -> None:
    page = b"<html><head><title>500 Internal Server Error</title></head><body><h1>Oops</h1></body></html>"
    error = error_of(GET, response(500, page, reason="Internal Server Error"))
    assert (error.type, error.status, error.code) == ("api", 500, None)
    assert str(error) == "Twilio answered HTTP 500 Internal Server Error without a Twilio error body"
    assert "<" not in str(error)


@pytest.mark.parametrize("body", [b"", b"[]", b'{"code": 1}', b'{"message": 5}', b"\x00\x01"])
def test_error_without_a_usable_message(body: bytes) -> None:
    error = error_of(GET, response(502, body))
    assert str(error) == "Twilio answered HTTP 502 without a Twilio error body"
    assert error.status == 502


def test_errors_for_deletes_too() -> None:
    error = error_of(DELETE, response(404, {"code": 20404, "message": "The requested resource was not found"}))
    assert (error.status, error.code, error.operation) == (404, 20404, "deleteThing")


def test_redirect_is_not_followed_and_is_an_error() -> None:
    error = error_of(GET, response(301, b"", reason="Moved Permanently"))
    assert (error.type, error.status) == ("api", 301)


def test_deeply_nested_json_does_not_crash() -> None:
    body = b"[" * 100000 + b"]" * 100000
    error = error_of(GET, response(200, body))
    assert error.status == 502
