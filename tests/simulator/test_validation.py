from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from adapter.simulator import TwilioError
from adapter.simulator.formats import DEFAULT_CODE
from adapter.simulator.magic import check_test_message
from adapter.simulator.validation import check_call, check_message, check_schedule

NOW = 1_714_564_800.0


_MESSAGE_KEYS = {"to": "To", "from_": "From", "messaging_service_sid": "MessagingServiceSid", "body": "Body",
                 "media_urls": "MediaUrl", "content_sid": "ContentSid"}
_CALL_KEYS = {"to": "To", "from_": "From", "url": "Url", "twiml": "Twiml", "application_sid": "ApplicationSid"}


def form_of(keys: dict[str, str], args: dict[str, Any]) -> MultiDict[str, str]:
    form: MultiDict[str, str] = MultiDict()
    for name, value in args.items():
        if name == "methods":
            for key, method in value.items():
                form.add(key, method)
            continue
        for one in value if isinstance(value, list) else [value]:
            if one is not None:
                form.add(keys[name], one)
    return form


def message_error(**overrides: Any) -> int | None:
    args: dict[str, Any] = {
        "to": "+15558675310", "from_": "+15005550006", "messaging_service_sid": None,
        "body": "hi", "media_urls": [], "content_sid": None, **overrides,
    }
    try:
        check_message(form_of(_MESSAGE_KEYS, args))
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
        check_call(form_of(_CALL_KEYS, args))
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
        ({"to": "messenger:1234567890", "from_": "messenger:987654321"}, None),
        ({"to": "messenger:1234567890"}, 21910),
        ({"to": "+15558675310", "from_": "messenger:987654321"}, 21910),
        ({"to": "rcs:+15558675310", "from_": "rcs:acme_agent"}, None),
        ({"to": "rcs:alice"}, 21211),  # RCS reaches phone numbers
        ({"from_": "not a number!"}, 21212),
        ({"from_": "MyBrand"}, None),
        ({"from_": "ACME-Co"}, None),
        ({"from_": "Acme & Co"}, None),
        ({"from_": "A+B_C"}, None),
        ({"from_": "12345"}, None),  # a short code
        ({"from_": "123456"}, None),
        ({"from_": "1234"}, 21212),  # neither a short code nor an alphanumeric ID (no letter)
        ({"from_": "TooLongSenderId"}, 21212),
        ({"from_": "Acme.Co"}, 21212),
        ({"messaging_service_sid": "MG123"}, 21701),
        ({"body": None, "content_sid": "HX1"}, 21656),
        ({"body": "x" * 1600}, None),
        ({"body": "x" * 1601}, 21617),
        ({"media_urls": ["https://example.com/a.png"] * 10}, None),
        ({"media_urls": ["https://example.com/a.png"] * 11}, 21623),
        ({"media_urls": ["ftp://example.com/a.png"]}, 21620),
        ({"media_urls": ["example.com/a.png"]}, 21620),
        ({"media_urls": ["https://user:secret@example.com/a.png"]}, None),
        ({"media_urls": ["https://example.com/" + "a" * 3900]}, None),
        ({"media_urls": ["https://example.com/" + "a" * 3990]}, 21620),  # over 4000 characters
        ({"media_urls": ["https://ex_ample.com/a.png"]}, 21620),  # no underscore in a host name
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
        ({"url": "https://user:pw@example.com/twiml"}, None),
        ({"to": "5558675310"}, 21217),
        ({"to": "client:alice"}, None),
        ({"to": "client:a@b"}, None),
        ({"to": "client:+15558675310"}, None),
        ({"to": "client:a b"}, 21217),  # Twilio refuses spaces and delimiters in client names (31105)
        ({"to": "sip:alice@example.com"}, None),
        ({"from_": "nope"}, 21212),
        ({"from_": "sip:bob@example.com"}, None),  # refused later as an unverified caller ID (21210)
        ({"from_": "whatsapp:+15005550006"}, 21212),
        ({"methods": {"Method": "PUT"}}, 21209),
        ({"methods": {"Method": "GET", "StatusCallbackMethod": "POST"}}, None),
        ({"methods": {"Method": "get"}}, 21209),  # the spec's enum, as the client checks it
    ],
)
def test_call_rules(overrides: dict[str, Any], code: int | None) -> None:
    assert call_error(**overrides) == code


def test_other_arguments_are_checked_from_the_spec_too() -> None:
    base = {"To": "+15558675310", "From": "+15005550006", "Url": "https://example.com/t"}
    for extra in ({"Timeout": "601"}, {"Timeout": "ten"}, {"Record": "yes"}, {"SendDigits": "12x"},
                  {"StatusCallbackEvent": "hungup"}):
        with pytest.raises(TwilioError) as caught:
            check_call(MultiDict({**base, **extra}))
        name = next(iter(extra))
        assert caught.value.code == DEFAULT_CODE and name in caught.value.message
    check_call(MultiDict({**base, "Timeout": "600", "Record": "true", "SendDigits": "1234#w",
                          "StatusCallbackEvent": ["initiated", "completed"]}))
    check_call(MultiDict({**base, "StatusCallbackEvent": "initiated ringing completed"}))  # Twilio takes this too
    with pytest.raises(TwilioError) as caught:  # Twilio's own code for this limit
        check_call(MultiDict({"To": "+15558675310", "From": "+15005550006", "Twiml": "x" * 4001}))
    assert caught.value.code == 32018


def test_a_url_password_never_appears_in_a_refusal() -> None:
    for form in (
        {"To": "+15558675310", "From": "+15005550006", "Url": "https://user:hunter2@ex_ample.com/t"},
        {"To": "+15558675310", "From": "+15005550006", "Url": "https://example.com/t",
         "StatusCallback": "https://user:hunter2@example.com/" + "a" * 4000},
    ):
        with pytest.raises(TwilioError) as caught:
            check_call(MultiDict(form))
        assert "hunter2" not in str(caught.value) and "hunter2" not in repr(caught.value.body())


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
