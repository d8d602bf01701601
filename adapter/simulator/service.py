"""The simulated account's behaviour: create, fetch, list and delete, driven by a table of kinds.

HTTP concerns (routing, auth, faults) live in the server; this layer only knows Twilio semantics,
so it is exercised directly by unit tests as well as through the wire.
"""

from __future__ import annotations

import builtins  # Service.list shadows the builtin in annotations inside the class
import itertools
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from .account import AccountBook, account_resource, incoming_number_resource
from .clock import Clock
from .dates import parse_filter_date
from .errors import TwilioError
from .events import call_redirect_webhook, call_webhooks, inbound_message_webhook, message_webhooks
from .formats import DEFAULT_CODE, check_arguments
from .lifecycle import CALL_FINAL, MESSAGE_FINAL, Timings, call_timeline, cut_timeline, message_timeline, status_at
from .lookup import Lookup
from .magic import check_test_call, check_test_message
from .outcomes import MESSAGE_ERRORS, Outcomes
from .paging import Entry, SortKey, envelope, parse_page_request, select_page, take_page
from .resources import (
    call_resource,
    content_type_for,
    created_at,
    ended_at,
    media_resource,
    message_price,
    message_resource,
    message_sender,
    new_sid,
    num_segments,
    phone_number_sid,
    reached_at,
    status_of,
)
from .rules import call_events, ring_timeout
from .store import Record, Store
from .validation import check_call, check_message, check_schedule, is_e164
from .verify import Verify
from .webhooks import Webhooks

__all__ = ["Filter", "KINDS", "Kind", "Service"]


class Form(Protocol):
    """What the service needs from a request body: werkzeug's MultiDict satisfies it."""

    def get(self, key: str, /) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


Probe = Callable[[Record, float], Any]
Predicate = Callable[[Record, float], bool]


@dataclass(frozen=True)
class Filter:
    """A list filter. Dated filters also accept ``<`` (on or before) and ``>`` (on or after).

    ``field`` is the resource property it matches. Lists never render a record to filter it:
    without a ``probe`` the property is ``record.data[field]`` as stored (so the store itself can
    match it, in SQL for SQLite); a probe reads it from the record at a moment (status and dates
    follow the lifecycle; a dated probe gives the epoch that the property renders, never earlier
    than the record's creation, so an upper date bound also bounds where a list needs to look).
    """

    param: str
    field: str
    dated: bool = False
    probe: Probe | None = None

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
    # The spec's list operation: its arguments' formats are checked before anything is read.
    list_operation: str = ""


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "calls", "Calls", "calls", call_resource,
            (
                Filter("To", "to"), Filter("From", "from"),
                Filter("Status", "status", probe=status_of),
                Filter("ParentCallSid", "parent_call_sid"),
                Filter("StartTime", "start_time", dated=True, probe=reached_at("ringing")),
                Filter("EndTime", "end_time", dated=True, probe=ended_at),
            ),
            deletable=CALL_FINAL,
            list_operation="listCall",
        ),
        Kind(
            "messages", "Messages", "messages", message_resource,
            (
                Filter("To", "to"),
                # The sender a Messaging Service picks shows only once the message leaves ``accepted``.
                Filter("From", "from", probe=message_sender),
                Filter("DateSent", "date_sent", dated=True, probe=reached_at("sent")),
            ),
            deletable=MESSAGE_FINAL,
            children="media",
            list_operation="listMessage",
        ),
        Kind(
            "media", "Media", "media_list", media_resource,
            (Filter("DateCreated", "date_created", dated=True, probe=created_at),),
            parent="messages",
            list_operation="listMedia",
        ),
    )
}


def _present(form: Form, key: str) -> str | None:
    # The SDK omits unset values, but hand-written clients send "Key=" for "not given".
    value = form.get(key)
    return value if value else None


class Service:
    """Twilio semantics over a store. ``accounts`` holds what each account owns (an account SID it
    has not met gets the default holdings), ``outcomes`` how each recipient's messages and calls
    end, and ``webhooks`` (when given) receives the requests their lifecycles make Twilio send."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        timings: Timings | None = None,
        *,
        accounts: AccountBook | None = None,
        outcomes: Outcomes | None = None,
        webhooks: Webhooks | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.timings = timings or Timings()
        self.accounts = accounts or AccountBook(created=clock.time())
        self.outcomes = outcomes or Outcomes()
        self.webhooks = webhooks
        # Reads are lazy renders, but delete-after-check and create-with-children must be atomic
        # with respect to the server's other threads.
        self._lock = threading.RLock()
        # The other APIs the simulator serves (Lookup v2, Verify v2), on the same store and clock.
        self.lookup = Lookup(store)
        self.verify = Verify(store, clock, self.deliver, self._lock)

    def deliver(self, account_sid: str, to: str, from_: str, body: str) -> dict[str, Any]:
        """A message Twilio itself sends for the account (a Verify code): it goes through the usual message
        lifecycle and shows in the account's message log, but no sender checks apply."""
        now = self.clock.time()
        segments = num_segments(body)
        with self._lock:
            record = self.store.add(Record(
                "messages", new_sid("SM"), account_sid, now,
                {"to": to, "from": from_, "body": body, "messaging_service_sid": None, "num_media": 0,
                 "num_segments": segments, "price": message_price(segments, False),
                 "timeline": message_timeline(self.timings)},
            ))
            return message_resource(record, now)

    # -- create ------------------------------------------------------------------------------

    def create(self, kind: str, account_sid: str, form: Form, *, test_credentials: bool = False) -> dict[str, Any]:
        """Create a message or call. With ``test_credentials`` the request is judged as Twilio's
        test credentials judge it and nothing is stored or sent."""
        creators: dict[str, Callable[[str, Form, bool], Record]] = {
            "messages": self._create_message,
            "calls": self._create_call,
        }
        if kind not in creators:
            raise TwilioError(20004, 405)
        with self._lock:
            record = creators[kind](account_sid, form, test_credentials)
            rendered = KINDS[kind].render(record, self.clock.time())
        if self.webhooks is not None and not test_credentials:
            hooks = message_webhooks(record) if kind == "messages" else call_webhooks(record)
            if hooks:
                self.webhooks.schedule(hooks)
        return rendered

    def _store(self, record: Record, keep: bool) -> Record:
        return self.store.add(record) if keep else record

    def _create_message(self, account_sid: str, form: Form, test_credentials: bool) -> Record:
        to, from_ = _present(form, "To"), _present(form, "From")
        service_sid, body = _present(form, "MessagingServiceSid"), _present(form, "Body")
        media_urls = [url for url in form.getlist("MediaUrl") if url]
        check_message(form)
        assert to is not None  # narrowed by check_message
        outcome = None
        picked = None
        if test_credentials:
            check_test_message(to, from_, service_sid)
        else:
            picked = self.accounts.get(account_sid).check_message_sender(from_, to, service_sid, bool(media_urls))
            outcome = self.outcomes.get("messages", to)
            if outcome is not None and outcome.reject is not None:
                raise TwilioError(outcome.reject, to=to, from_=from_ or "")
        now = self.clock.time()
        send_at = None
        if service_sid:
            # Twilio only schedules through a Messaging Service; without one SendAt is ignored.
            send_at = check_schedule(_present(form, "ScheduleType"), _present(form, "SendAt"), now)
        segments = num_segments(body or "")
        final = outcome.status if outcome is not None and outcome.status else "delivered"
        timeline = message_timeline(
            self.timings, via_service=bool(service_sid), send_after=None if send_at is None else send_at - now,
            final=final,
        )
        sid = new_sid("MM" if media_urls else "SM")
        data: dict[str, Any] = {
            "to": to,
            "from": from_,
            "body": body or "",
            "messaging_service_sid": service_sid,
            "num_media": len(media_urls),
            "num_segments": segments,
            "price": message_price(segments, bool(media_urls)),
            "timeline": timeline,
        }
        if picked and not from_:
            data["service_from"] = picked
        if outcome is not None and outcome.error_code is not None:
            data["error_code"] = outcome.error_code
            data["error_message"] = MESSAGE_ERRORS.get(outcome.error_code)
        if _present(form, "StatusCallback"):
            data["status_callback"] = _present(form, "StatusCallback")
        keep = not test_credentials
        record = self._store(Record("messages", sid, account_sid, now, data), keep)
        if keep:
            for url in media_urls:
                self.store.add(
                    Record("media", new_sid("ME"), account_sid, now,
                           {"content_type": content_type_for(url), "url": url}, sid)
                )
        return record

    def _create_call(self, account_sid: str, form: Form, test_credentials: bool) -> Record:
        to, from_ = _present(form, "To"), _present(form, "From")
        methods = {
            key: value
            for key in ("Method", "FallbackMethod", "StatusCallbackMethod")
            if (value := _present(form, key)) is not None
        }
        check_call(form)
        assert to is not None and from_ is not None  # narrowed by check_call
        outcome = None
        if test_credentials:
            check_test_call(to, from_)
        else:
            self.accounts.get(account_sid).check_caller(from_, to)
            outcome = self.outcomes.get("calls", to)
            if outcome is not None and outcome.reject is not None:
                raise TwilioError(outcome.reject, to=to, from_=from_)
        detection = _present(form, "MachineDetection")
        final = outcome.status if outcome is not None and outcome.status else "completed"
        data: dict[str, Any] = {
            "to": to,
            "from": from_,
            "parent_call_sid": None,
            "phone_number_sid": phone_number_sid(account_sid, from_) if is_e164(from_) else None,
            "machine_detection": detection,
            "timeline": call_timeline(self.timings, final=final, ring_for=ring_timeout(form)),
        }
        if detection:
            machine = outcome is not None and outcome.machine
            machine_answer = "machine_end_beep" if detection == "DetectMessageEnd" else "machine_start"
            data["answered_by"] = machine_answer if machine else "human"
        if _present(form, "Url") and not _present(form, "Twiml"):
            data["url"], data["method"] = _present(form, "Url"), (methods.get("Method") or "POST").upper()
        if _present(form, "StatusCallback"):
            data["status_callback"] = _present(form, "StatusCallback")
            data["status_callback_method"] = (methods.get("StatusCallbackMethod") or "POST").upper()
            data["status_callback_events"] = call_events(form)
        return self._store(Record("calls", new_sid("CA"), account_sid, self.clock.time(), data), not test_credentials)

    def receive_message(
        self, account_sid: str, from_: str, to: str, body: str, media_urls: Sequence[str] = ()
    ) -> dict[str, Any]:
        """A message arrives at one of the account's numbers: it is listed with direction
        ``inbound`` and, when the number has an SmsUrl, posted there."""
        if not from_ or not to:
            raise TwilioError(20001, detail="From and To are required")
        account = self.accounts.get(account_sid)
        number = account.number(to)
        if number is None:
            raise TwilioError(20001, detail=f"{to} is not a phone number of account {account_sid}")
        if not body and not media_urls:
            raise TwilioError(21602)
        now = self.clock.time()
        sid = new_sid("MM" if media_urls else "SM")
        segments = num_segments(body)
        data = {
            "to": to,
            "from": from_,
            "body": body,
            "messaging_service_sid": None,
            "num_media": len(media_urls),
            "num_segments": segments,
            "price": message_price(segments, bool(media_urls)),
            "timeline": [[0.0, "received"]],
            "direction": "inbound",
        }
        with self._lock:
            record = self.store.add(Record("messages", sid, account_sid, now, data))
            media = []
            for url in media_urls:
                kind = content_type_for(url)
                self.store.add(
                    Record("media", new_sid("ME"), account_sid, now, {"content_type": kind, "url": url}, sid)
                )
                media.append((url, kind))
            rendered = message_resource(record, now)
        if self.webhooks is not None and number.sms_url:
            self.webhooks.schedule([inbound_message_webhook(record, number.sms_url, number.sms_method, media)])
        return rendered

    def reply(self, account_sid: str, from_: str, to: str, body: str) -> dict[str, Any]:
        """An outbound reply made by TwiML (``<Message>``), direction ``outbound-reply``."""
        form = _FormDict({"From": from_, "To": to, "Body": body})
        with self._lock:
            record = self._create_message(account_sid, form, False)
            record = self.store.add(replace(record, data={**record.data, "direction": "outbound-reply"}))
            return message_resource(record, self.clock.time())

    # -- the account -------------------------------------------------------------------------

    def account(self, account_sid: str) -> dict[str, Any]:
        return account_resource(self.accounts.get(account_sid))

    def phone_number(self, account_sid: str, sid: str, path: str) -> dict[str, Any]:
        number = self.accounts.get(account_sid).number_by_sid(sid)
        if number is None:
            raise TwilioError(20404, 404, path=path)
        return incoming_number_resource(account_sid, number)

    def update_phone_number(self, account_sid: str, sid: str, form: Mapping[str, str], path: str) -> dict[str, Any]:
        number = self.accounts.get(account_sid).update_number(sid, form, self.clock.time())
        if number is None:
            raise TwilioError(20404, 404, path=path)
        return incoming_number_resource(account_sid, number)

    def phone_numbers(self, account_sid: str, args: Mapping[str, str], path: str) -> dict[str, Any]:
        request = parse_page_request(args)
        filters = ("PhoneNumber", "FriendlyName", "Beta", "Origin")
        used = [(name, args[name]) for name in args if name in filters and args[name]]
        numbers = self.accounts.get(account_sid).numbers()
        wanted = dict(used)
        if "PhoneNumber" in wanted:
            # Twilio matches the digits given anywhere in the number ("867" finds +15558675310).
            digits = "".join(ch for ch in wanted["PhoneNumber"] if ch.isdigit() or ch == "+")
            numbers = [n for n in numbers if digits.lstrip("+") in n.phone_number]
        if "FriendlyName" in wanted:
            numbers = [n for n in numbers if n.friendly_name == wanted["FriendlyName"]]
        if wanted.get("Origin") not in (None, "twilio"):
            numbers = []
        entries = [Entry(key=(n.created, index), sid=n.sid, item=n) for index, n in enumerate(numbers)]
        keys = {entry.sid: entry.key for entry in entries}
        page = select_page(entries, request, keys.get)
        items = [incoming_number_resource(account_sid, entry.item) for entry in page.entries]
        return envelope(path, used, "incoming_phone_numbers", page, request, items)

    # -- update ------------------------------------------------------------------------------

    def update(self, kind: str, account_sid: str, sid: str, form: Form, path: str) -> dict[str, Any]:
        """POST to a call or message: what Twilio lets you change, in the states it allows it."""
        updaters: dict[str, Callable[[dict[str, Any], Form, float], dict[str, Any]]] = {
            "calls": _update_call,
            "messages": _update_message,
        }
        if kind not in updaters:
            raise TwilioError(20004, 405)
        spec = KINDS[kind]
        with self._lock:
            record = self._get(spec, account_sid, sid, None, path)
            now = self.clock.time()
            data = updaters[kind](dict(record.data), form, now - record.created)
            stored = self.store.update(replace(record, data=data))
            assert stored is not None, "the record was read under the same lock"
            if self.webhooks is not None and data.get("timeline") != record.data.get("timeline"):
                # The lifecycle changed from now on: what the old timeline promised is dropped, and the status
                # callbacks of the new one (the completed or canceled event now) are sent instead.
                self.webhooks.cancel(sid, now)
                hooks = message_webhooks(stored) if kind == "messages" else call_webhooks(stored)
                self.webhooks.schedule(hook for hook in hooks if hook.due >= now)
            if self.webhooks is not None and kind == "calls" and data.get("url") and form.get("Url"):
                self.webhooks.schedule([call_redirect_webhook(stored, now)])
            return spec.render(stored, now)

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
        check_arguments(spec.list_operation, args)
        request = parse_page_request(args)
        used, where, predicates, created_below = self._filters(spec, args)
        with self._lock:
            self._parent_check(spec, account_sid, parent_sid, path)
            now = self.clock.time()
            source = _Matching(self.store, spec.name, account_sid, parent_sid, where, predicates, now, created_below)

            def key_of(sid: str) -> tuple[float, int] | None:
                anchor = self.store.get(spec.name, account_sid, sid)
                return anchor.sort_key if anchor is not None else None

            # Only the page (and one record past it) is read from the store, and only it is rendered.
            page = take_page(source, request, key_of)
            items = [spec.render(entry.item, now) for entry in page.entries]
        return envelope(path, used, spec.items_key, page, request, items)

    @staticmethod
    def _filters(
        kind: Kind, args: Mapping[str, str]
    ) -> tuple[builtins.list[tuple[str, str]], dict[str, str], builtins.list[Predicate], float | None]:
        """(filters as the client sent them, stored-field equalities for the store, other predicates,
        the creation time every match precedes, if a dated filter has an upper bound)."""
        by_param = {param: flt for flt in kind.filters for param in flt.params}
        used: list[tuple[str, str]] = []
        where: dict[str, str] = {}
        predicates: list[Predicate] = []
        created_below: float | None = None
        for param in args:  # request order, so page links echo the filters as the client sent them
            flt = by_param.get(param)
            value = args.get(param)
            if flt is None or not value:
                continue
            used.append((param, value))
            if flt.dated:
                bound = parse_filter_date(value)
                if bound is None:  # the format is right (checked from the spec) but the day is not: 2026-02-30
                    raise TwilioError(DEFAULT_CODE, message=f"Invalid parameter {param}: not a valid date")
                assert flt.probe is not None, "a dated filter reads its date with a probe"
                low, high = bound.seconds(param[-1] if param[-1] in "<>" else "=")
                if high != math.inf:
                    # A match has int(date) <= high and date >= created, so created < high + 1.
                    created_below = high + 1 if created_below is None else min(created_below, high + 1)

                def dated(
                    record: Record, now: float, probe: Probe = flt.probe, low: float = low, high: float = high
                ) -> bool:
                    moment = probe(record, now)
                    return moment is not None and low <= int(moment) <= high

                predicates.append(dated)
                continue
            if flt.probe is None:
                where[flt.field] = value
                continue

            def exact(record: Record, now: float, probe: Probe = flt.probe, value: str = value) -> bool:
                return probe(record, now) == value

            predicates.append(exact)
        return used, where, predicates, created_below

    # -- delete ------------------------------------------------------------------------------

    def delete(self, kind: str, account_sid: str, sid: str, path: str, parent_sid: str | None = None) -> None:
        spec = KINDS[kind]
        with self._lock:
            record = self._get(spec, account_sid, sid, parent_sid, path)
            if spec.deletable is not None:
                status = status_of(record, self.clock.time())
                if status not in spec.deletable:
                    if kind == "messages":
                        raise TwilioError(20009, message=f"Cannot delete message in state {status.upper()}")
                    raise TwilioError(20009)
            self.store.delete(spec.name, account_sid, sid)
            if spec.children:
                self.store.delete_children(spec.children, sid)


class _FormDict(dict[str, str]):
    """A plain form for requests the simulator makes itself."""

    def getlist(self, key: str) -> list[str]:
        return [self[key]] if key in self else []


class _Matching:
    """The records a list request matches, as a lazy ``paging.Source`` of ``Entry[Record]``: the
    store applies the stored-field equalities (and the offset, when nothing else filters); the
    lifecycle predicates are applied here, record by record, only as far as the page needs."""

    def __init__(
        self,
        store: Store,
        kind: str,
        account_sid: str,
        parent_sid: str | None,
        where: dict[str, str],
        predicates: list[Predicate],
        now: float,
        created_below: float | None = None,
    ) -> None:
        self.store, self.kind, self.account_sid, self.parent_sid = store, kind, account_sid, parent_sid
        self.where, self.predicates, self.now = where, predicates, now
        # No record at or past this key can match (seq is never 0, so no key equals it).
        self.cap: SortKey | None = None if created_below is None else (created_below, 0)

    def _entries(self, records: Iterable[Record]) -> Iterator[Entry[Record]]:
        predicates, now = self.predicates, self.now
        for record in records:
            if all(predicate(record, now) for predicate in predicates):
                yield Entry(record.sort_key, record.sid, record)

    def _scan(self, **options: Any) -> Iterator[Record]:
        return self.store.scan(self.kind, self.account_sid, self.parent_sid, where=self.where, **options)

    def newest(
        self, below: SortKey | None = None, *, inclusive: bool = False, skip: int = 0
    ) -> Iterator[Entry[Record]]:
        if self.cap is not None and (below is None or self.cap < below):
            below, inclusive = self.cap, False
        if not self.predicates:
            return self._entries(self._scan(start=below, inclusive=inclusive, offset=skip))
        return itertools.islice(self._entries(self._scan(start=below, inclusive=inclusive)), skip, None)

    def oldest(self, above: SortKey) -> Iterator[Entry[Record]]:
        records = self._scan(start=above, ascending=True)
        cap = self.cap
        if cap is not None:
            records = itertools.takewhile(lambda record: record.sort_key < cap, records)
        return self._entries(records)


# -- updates: Twilio's rules for changing a live call or a sent message --------------------------------------

_CALL_STATUS_UPDATES = ("canceled", "completed")
_NOT_ANSWERED = ("queued", "ringing")


def _update_call(data: dict[str, Any], form: Form, elapsed: float) -> dict[str, Any]:
    """Status=completed hangs up (a call not yet answered ends canceled, as Twilio reports a call hung up while
    queued or ringing); Status=canceled cancels a queued or ringing call and, as on Twilio, leaves a call in
    progress alone; Url/Twiml redirect a call in progress; TimeLimit caps how long it may still last. A call
    that has ended changes no more (21220)."""
    check_arguments("updateCall", form)  # formats and enums come from the spec, as for every other operation
    timeline = data["timeline"]
    status = status_at(timeline, elapsed)[0]
    wanted = _present(form, "Status")
    if wanted is not None and wanted not in _CALL_STATUS_UPDATES:
        allowed = ", ".join(_CALL_STATUS_UPDATES)
        raise TwilioError(DEFAULT_CODE, detail=f"Status must be one of {allowed}, not {wanted!r}")
    url, twiml = _present(form, "Url"), _present(form, "Twiml")
    limit = _present(form, "TimeLimit")
    if status in CALL_FINAL:
        raise TwilioError(21220, message=f"Call is {status}: a call that has ended cannot be changed.")
    if (url or twiml) and status != "in-progress":
        raise TwilioError(21220)
    if url or twiml:
        data["redirects"] = int(data.get("redirects", 0)) + 1
        # Twilio requests a new Url at once (with Method); inline TwiML needs no request.
        data["url"] = url
        data["method"] = (_present(form, "Method") or "POST").upper()
    if _present(form, "StatusCallback"):
        data["status_callback"] = _present(form, "StatusCallback")
        data["status_callback_method"] = (_present(form, "StatusCallbackMethod") or "POST").upper()
        data.setdefault("status_callback_events", ["completed"])
    if wanted == "completed":
        data["timeline"] = cut_timeline(timeline, elapsed, "canceled" if status in _NOT_ANSWERED else "completed")
    elif wanted == "canceled" and status in _NOT_ANSWERED:
        data["timeline"] = cut_timeline(timeline, elapsed, "canceled")
    elif limit is not None:
        try:
            seconds = int(limit)
        except ValueError:
            detail = f"TimeLimit must be a whole number of seconds, not {limit!r}"
            raise TwilioError(DEFAULT_CODE, detail=detail) from None
        if seconds < 1:
            raise TwilioError(DEFAULT_CODE, detail="TimeLimit must be at least 1")
        data["timeline"] = _capped(timeline, elapsed, seconds)
    return data


def _capped(timeline: list[list[Any]], elapsed: float, seconds: int) -> list[list[Any]]:
    """The call's timeline with its duration (from answering) capped at ``seconds``."""
    answered = next((float(offset) for offset, step in timeline if step == "in-progress"), None)
    end_offset, end_status = timeline[-1]
    if answered is None or end_status != "completed":
        return timeline
    new_end = min(float(end_offset), answered + seconds)
    if new_end <= elapsed:
        return cut_timeline(timeline, elapsed, "completed")
    return [*[list(step) for step in timeline[:-1]], [new_end, "completed"]]


def _update_message(data: dict[str, Any], form: Form, elapsed: float) -> dict[str, Any]:
    """Body="" redacts a message that has reached a final state; Status=canceled cancels a scheduled one
    (30409 otherwise). Twilio allows no other change."""
    check_arguments("updateMessage", form)
    status = status_at(data["timeline"], elapsed)[0]
    if form.getlist("Body"):  # sent, even empty: Body= is the redaction
        body = form.get("Body")
        if body:
            raise TwilioError(DEFAULT_CODE, detail="Body can only be set to an empty string, which redacts the message")
        if status not in MESSAGE_FINAL:
            raise TwilioError(20009, message="Cannot redact a message before it is complete")
        data["body"] = ""
        data["redacted"] = True
        return data
    wanted = _present(form, "Status")
    if wanted is None:
        raise TwilioError(DEFAULT_CODE, detail="give Body (empty, to redact) or Status=canceled")
    if wanted != "canceled":
        raise TwilioError(DEFAULT_CODE, detail=f"Status can only be canceled, not {wanted!r}")
    if status != "scheduled":
        raise TwilioError(30409)
    data["timeline"] = cut_timeline(data["timeline"], elapsed, "canceled")
    return data
