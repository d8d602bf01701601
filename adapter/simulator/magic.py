"""Twilio's test credentials: what a create answers for its magic numbers.

With test credentials Twilio serves only POST Messages and POST Calls (everything else is 403 /
20008), sends nothing, stores nothing a client could read back, and fires no callbacks. The numbers
below are Twilio's (https://www.twilio.com/docs/iam/test-credentials); any other ``From`` is not a
number the test account owns.
"""

from __future__ import annotations

from .errors import TwilioError

__all__ = ["TEST_FROM", "check_test_call", "check_test_message"]

TEST_FROM = "+15005550006"

_MESSAGE_FROM: dict[str, int] = {"+15005550001": 21212, "+15005550007": 21606, "+15005550008": 21611}
_MESSAGE_TO: dict[str, int] = {
    "+15005550001": 21211,
    "+15005550002": 21612,
    "+15005550003": 21408,
    "+15005550004": 21610,
    "+15005550009": 21614,
}
_CALL_FROM: dict[str, int] = {"+15005550001": 21212}
_CALL_TO: dict[str, int] = {
    "+15005550001": 21217,
    "+15005550002": 21214,
    "+15005550003": 21215,
    "+15005550004": 21216,
}


def check_test_message(to: str, from_: str | None, service_sid: str | None) -> None:
    if from_ in _MESSAGE_FROM:
        raise TwilioError(_MESSAGE_FROM[from_], to=to, from_=from_)
    if from_ is not None and from_ != TEST_FROM:
        raise TwilioError(21606, from_=from_)
    if from_ is None and service_sid:
        # The test account has no Messaging Services.
        raise TwilioError(21701, value=service_sid)
    if to in _MESSAGE_TO:
        raise TwilioError(_MESSAGE_TO[to], to=to, from_=from_ or "")


def check_test_call(to: str, from_: str) -> None:
    if from_ in _CALL_FROM:
        raise TwilioError(_CALL_FROM[from_], to=to, from_=from_)
    if from_ != TEST_FROM:
        raise TwilioError(21210, from_=from_)
    if to in _CALL_TO:
        raise TwilioError(_CALL_TO[to], to=to, from_=from_)
