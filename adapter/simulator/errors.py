"""Twilio-style API errors: the exception the handlers raise and the JSON body clients see.

Every error body has exactly Twilio's four fields ``code``, ``message``, ``more_info`` and
``status``; the official SDKs read ``code`` and ``message`` from it, so the wording below follows
what Twilio sends for the same condition.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MESSAGES", "TwilioError", "error_body", "more_info"]

# Message templates per Twilio error code. Placeholders are filled from the request so that the
# text reads like Twilio's (e.g. "The 'To' number +1555 is not a valid phone number.").
MESSAGES: dict[int, str] = {
    400: "Bad Request: {detail}",
    20001: "{detail}",
    20003: "Authenticate",
    20004: "Method not allowed",
    20008: "Resource not accessible with Test Account Credentials",
    20009: "Cannot delete this resource before it is complete",
    20404: "The requested resource {path} was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service unavailable",
    21201: "No 'To' number is specified",
    21205: "Url parameter is required.",
    21209: "Method is not valid: {value}",
    21210: "The source phone number provided, {from_}, is not yet verified for your account. "
    "You may only make calls from phone numbers that you've verified or purchased from Twilio.",
    21211: "The 'To' number {to} is not a valid phone number.",
    21212: "The 'From' number {from_} is not a valid phone number, shortcode, or alphanumeric sender ID.",
    21213: "No 'From' number is specified",
    21214: "'To' phone number cannot be reached",
    21215: "Account not authorized to call {to}. Perhaps you need to enable some international "
    "permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk",
    21216: "Account not allowed to call {to}",
    21217: "Phone number does not appear to be valid",
    21220: "Call is not in-progress. Cannot redirect.",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21606: "The 'From' phone number provided ({from_}) is not a valid message-capable Twilio phone "
    "number for this destination.",
    21609: "The StatusCallback URL {value} is not a valid URL.",
    21610: "Attempt to send to unsubscribed recipient",
    21611: "This 'From' number has exceeded the maximum number of queued messages",
    21612: "The 'To' phone number: {to}, is not currently reachable using the 'From' phone number: "
    "{from_} via SMS.",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21620: "Invalid media URL(s)",
    21624: "Invalid validity period value: {value}. ValidityPeriod is a whole number of seconds from 1 to 36000.",
    21623: "Number of media files exceeds allowed limit",
    21656: "The ContentSid is Invalid.",
    21701: "The Messaging Service Sid {value} is invalid.",
    21910: "Invalid From and To pair. From and To should be of the same channel.",
    30409: "This message cannot be canceled",
    35111: "SendAt timestamp is missing",
    35114: "SendAt time must be between 900 seconds and 35 days (3024000 seconds) in the future, inclusive.",
    35126: "The ScheduleType value provided is not supported for this channel",
    60200: "Invalid parameter{detail}",
    60202: "Max check attempts reached",
    60203: "Max send attempts reached",
    60205: "SMS is not supported by landline phone number",
    32018: "Twiml size exceeded maximum allowed value of 4000 characters",
    63007: "Twilio could not find a Channel with the specified From address",
}


class _Fields(dict[str, str]):
    # A template placeholder the caller did not supply renders empty rather than crashing the
    # request that was only trying to report an error.
    def __missing__(self, key: str) -> str:
        return ""


def more_info(code: int) -> str:
    return f"https://www.twilio.com/docs/errors/{code}"


def error_body(code: int, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": more_info(code), "status": status}


class TwilioError(Exception):
    """An API failure with its Twilio error code and HTTP status (400 unless said otherwise)."""

    def __init__(self, code: int, status: int = 400, message: str | None = None, **fields: str) -> None:
        template = MESSAGES.get(code, "Error {code}")
        text = message if message is not None else template.format_map(_Fields(fields, code=str(code)))
        super().__init__(text)
        self.code = code
        self.status = status
        self.message = text

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.status)

    def __repr__(self) -> str:
        return f"TwilioError({self.code}, {self.status}, {self.message!r})"
