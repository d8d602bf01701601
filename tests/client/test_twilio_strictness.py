"""The client is exactly as strict as Twilio (issue 13, item 7): datetime values as the official SDK sends
them, and a webhook URL's user:password@ accepted and kept secret (no log line, error or repr shows it)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from twilio.base import serialize

from adapter import Dispatcher, TwilioError
from adapter.simulator import Simulator
from tests.wire import WireMock

from .support import ACCOUNT_SID, BASE_URL

MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
SERVICE = "MG" + "0" * 32


def test_datetime_and_date_values_go_out_as_the_official_sdk_writes_them(
    dispatcher: Dispatcher, mocked: WireMock
) -> None:
    naive = datetime(2026, 12, 1, 9, 30, 15)
    utc = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
    day = date(2026, 11, 3)
    mocked.add("GET", BASE_URL + MESSAGES, json={"messages": [], "next_page_uri": None})
    mocked.add("POST", BASE_URL + MESSAGES, status=201, json={"sid": "SM" + "0" * 32})
    dispatcher.listMessage({"DateSent>": utc, "DateSent<": day, "DateSent": naive})
    dispatcher.postMessage(To="+15558675310", MessagingServiceSid=SERVICE, Body="hi", ScheduleType="fixed",
                           SendAt=naive)
    query = dict(parse_qsl(urlsplit(mocked.calls[0].request.url).query))
    assert query == {"DateSent>": serialize.iso8601_datetime(utc), "DateSent<": serialize.iso8601_datetime(day),
                     "DateSent": serialize.iso8601_datetime(naive)}
    assert dict(parse_qsl(mocked.calls[1].request.body or ""))["SendAt"] == serialize.iso8601_datetime(naive)


def test_an_aware_datetime_names_the_same_instant(dispatcher: Dispatcher, mocked: WireMock) -> None:
    # The SDK writes an aware value's wall time followed by Z (another instant); this client converts to UTC.
    paris = datetime(2026, 11, 2, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    mocked.add("GET", BASE_URL + MESSAGES, json={"messages": [], "next_page_uri": None})
    dispatcher.listMessage({"DateSent>": paris})
    assert dict(parse_qsl(urlsplit(mocked.calls[0].request.url).query)) == {"DateSent>": "2026-11-02T08:00:00Z"}


@pytest.mark.parametrize("value", [1_700_000_000, "tomorrow", datetime, object()])
def test_other_values_for_a_date_are_refused_before_sending(dispatcher: Dispatcher, mocked: WireMock,
                                                           value: Any) -> None:
    with pytest.raises(TwilioError) as refused:
        dispatcher.listMessage({"DateSent>": value})
    assert refused.value.type == "validation" and refused.value.details[0]["field"] == "DateSent>"
    assert len(mocked.calls) == 0


SECRET = "s3cret-Pw0rd"
CALLBACK = f"https://hook-user:{SECRET}@example.com/status?x=1"


def test_a_webhook_password_never_shows(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every logger's DEBUG lines are captured
    for name in list(logging.root.manager.loggerDict):
        logging.getLogger(name).setLevel(logging.DEBUG)
    seen: list[str] = []
    with Simulator(log_requests=True) as sim:
        twilio = Dispatcher(sim.account_sid, sim.auth_token, base_url=sim.base_url, max_retries=0)
        seen.append(repr(twilio))
        sent = twilio.postMessage(To="+15558675310", From="+15005550006", Body="hi", StatusCallback=CALLBACK)
        assert sent is not None
        seen.append(repr(sent))
        call = twilio.createCall(To="+15558675310", From="+15005550006", Url=CALLBACK, StatusCallback=CALLBACK)
        assert call is not None
        seen.append(repr(call))
        failures = [
            # refused by the client (the URL in the same call), by the account (unowned sender), by the format
            lambda: twilio.postMessage(To="not a number", From="+15005550006", Body="hi", StatusCallback=CALLBACK),
            lambda: twilio.postMessage(To="+15558675310", From="+14155550000", Body="hi", StatusCallback=CALLBACK),
            lambda: twilio.createCall(To="+15558675310", From="+15005550006", Url=CALLBACK + " "),
            lambda: twilio.createCall(To="+15558675310", From="+15005550006", Url=CALLBACK + "x" * 4000),
        ]
        for fail in failures:
            with pytest.raises(TwilioError) as caught:
                fail()
            seen += [str(caught.value), repr(caught.value), repr(caught.value.to_dict())]
        sim.advance(120)  # the status callbacks fall due (and are attempted)
        seen += [repr(request) for request in sim.requests]
    out, err = capsys.readouterr()
    seen += [caplog.text, out, err]
    assert caplog.records, "nothing was logged: the test would prove nothing"
    leaks = [text[max(0, text.find(SECRET) - 300):text.find(SECRET) + 50] for text in seen if SECRET in text]
    assert not leaks, leaks
