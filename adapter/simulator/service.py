"""The simulated account's behaviour: create, fetch, list and delete, driven by a table of kinds.

HTTP concerns (routing, auth, faults) live in the server; this layer only knows Twilio semantics,
so it is exercised directly by unit tests as well as through the wire.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from .clock import Clock
from .dates import parse_filter_date, parse_rfc2822
from .errors import TwilioError
from .lifecycle import CALL_FINAL, MESSAGE_FINAL, Timings, call_timeline, message_timeline
from .paging import Entry, envelope, parse_page_request, select_page
from .resources import (
    call_resource,
    content_type_for,
    media_resource,
    message_price,
    message_resource,
    new_sid,
    num_segments,
    phone_number_sid,
)
from .store import Record, Store
from .validation import check_call, check_message, check_schedule, is_e164

__all__ = ["Filter", "KINDS", "Kind", "Service"]

_CALL_STATUSES = frozenset({"queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"})


class Form(Protocol):
    """What the service needs from a request body: werkzeug's MultiDict satisfies it."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class Filter:
    """A list filter. Dated filters also accept ``<`` (on or before) and ``>`` (on or after)."""

    param: str
    field: str
    dated: bool = False
    choices: frozenset[str] | None = None

    @property
    def params(self) -> tuple[str, ...]:
        return (self.param, self.param + "<", self.param + ">") if self.dated else (self.param,)


@dataclass(frozen=True)
class Kind:
    name: str
    collection: str  # path segment, e.g. "Messages"
    items_key: str  # list envelope key
    render: Callable[[Record, float], dict[str, Any]]
    filters: tuple[Filter, ...]
    # Statuses in which DELETE is allowed; None means any time.
    deletable: frozenset[str] | None = None
    # Kind whose records belong to this one and go when it is deleted (message -> media).
    children: str | None = None
    parent: str | None = None


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "calls", "Calls", "calls", call_resource,
            (
                Filter("To", "to"), Filter("From", "from"), Filter("Status", "status", choices=_CALL_STATUSES),
                Filter("ParentCallSid", "parent_call_sid"), Filter("StartTime", "start_time", dated=True),
                Filter("EndTime", "end_time", dated=True),
            ),
            deletable=CALL_FINAL,
        ),
        Kind(
            "messages", "Messages", "messages", message_resource,
            (Filter("To", "to"), Filter("From", "from"), Filter("DateSent", "date_sent", dated=True)),
            deletable=MESSAGE_FINAL,
            children="media",
        ),
        Kind(
            "media", "Media", "media_list", media_resource,
            (Filter("DateCreated", "date_created", dated=True),),
            parent="messages",
        ),
    )
}


def _present(form: Form, key: str) -> str | None:
    # The SDK omits unset values, but hand-written clients send "Key=" for "not given".
    value = form.get(key)
    return value if value else None


class Service:
    def __init__(self, store: Store, clock: Clock, timings: Timings | None = None) -> None:
        self.store = store
        self.clock = clock
        self.timings = timings or Timings()
        # Reads are lazy renders, but delete-after-check and create-with-children must be atomic
        # with respect to the server's other threads.
        self._lock = threading.RLock()

    # -- create ------------------------------------------------------------------------------

    def create(self, kind: str, account_sid: str, form: Form) -> dict[str, Any]:
        creators: dict[str, Callable[[str, Form], Record]] = {
            "messages": self._create_message,
            "calls": self._create_call,
        }
        if kind not in creators:
            raise TwilioError(20004, 405)
        with self._lock:
            record = creators[kind](account_sid, form)
            return KINDS[kind].render(record, self.clock.time())

    def _create_message(self, account_sid: str, form: Form) -> Record:
        to, from_ = _present(form, "To"), _present(form, "From")
        service_sid, body = _present(form, "MessagingServiceSid"), _present(form, "Body")
        media_urls = [url for url in form.getlist("MediaUrl") if url]
        check_message(to, from_, service_sid, body, media_urls, _present(form, "ContentSid"))
        now = self.clock.time()
        send_at = None
        if service_sid:
            # Twilio only schedules through a Messaging Service; without one SendAt is ignored.
            send_at = check_schedule(_present(form, "ScheduleType"), _present(form, "SendAt"), now)
        segments = num_segments(body or "")
        timeline = message_timeline(
            self.timings, via_service=bool(service_sid), send_after=None if send_at is None else send_at - now
        )
        sid = new_sid("MM" if media_urls else "SM")
        record = self.store.add(
            Record(
                "messages", sid, account_sid, now,
                {
                    "to": to,
                    "from": from_,
                    "body": body or "",
                    "messaging_service_sid": service_sid,
                    "num_media": len(media_urls),
                    "num_segments": segments,
                    "price": message_price(segments, bool(media_urls)),
                    "timeline": timeline,
                },
            )
        )
        for url in media_urls:
            self.store.add(
                Record("media", new_sid("ME"), account_sid, now, {"content_type": content_type_for(url), "url": url}, sid)
            )
        return record

    def _create_call(self, account_sid: str, form: Form) -> Record:
        to, from_ = _present(form, "To"), _present(form, "From")
        methods = {
            key: value
            for key in ("Method", "FallbackMethod", "StatusCallbackMethod")
            if (value := _present(form, key)) is not None
        }
        check_call(to, from_, _present(form, "Url"), _present(form, "Twiml"), _present(form, "ApplicationSid"), methods)
        assert to is not None and from_ is not None  # narrowed by check_call
        return self.store.add(
            Record(
                "calls", new_sid("CA"), account_sid, self.clock.time(),
                {
                    "to": to,
                    "from": from_,
                    "parent_call_sid": None,
                    "phone_number_sid": phone_number_sid(account_sid, from_) if is_e164(from_) else None,
                    "machine_detection": _present(form, "MachineDetection"),
                    "timeline": call_timeline(self.timings),
                },
            )
        )

    # -- read --------------------------------------------------------------------------------

    def _parent_check(self, kind: Kind, account_sid: str, parent_sid: str | None, path: str) -> None:
        if kind.parent and (parent_sid is None or self.store.get(kind.parent, account_sid, parent_sid) is None):
            raise TwilioError(20404, 404, path=path)

    def _get(self, kind: Kind, account_sid: str, sid: str, parent_sid: str | None, path: str) -> Record:
        self._parent_check(kind, account_sid, parent_sid, path)
        record = self.store.get(kind.name, account_sid, sid)
        if record is None or (kind.parent and record.parent_sid != parent_sid):
            raise TwilioError(20404, 404, path=path)
        return record

    def fetch(self, kind: str, account_sid: str, sid: str, path: str, parent_sid: str | None = None) -> dict[str, Any]:
        spec = KINDS[kind]
        with self._lock:
            return spec.render(self._get(spec, account_sid, sid, parent_sid, path), self.clock.time())

    def list(
        self, kind: str, account_sid: str, args: Mapping[str, str], path: str, parent_sid: str | None = None
    ) -> dict[str, Any]:
        spec = KINDS[kind]
        request = parse_page_request(args)
        used, predicates = self._filters(spec, args)
        with self._lock:
            self._parent_check(spec, account_sid, parent_sid, path)
            now = self.clock.time()
            entries = []
            for record in self.store.list(spec.name, account_sid, parent_sid):
                rendered = spec.render(record, now)
                if all(predicate(rendered) for predicate in predicates):
                    entries.append(Entry(record.sort_key, record.sid, rendered))

            def key_of(sid: str) -> tuple[float, int] | None:
                anchor = self.store.get(spec.name, account_sid, sid)
                return anchor.sort_key if anchor is not None else None

            page = select_page(entries, request, key_of)
        return envelope(path, used, spec.items_key, page, request, [entry.item for entry in page.entries])

    @staticmethod
    def _filters(
        kind: Kind, args: Mapping[str, str]
    ) -> tuple[list[tuple[str, str]], list[Callable[[dict[str, Any]], bool]]]:
        by_param = {param: flt for flt in kind.filters for param in flt.params}
        used: list[tuple[str, str]] = []
        predicates: list[Callable[[dict[str, Any]], bool]] = []
        for param in args:  # request order, so page links echo the filters as the client sent them
            flt = by_param.get(param)
            value = args.get(param)
            if flt is None or not value:
                continue
            used.append((param, value))
            if flt.dated:
                bound = parse_filter_date(value)
                if bound is None:
                    raise TwilioError(400, detail=f"{param} is not a valid date: {value!r}")
                op = param[-1] if param[-1] in "<>" else "="

                def dated(item: dict[str, Any], field: str = flt.field, bound: Any = bound, op: str = op) -> bool:
                    moment = parse_rfc2822(item.get(field))
                    return moment is not None and bound.matches(moment, op)

                predicates.append(dated)
            else:
                if flt.choices is not None and value not in flt.choices:
                    raise TwilioError(400, detail=f"{param} must be one of {', '.join(sorted(flt.choices))}")

                def exact(item: dict[str, Any], field: str = flt.field, value: str = value) -> bool:
                    return item.get(field) == value

                predicates.append(exact)
        return used, predicates

    # -- delete ------------------------------------------------------------------------------

    def delete(self, kind: str, account_sid: str, sid: str, path: str, parent_sid: str | None = None) -> None:
        spec = KINDS[kind]
        with self._lock:
            record = self._get(spec, account_sid, sid, parent_sid, path)
            if spec.deletable is not None:
                status = spec.render(record, self.clock.time()).get("status")
                if status not in spec.deletable:
                    raise TwilioError(20009)
            self.store.delete(spec.name, account_sid, sid)
            if spec.children:
                self.store.delete_children(spec.children, sid)
