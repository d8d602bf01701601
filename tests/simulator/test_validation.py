from __future__ import annotations

from typing import Any

import pytest

from adapter.simulator import TwilioError
from adapter.simulator.magic import check_test_message
from adapter.simulator.validation import check_call, check_message, check_schedule

NOW = 1_714_564_800.0


def message_error(**overrides: Any) -> int | None:
    args: dict[str, Any] = {
        "to": "+15558675310", "from_": "+15005550006", "messaging_service_sid": None,
        "body": "hi", "media_urls": [], "content_sid": None, **overrides,
    }
    try:
        check_message(**args)
    except TwilioError as error:
        assert error.status == 400
        return error.code
    return None


def call_error(**overrides: Any) -> int | None:
    args: dict[str, Any] = {
        "to": "+15558675310", "from_": "+15005550006", "url": "https://example.com/twiml",
        "twiml": None, "application_sid": None, "methods": {}, **overrides,
    }
    try:
        check_call(**args)
    except TwilioError as error:
        return error.code
    return None


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({}, None),
        ({"to": None}, 21604),
        ({"to": None, "from_": None}, 21604),
        ({"from_": None}, 21603),
        ({"from_": None, "messaging_service_sid": "MG" + "a" * 32}, None),
        ({"body": None}, 21602),
        ({"body": None, "media_urls": ["https://example.com/a.png"]}, None),
        ({"body": None, "content_sid": "HX" + "a" * 32}, None),
        ({"to": "5558675310"}, 21211),
        ({"to": "+0123"}, 21211),
        ({"to": "whatsapp:+15558675310", "from_": "whatsapp:+15005550006"}, None),
        ({"to": "whatsapp:+15558675310"}, 21910),
        ({"from_": "not a number!"}, 21212),
        ({"from_": "MyBrand"}, None),
        ({"from_": "12345"}, None),
        ({"from_": "TooLongSenderId"}, 21212),
        ({"messaging_service_sid": "MG123"}, 21701),
        ({"body": None, "content_sid": "HX1"}, 21656),
        ({"body": "x" * 1600}, None),
        ({"body": "x" * 1601}, 21617),
        ({"media_urls": ["https://example.com/a.png"] * 10}, None),
        ({"media_urls": ["https://example.com/a.png"] * 11}, 21623),
        ({"media_urls": ["ftp://example.com/a.png"]}, 21620),
        ({"media_urls": ["example.com/a.png"]}, 21620),
    ],
)
def test_message_rules(overrides: dict[str, Any], code: int | None) -> None:
    assert message_error(**overrides) == code


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({}, None),
        ({"to": None}, 21201),
        ({"from_": None}, 21213),
        ({"url": None}, 21205),
        ({"url": None, "twiml": "<Response/>"}, None),
        ({"url": None, "application_sid": "AP" + "a" * 32}, None),
        ({"url": "/relative"}, 21205),
        ({"to": "5558675310"}, 21217),
        ({"to": "client:alice"}, None),
        ({"to": "sip:alice@example.com"}, None),
        ({"from_": "nope"}, 21212),
        ({"methods": {"Method": "PUT"}}, 21209),
        ({"methods": {"Method": "get", "StatusCallbackMethod": "POST"}}, None),
    ],
)
def test_call_rules(overrides: dict[str, Any], code: int | None) -> None:
    assert call_error(**overrides) == code


def test_schedule_rules() -> None:
    assert check_schedule(None, None, NOW) is None
    assert check_schedule("fixed", "2024-05-01T13:00:00Z", NOW) == NOW + 3600
    for schedule_type, send_at, code in [
        ("fixed", None, 35111),
        ("fixed", "2024-05-01T12:14:00Z", 35114),  # sooner than 15 minutes
        ("fixed", "2024-07-01T12:00:00Z", 35114),  # later than 35 days
        ("fixed", "tomorrow", 35114),
        ("whenever", "2024-05-01T13:00:00Z", 35126),
    ]:
        with pytest.raises(TwilioError) as caught:
            check_schedule(schedule_type, send_at, NOW)
        assert caught.value.code == code


def test_error_text_names_the_numbers() -> None:
    with pytest.raises(TwilioError) as caught:
        check_test_message("+15005550002", "+15005550006", None)
    assert caught.value.code == 21612
    assert "+15005550002" in caught.value.message and "+15005550006" in caught.value.message
    assert caught.value.body() == {
        "code": 21612,
        "message": caught.value.message,
        "more_info": "https://www.twilio.com/docs/errors/21612",
        "status": 400,
    }
