"""Typed per-operation methods, generated from the spec by `twilio-lua docs`; do not edit by hand.

Each operation is a method with its arguments as keyword arguments, typed from the spec, so type checkers
and IDEs know them; a mapping of Twilio's argument names may be passed instead (it is the only way to give
arguments whose names are not Python identifiers, such as ``DateSent<``). Every method calls
``self.call``: validation, sending and errors are the dispatcher's.
"""

# ruff: noqa: E501 - one parameter per line, however long its Literal of allowed values

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast, overload

__all__ = ["OPERATION_NAMES", "AsyncOperations", "Operations"]

OPERATION_NAMES = (
    "createCall",
    "listCall",
    "getCall",
    "deleteCall",
    "updateCall",
    "postMessage",
    "listMessage",
    "getMessage",
    "deleteMessage",
    "updateMessage",
    "listMedia",
    "getMedia",
    "deleteMedia",
    "lookupPhoneNumber",
    "createVerification",
    "checkVerification",
)


class Operations:
    """The spec's operations as methods of the Dispatcher."""

    __slots__ = ()

    if TYPE_CHECKING:

        def call(
            self, operation: str, args: Mapping[str, Any] | None = None, /, **kwargs: Any
        ) -> dict[str, Any] | None: ...

    @overload
    def createCall(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def createCall(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        To: str,
        From: str,
        Url: str | None = ...,
        Twiml: str | None = ...,
        ApplicationSid: str | None = ...,
        Method: Literal["GET", "POST"] | None = ...,
        FallbackUrl: str | None = ...,
        FallbackMethod: Literal["GET", "POST"] | None = ...,
        StatusCallback: str | None = ...,
        StatusCallbackEvent: Literal["initiated", "ringing", "answered", "completed"] | Sequence[Literal["initiated", "ringing", "answered", "completed"]] | None = ...,
        StatusCallbackMethod: Literal["GET", "POST"] | None = ...,
        SendDigits: str | None = ...,
        Timeout: int | None = ...,
        TimeLimit: int | None = ...,
        Record: bool | None = ...,
        RecordingChannels: Literal["mono", "dual"] | None = ...,
        RecordingStatusCallback: str | None = ...,
        RecordingStatusCallbackMethod: Literal["GET", "POST"] | None = ...,
        RecordingStatusCallbackEvent: Literal["in-progress", "completed", "absent"] | Sequence[Literal["in-progress", "completed", "absent"]] | None = ...,
        RecordingTrack: Literal["inbound", "outbound", "both"] | None = ...,
        Trim: Literal["trim-silence", "do-not-trim"] | None = ...,
        MachineDetection: Literal["Enable", "DetectMessageEnd"] | None = ...,
        MachineDetectionTimeout: int | None = ...,
        IfMachine: Literal["Continue"] | None = ...,
        CallerId: str | None = ...,
        SipAuthUsername: str | None = ...,
        SipAuthPassword: str | None = ...,
    ) -> dict[str, Any]: ...

    def createCall(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Make a phone call.

        Required: To, From.
        One of Url, Twiml, ApplicationSid.
        See docs/operations.md or ``twilio-lua ops createCall``.
        """
        return cast("dict[str, Any]", self.call("createCall", args, **kwargs))

    @overload
    def listCall(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def listCall(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        To: str | None = ...,
        From: str | None = ...,
        ParentCallSid: str | None = ...,
        Status: Literal["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"] | None = ...,
        StartTime: str | None = ...,
        EndTime: str | None = ...,
        PageSize: int | None = ...,
        Page: int | None = ...,
        PageToken: str | None = ...,
    ) -> dict[str, Any]: ...

    def listCall(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """List calls, newest first, one page at a time.

        Only in the ``args`` mapping: StartTime<, StartTime>, EndTime<, EndTime>.
        See docs/operations.md or ``twilio-lua ops listCall``.
        """
        return cast("dict[str, Any]", self.call("listCall", args, **kwargs))

    @overload
    def getCall(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def getCall(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        CallSid: str,
    ) -> dict[str, Any]: ...

    def getCall(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Fetch one call.

        Required: CallSid.
        See docs/operations.md or ``twilio-lua ops getCall``.
        """
        return cast("dict[str, Any]", self.call("getCall", args, **kwargs))

    @overload
    def deleteCall(self, args: Mapping[str, Any], /, **kwargs: Any) -> None: ...

    @overload
    def deleteCall(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        CallSid: str,
    ) -> None: ...

    def deleteCall(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        """Delete a call record (the call must have ended).

        Required: CallSid.
        See docs/operations.md or ``twilio-lua ops deleteCall``.
        """
        self.call("deleteCall", args, **kwargs)

    @overload
    def updateCall(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def updateCall(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        CallSid: str,
        Status: Literal["canceled", "completed"] | None = ...,
        Url: str | None = ...,
        Method: Literal["GET", "POST"] | None = ...,
        Twiml: str | None = ...,
        FallbackUrl: str | None = ...,
        FallbackMethod: Literal["GET", "POST"] | None = ...,
        StatusCallback: str | None = ...,
        StatusCallbackMethod: Literal["GET", "POST"] | None = ...,
        TimeLimit: int | None = ...,
    ) -> dict[str, Any]: ...

    def updateCall(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Change a live call (hang up, cancel, redirect to new TwiML, change its time limit).

        Required: CallSid.
        One of Status, Url, Twiml, TimeLimit, StatusCallback.
        See docs/operations.md or ``twilio-lua ops updateCall``.
        """
        return cast("dict[str, Any]", self.call("updateCall", args, **kwargs))

    @overload
    def postMessage(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def postMessage(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        To: str,
        From: str | None = ...,
        MessagingServiceSid: str | None = ...,
        Body: str | None = ...,
        MediaUrl: str | Sequence[str] | None = ...,
        ContentSid: str | None = ...,
        ContentVariables: str | Mapping[str, Any] | None = ...,
        StatusCallback: str | None = ...,
        ApplicationSid: str | None = ...,
        MaxPrice: float | None = ...,
        ProvideFeedback: bool | None = ...,
        Attempt: int | None = ...,
        ValidityPeriod: int | None = ...,
        ForceDelivery: bool | None = ...,
        SmartEncoded: bool | None = ...,
        ShortenUrls: bool | None = ...,
        ScheduleType: Literal["fixed"] | None = ...,
        SendAt: str | None = ...,
        SendAsMms: bool | None = ...,
    ) -> dict[str, Any]: ...

    def postMessage(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Send an SMS, MMS or WhatsApp message.

        Required: To.
        One of From, MessagingServiceSid. One of Body, MediaUrl, ContentSid.
        See docs/operations.md or ``twilio-lua ops postMessage``.
        """
        return cast("dict[str, Any]", self.call("postMessage", args, **kwargs))

    @overload
    def listMessage(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def listMessage(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        To: str | None = ...,
        From: str | None = ...,
        DateSent: str | None = ...,
        PageSize: int | None = ...,
        Page: int | None = ...,
        PageToken: str | None = ...,
    ) -> dict[str, Any]: ...

    def listMessage(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """List messages, newest first, one page at a time.

        Only in the ``args`` mapping: DateSent<, DateSent>.
        See docs/operations.md or ``twilio-lua ops listMessage``.
        """
        return cast("dict[str, Any]", self.call("listMessage", args, **kwargs))

    @overload
    def getMessage(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def getMessage(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
    ) -> dict[str, Any]: ...

    def getMessage(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Fetch one message.

        Required: MessageSid.
        See docs/operations.md or ``twilio-lua ops getMessage``.
        """
        return cast("dict[str, Any]", self.call("getMessage", args, **kwargs))

    @overload
    def deleteMessage(self, args: Mapping[str, Any], /, **kwargs: Any) -> None: ...

    @overload
    def deleteMessage(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
    ) -> None: ...

    def deleteMessage(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        """Delete a message and its media (the message must be in a final state).

        Required: MessageSid.
        See docs/operations.md or ``twilio-lua ops deleteMessage``.
        """
        self.call("deleteMessage", args, **kwargs)

    @overload
    def updateMessage(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def updateMessage(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
        Body: str | None = ...,
        Status: Literal["canceled"] | None = ...,
    ) -> dict[str, Any]: ...

    def updateMessage(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Redact a message's body or cancel a scheduled message.

        Required: MessageSid.
        See docs/operations.md or ``twilio-lua ops updateMessage``.
        """
        return cast("dict[str, Any]", self.call("updateMessage", args, **kwargs))

    @overload
    def listMedia(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def listMedia(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
        DateCreated: str | None = ...,
        PageSize: int | None = ...,
        Page: int | None = ...,
        PageToken: str | None = ...,
    ) -> dict[str, Any]: ...

    def listMedia(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """List the media of a message, one page at a time.

        Required: MessageSid.
        Only in the ``args`` mapping: DateCreated<, DateCreated>.
        See docs/operations.md or ``twilio-lua ops listMedia``.
        """
        return cast("dict[str, Any]", self.call("listMedia", args, **kwargs))

    @overload
    def getMedia(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def getMedia(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
        MediaSid: str,
    ) -> dict[str, Any]: ...

    def getMedia(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Fetch one media item of a message.

        Required: MessageSid, MediaSid.
        See docs/operations.md or ``twilio-lua ops getMedia``.
        """
        return cast("dict[str, Any]", self.call("getMedia", args, **kwargs))

    @overload
    def deleteMedia(self, args: Mapping[str, Any], /, **kwargs: Any) -> None: ...

    @overload
    def deleteMedia(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
        MediaSid: str,
    ) -> None: ...

    def deleteMedia(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        """Delete one media item of a message.

        Required: MessageSid, MediaSid.
        See docs/operations.md or ``twilio-lua ops deleteMedia``.
        """
        self.call("deleteMedia", args, **kwargs)

    @overload
    def lookupPhoneNumber(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def lookupPhoneNumber(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        PhoneNumber: str,
        Fields: Literal["validation", "caller_name", "sim_swap", "call_forwarding", "line_status", "line_type_intelligence", "identity_match", "reassigned_number", "sms_pumping_risk", "phone_number_quality_score", "pre_fill"] | Sequence[Literal["validation", "caller_name", "sim_swap", "call_forwarding", "line_status", "line_type_intelligence", "identity_match", "reassigned_number", "sms_pumping_risk", "phone_number_quality_score", "pre_fill"]] | None = ...,
        CountryCode: str | None = ...,
    ) -> dict[str, Any]: ...

    def lookupPhoneNumber(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Look up a phone number (format, validity, country; line type and caller name on request).

        Required: PhoneNumber.
        See docs/operations.md or ``twilio-lua ops lookupPhoneNumber``.
        """
        return cast("dict[str, Any]", self.call("lookupPhoneNumber", args, **kwargs))

    @overload
    def createVerification(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def createVerification(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        ServiceSid: str,
        To: str,
        Channel: Literal["sms", "call", "email", "whatsapp", "sna", "auto"],
        CustomFriendlyName: str | None = ...,
        CustomCode: str | None = ...,
        Locale: str | None = ...,
        SendDigits: str | None = ...,
        AppHash: str | None = ...,
        TemplateSid: str | None = ...,
        Amount: str | None = ...,
        Payee: str | None = ...,
    ) -> dict[str, Any]: ...

    def createVerification(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Send a verification code to a phone number or email address.

        Required: ServiceSid, To, Channel.
        See docs/operations.md or ``twilio-lua ops createVerification``.
        """
        return cast("dict[str, Any]", self.call("createVerification", args, **kwargs))

    @overload
    def checkVerification(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    def checkVerification(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        ServiceSid: str,
        Code: str,
        To: str | None = ...,
        VerificationSid: str | None = ...,
        Amount: str | None = ...,
        Payee: str | None = ...,
    ) -> dict[str, Any]: ...

    def checkVerification(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Check a code a user entered against a pending verification.

        Required: ServiceSid, Code.
        One of To, VerificationSid.
        See docs/operations.md or ``twilio-lua ops checkVerification``.
        """
        return cast("dict[str, Any]", self.call("checkVerification", args, **kwargs))


class AsyncOperations:
    """The spec's operations as methods of an async dispatcher (``await d.postMessage(...)``)."""

    __slots__ = ()

    if TYPE_CHECKING:

        async def call(
            self, operation: str, args: Mapping[str, Any] | None = None, /, **kwargs: Any
        ) -> dict[str, Any] | None: ...

    @overload
    async def createCall(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def createCall(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        To: str,
        From: str,
        Url: str | None = ...,
        Twiml: str | None = ...,
        ApplicationSid: str | None = ...,
        Method: Literal["GET", "POST"] | None = ...,
        FallbackUrl: str | None = ...,
        FallbackMethod: Literal["GET", "POST"] | None = ...,
        StatusCallback: str | None = ...,
        StatusCallbackEvent: Literal["initiated", "ringing", "answered", "completed"] | Sequence[Literal["initiated", "ringing", "answered", "completed"]] | None = ...,
        StatusCallbackMethod: Literal["GET", "POST"] | None = ...,
        SendDigits: str | None = ...,
        Timeout: int | None = ...,
        TimeLimit: int | None = ...,
        Record: bool | None = ...,
        RecordingChannels: Literal["mono", "dual"] | None = ...,
        RecordingStatusCallback: str | None = ...,
        RecordingStatusCallbackMethod: Literal["GET", "POST"] | None = ...,
        RecordingStatusCallbackEvent: Literal["in-progress", "completed", "absent"] | Sequence[Literal["in-progress", "completed", "absent"]] | None = ...,
        RecordingTrack: Literal["inbound", "outbound", "both"] | None = ...,
        Trim: Literal["trim-silence", "do-not-trim"] | None = ...,
        MachineDetection: Literal["Enable", "DetectMessageEnd"] | None = ...,
        MachineDetectionTimeout: int | None = ...,
        IfMachine: Literal["Continue"] | None = ...,
        CallerId: str | None = ...,
        SipAuthUsername: str | None = ...,
        SipAuthPassword: str | None = ...,
    ) -> dict[str, Any]: ...

    async def createCall(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Make a phone call.

        Required: To, From.
        One of Url, Twiml, ApplicationSid.
        See docs/operations.md or ``twilio-lua ops createCall``.
        """
        return cast("dict[str, Any]", await self.call("createCall", args, **kwargs))

    @overload
    async def listCall(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def listCall(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        To: str | None = ...,
        From: str | None = ...,
        ParentCallSid: str | None = ...,
        Status: Literal["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"] | None = ...,
        StartTime: str | None = ...,
        EndTime: str | None = ...,
        PageSize: int | None = ...,
        Page: int | None = ...,
        PageToken: str | None = ...,
    ) -> dict[str, Any]: ...

    async def listCall(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """List calls, newest first, one page at a time.

        Only in the ``args`` mapping: StartTime<, StartTime>, EndTime<, EndTime>.
        See docs/operations.md or ``twilio-lua ops listCall``.
        """
        return cast("dict[str, Any]", await self.call("listCall", args, **kwargs))

    @overload
    async def getCall(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def getCall(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        CallSid: str,
    ) -> dict[str, Any]: ...

    async def getCall(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Fetch one call.

        Required: CallSid.
        See docs/operations.md or ``twilio-lua ops getCall``.
        """
        return cast("dict[str, Any]", await self.call("getCall", args, **kwargs))

    @overload
    async def deleteCall(self, args: Mapping[str, Any], /, **kwargs: Any) -> None: ...

    @overload
    async def deleteCall(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        CallSid: str,
    ) -> None: ...

    async def deleteCall(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        """Delete a call record (the call must have ended).

        Required: CallSid.
        See docs/operations.md or ``twilio-lua ops deleteCall``.
        """
        await self.call("deleteCall", args, **kwargs)

    @overload
    async def updateCall(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def updateCall(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        CallSid: str,
        Status: Literal["canceled", "completed"] | None = ...,
        Url: str | None = ...,
        Method: Literal["GET", "POST"] | None = ...,
        Twiml: str | None = ...,
        FallbackUrl: str | None = ...,
        FallbackMethod: Literal["GET", "POST"] | None = ...,
        StatusCallback: str | None = ...,
        StatusCallbackMethod: Literal["GET", "POST"] | None = ...,
        TimeLimit: int | None = ...,
    ) -> dict[str, Any]: ...

    async def updateCall(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Change a live call (hang up, cancel, redirect to new TwiML, change its time limit).

        Required: CallSid.
        One of Status, Url, Twiml, TimeLimit, StatusCallback.
        See docs/operations.md or ``twilio-lua ops updateCall``.
        """
        return cast("dict[str, Any]", await self.call("updateCall", args, **kwargs))

    @overload
    async def postMessage(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def postMessage(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        To: str,
        From: str | None = ...,
        MessagingServiceSid: str | None = ...,
        Body: str | None = ...,
        MediaUrl: str | Sequence[str] | None = ...,
        ContentSid: str | None = ...,
        ContentVariables: str | Mapping[str, Any] | None = ...,
        StatusCallback: str | None = ...,
        ApplicationSid: str | None = ...,
        MaxPrice: float | None = ...,
        ProvideFeedback: bool | None = ...,
        Attempt: int | None = ...,
        ValidityPeriod: int | None = ...,
        ForceDelivery: bool | None = ...,
        SmartEncoded: bool | None = ...,
        ShortenUrls: bool | None = ...,
        ScheduleType: Literal["fixed"] | None = ...,
        SendAt: str | None = ...,
        SendAsMms: bool | None = ...,
    ) -> dict[str, Any]: ...

    async def postMessage(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Send an SMS, MMS or WhatsApp message.

        Required: To.
        One of From, MessagingServiceSid. One of Body, MediaUrl, ContentSid.
        See docs/operations.md or ``twilio-lua ops postMessage``.
        """
        return cast("dict[str, Any]", await self.call("postMessage", args, **kwargs))

    @overload
    async def listMessage(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def listMessage(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        To: str | None = ...,
        From: str | None = ...,
        DateSent: str | None = ...,
        PageSize: int | None = ...,
        Page: int | None = ...,
        PageToken: str | None = ...,
    ) -> dict[str, Any]: ...

    async def listMessage(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """List messages, newest first, one page at a time.

        Only in the ``args`` mapping: DateSent<, DateSent>.
        See docs/operations.md or ``twilio-lua ops listMessage``.
        """
        return cast("dict[str, Any]", await self.call("listMessage", args, **kwargs))

    @overload
    async def getMessage(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def getMessage(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
    ) -> dict[str, Any]: ...

    async def getMessage(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Fetch one message.

        Required: MessageSid.
        See docs/operations.md or ``twilio-lua ops getMessage``.
        """
        return cast("dict[str, Any]", await self.call("getMessage", args, **kwargs))

    @overload
    async def deleteMessage(self, args: Mapping[str, Any], /, **kwargs: Any) -> None: ...

    @overload
    async def deleteMessage(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
    ) -> None: ...

    async def deleteMessage(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        """Delete a message and its media (the message must be in a final state).

        Required: MessageSid.
        See docs/operations.md or ``twilio-lua ops deleteMessage``.
        """
        await self.call("deleteMessage", args, **kwargs)

    @overload
    async def updateMessage(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def updateMessage(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
        Body: str | None = ...,
        Status: Literal["canceled"] | None = ...,
    ) -> dict[str, Any]: ...

    async def updateMessage(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Redact a message's body or cancel a scheduled message.

        Required: MessageSid.
        See docs/operations.md or ``twilio-lua ops updateMessage``.
        """
        return cast("dict[str, Any]", await self.call("updateMessage", args, **kwargs))

    @overload
    async def listMedia(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def listMedia(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
        DateCreated: str | None = ...,
        PageSize: int | None = ...,
        Page: int | None = ...,
        PageToken: str | None = ...,
    ) -> dict[str, Any]: ...

    async def listMedia(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """List the media of a message, one page at a time.

        Required: MessageSid.
        Only in the ``args`` mapping: DateCreated<, DateCreated>.
        See docs/operations.md or ``twilio-lua ops listMedia``.
        """
        return cast("dict[str, Any]", await self.call("listMedia", args, **kwargs))

    @overload
    async def getMedia(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def getMedia(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
        MediaSid: str,
    ) -> dict[str, Any]: ...

    async def getMedia(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Fetch one media item of a message.

        Required: MessageSid, MediaSid.
        See docs/operations.md or ``twilio-lua ops getMedia``.
        """
        return cast("dict[str, Any]", await self.call("getMedia", args, **kwargs))

    @overload
    async def deleteMedia(self, args: Mapping[str, Any], /, **kwargs: Any) -> None: ...

    @overload
    async def deleteMedia(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        MessageSid: str,
        MediaSid: str,
    ) -> None: ...

    async def deleteMedia(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        """Delete one media item of a message.

        Required: MessageSid, MediaSid.
        See docs/operations.md or ``twilio-lua ops deleteMedia``.
        """
        await self.call("deleteMedia", args, **kwargs)

    @overload
    async def lookupPhoneNumber(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def lookupPhoneNumber(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        PhoneNumber: str,
        Fields: Literal["validation", "caller_name", "sim_swap", "call_forwarding", "line_status", "line_type_intelligence", "identity_match", "reassigned_number", "sms_pumping_risk", "phone_number_quality_score", "pre_fill"] | Sequence[Literal["validation", "caller_name", "sim_swap", "call_forwarding", "line_status", "line_type_intelligence", "identity_match", "reassigned_number", "sms_pumping_risk", "phone_number_quality_score", "pre_fill"]] | None = ...,
        CountryCode: str | None = ...,
    ) -> dict[str, Any]: ...

    async def lookupPhoneNumber(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Look up a phone number (format, validity, country; line type and caller name on request).

        Required: PhoneNumber.
        See docs/operations.md or ``twilio-lua ops lookupPhoneNumber``.
        """
        return cast("dict[str, Any]", await self.call("lookupPhoneNumber", args, **kwargs))

    @overload
    async def createVerification(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def createVerification(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        ServiceSid: str,
        To: str,
        Channel: Literal["sms", "call", "email", "whatsapp", "sna", "auto"],
        CustomFriendlyName: str | None = ...,
        CustomCode: str | None = ...,
        Locale: str | None = ...,
        SendDigits: str | None = ...,
        AppHash: str | None = ...,
        TemplateSid: str | None = ...,
        Amount: str | None = ...,
        Payee: str | None = ...,
    ) -> dict[str, Any]: ...

    async def createVerification(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Send a verification code to a phone number or email address.

        Required: ServiceSid, To, Channel.
        See docs/operations.md or ``twilio-lua ops createVerification``.
        """
        return cast("dict[str, Any]", await self.call("createVerification", args, **kwargs))

    @overload
    async def checkVerification(self, args: Mapping[str, Any], /, **kwargs: Any) -> dict[str, Any]: ...

    @overload
    async def checkVerification(
        self,
        /,
        *,
        AccountSid: str | None = ...,
        AuthToken: str | None = ...,
        ServiceSid: str,
        Code: str,
        To: str | None = ...,
        VerificationSid: str | None = ...,
        Amount: str | None = ...,
        Payee: str | None = ...,
    ) -> dict[str, Any]: ...

    async def checkVerification(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        """Check a code a user entered against a pending verification.

        Required: ServiceSid, Code.
        One of To, VerificationSid.
        See docs/operations.md or ``twilio-lua ops checkVerification``.
        """
        return cast("dict[str, Any]", await self.call("checkVerification", args, **kwargs))
