"""Lists over many records: paging returns each record exactly once, in order, and the lazy list gives
exactly what rendering and filtering every record (the original implementation, kept here as an
oracle) gives. Records are made through the service layer, not HTTP, so thousands cost little.
No timing is asserted."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from adapter.simulator import DEFAULT_MESSAGING_SERVICE_SID, Clock, MemoryStore, SqliteStore, Store, Timings, TwilioError
from adapter.simulator.dates import parse_filter_date, parse_rfc2822
from adapter.simulator.formats import check_arguments
from adapter.simulator.paging import Entry, envelope, parse_page_request
from adapter.simulator.service import KINDS, Service

from .conftest import START
from .test_paging import reference_select_page

ACCOUNT = "AC" + "a" * 32
OTHER = "AC" + "b" * 32
BASE = f"/2010-04-01/Accounts/{ACCOUNT}"
SERVICE_SID = DEFAULT_MESSAGING_SERVICE_SID


@pytest.fixture(params=["memory", "sqlite"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    store: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")
    yield Service(store, Clock(start=START), Timings())
    store.close()


def query(uri: str) -> MultiDict[str, str]:
    return MultiDict(parse_qsl(urlsplit(uri).query))


def sms(to: str = "+15558675310", **extra: str) -> MultiDict[str, str]:
    return MultiDict({"To": to, "From": "+15005550006", "Body": "hi", **extra})


def walk(service: Service, kind: str, args: Mapping[str, str], path: str, parent: str | None = None) -> list[list[str]]:
    """Follow next_page_uri from the first page; the sids of each page."""
    key = KINDS[kind].items_key
    body = service.list(kind, ACCOUNT, MultiDict(args), path, parent)
    pages = [[item["sid"] for item in body[key]]]
    while body["next_page_uri"]:
        body = service.list(kind, ACCOUNT, query(body["next_page_uri"]), path, parent)
        pages.append([item["sid"] for item in body[key]])
    return pages


def test_paging_through_thousands_returns_each_once_in_order(service: Service) -> None:
    clock = service.clock
    created = []
    for index in range(3000):
        # Several per instant (ties are broken by creation order), then time moves on.
        created.append(service.create("messages", ACCOUNT, sms("+15550000001" if index % 3 else "+15550000002"))["sid"])
        if index % 4 == 3:
            clock.advance(7)
    for _ in range(20):  # another account's records are never listed
        service.create("messages", OTHER, sms())
    newest_first = list(reversed(created))
    path = f"{BASE}/Messages.json"

    pages = walk(service, "messages", {"PageSize": "97"}, path)
    assert [len(page) for page in pages] == [97] * 30 + [90]
    assert [sid for page in pages for sid in page] == newest_first

    # Records arriving while a client walks do not shift or repeat what it sees.
    first = service.list("messages", ACCOUNT, MultiDict({"PageSize": "500"}), path)
    late = [service.create("messages", ACCOUNT, sms())["sid"] for _ in range(10)]
    seen = [m["sid"] for m in first["messages"]]
    body = first
    while body["next_page_uri"]:
        body = service.list("messages", ACCOUNT, query(body["next_page_uri"]), path)
        seen += [m["sid"] for m in body["messages"]]
    assert seen == newest_first

    # And back again from the last page with the PB tokens.
    back = [[m["sid"] for m in body["messages"]]]
    while body["previous_page_uri"]:
        body = service.list("messages", ACCOUNT, query(body["previous_page_uri"]), path)
        back.append([m["sid"] for m in body["messages"]])
    assert [sid for page in reversed(back) for sid in page] == newest_first

    # A filtered walk, the filter carried in every link.
    wanted = [sid for index, sid in enumerate(created) if index % 3 == 0]
    pages = walk(service, "messages", {"To": "+15550000002", "PageSize": "50"}, path)
    assert [sid for page in pages for sid in page] == list(reversed(wanted))

    # Page offsets with a token that no longer resolves, deep into the list (which now starts with
    # the late arrivals). A Page past 0 without any token is refused, as Twilio refuses it.
    everything = list(reversed(late)) + newest_first
    stale = "PA" + "SM" + "0" * 32
    for page, size in ((40, 50), (3, 1000), (301, 10), (302, 10)):
        args = MultiDict({"PageSize": str(size), "Page": str(page), "PageToken": stale})
        body = service.list("messages", ACCOUNT, args, path)
        assert [m["sid"] for m in body["messages"]] == everything[page * size : (page + 1) * size]
        assert (body["next_page_uri"] is not None) == ((page + 1) * size < len(everything))


# -- the oracle: the original list, which rendered and filtered every record --------------------------


def reference_list(
    service: Service, kind: str, account_sid: str, args: Mapping[str, str], path: str, parent_sid: str | None = None
) -> dict[str, Any]:
    spec = KINDS[kind]
    check_arguments(spec.list_operation, args)
    request = parse_page_request(args)
    by_param = {param: flt for flt in spec.filters for param in flt.params}
    used: list[tuple[str, str]] = []
    predicates: list[Callable[[dict[str, Any]], bool]] = []
    for param in args:
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
            def exact(item: dict[str, Any], field: str = flt.field, value: str = value) -> bool:
                return item.get(field) == value

            predicates.append(exact)
    if spec.parent and (parent_sid is None or service.store.get(spec.parent, account_sid, parent_sid) is None):
        raise TwilioError(20404, 404, path=path)
    now = service.clock.time()
    records = sorted(service.store.list(spec.name, account_sid, parent_sid), key=lambda r: r.sort_key, reverse=True)
    entries = []
    for record in records:
        rendered = spec.render(record, now)
        if all(predicate(rendered) for predicate in predicates):
            entries.append(Entry(record.sort_key, record.sid, rendered))

    def key_of(sid: str) -> tuple[float, int] | None:
        anchor = service.store.get(spec.name, account_sid, sid)
        return anchor.sort_key if anchor is not None else None

    page = reference_select_page(entries, request, key_of)
    return envelope(path, used, spec.items_key, page, request, [entry.item for entry in page.entries])


def populate(
    service: Service, rng: random.Random, count: int, messages: list[str], calls: list[str], media: list[str]
) -> None:
    """``count`` more resources of every sort (scheduled, via a service, with media, calls), spread
    over time, so that lists see them at every stage of their lifecycles."""
    clock = service.clock
    for index in range(len(messages) + len(calls), len(messages) + len(calls) + count):
        roll = rng.random()
        to = rng.choice(["+15550000001", "+15550000002", "+15550000003"])
        if roll < 0.15:
            moment = clock.now().timestamp() + rng.choice([900, 3600, 86400 + 0.5, 3 * 86400])
            from datetime import datetime, timezone

            send_at = datetime.fromtimestamp(moment, tz=timezone.utc).isoformat()
            form = sms(to, MessagingServiceSid=SERVICE_SID, ScheduleType="fixed", SendAt=send_at)
            form.pop("From")
            messages.append(service.create("messages", ACCOUNT, form)["sid"])
        elif roll < 0.25:
            form = sms(to, MessagingServiceSid=SERVICE_SID)
            form.pop("From")
            messages.append(service.create("messages", ACCOUNT, form)["sid"])
        elif roll < 0.35:
            form = sms(to)
            form.setlist("MediaUrl", [f"https://example.com/{index}-{n}.png" for n in range(rng.randrange(1, 4))])
            messages.append(service.create("messages", ACCOUNT, form)["sid"])
            media.append(messages[-1])
        elif roll < 0.6:
            form = MultiDict({"To": to, "From": rng.choice(["+15005550006", "+15017122661"]), "Url": "https://example.com/t"})
            calls.append(service.create("calls", ACCOUNT, form)["sid"])
        else:
            messages.append(service.create("messages", ACCOUNT, sms(to, From=rng.choice(["+15005550006", "+15017122661"])))["sid"])
        clock.advance(rng.choice([0, 0, 0.5, 1, 2.5, 4, 600, 3 * 3600 + 0.25, 9 * 3600]))


def random_args(rng: random.Random, kind: str, sids: list[str]) -> dict[str, str]:
    args: dict[str, str] = {}
    days = ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-05", "2024-05-09"]
    instants = ["2024-05-01T12:00:01Z", "2024-05-02T06:30:00.5Z", "2024-05-03T00:00:00Z", "05/02/2024 09:00:00 PDT"]
    dated = {"messages": ["DateSent"], "calls": ["StartTime", "EndTime"], "media": ["DateCreated"]}[kind]
    for _ in range(rng.randrange(0, 3)):
        choice = rng.random()
        if choice < 0.5:
            param = rng.choice(dated) + rng.choice(["", "<", ">"])
            args[param] = rng.choice(days + instants)
        elif kind == "calls" and choice < 0.75:
            args["Status"] = rng.choice(["queued", "ringing", "in-progress", "completed"])
        elif kind != "media":
            args[rng.choice(["To", "From"])] = rng.choice(["+15550000001", "+15550000002", "+15005550006", "+15017122661"])
    args["PageSize"] = str(rng.choice([1, 2, 3, 7, 50]))
    if rng.random() < 0.5:
        args["Page"] = str(rng.randrange(0, 6))
    if rng.random() < 0.5 and sids:
        args["PageToken"] = rng.choice(["PA", "PB"]) + rng.choice([*sids, "SM" + "0" * 32])
    if args.get("Page", "0") != "0" and "PageToken" not in args:
        args["PageToken"] = "PA" + "SM" + "0" * 32  # Page past 0 needs a token (stale: an offset)
    return args


def test_lists_match_the_render_everything_oracle(service: Service) -> None:
    rng = random.Random(7)
    messages: list[str] = []
    calls: list[str] = []
    media: list[str] = []
    # Check as records accumulate, and at moments when the newest are mid-lifecycle (queued,
    # ringing, in progress, not yet sent) or scheduled ones have gone out since.
    for step in (0, 0.5, 1.5, 3, 0, 0.5, 7200, 2 * 86400):
        if step == 0:
            populate(service, rng, 60, messages, calls, media)
            for offset in (0, 0.5, 1.0, 1.5, 2.5):  # a burst just now, so statuses differ by a step
                service.clock.advance(offset)
                form = MultiDict({"To": "+15550000001", "From": "+15005550006", "Url": "https://example.com/t"})
                calls.append(service.create("calls", ACCOUNT, form)["sid"])
                messages.append(service.create("messages", ACCOUNT, sms("+15550000002"))["sid"])
        service.clock.advance(step)
        for _ in range(50):
            kind = rng.choice(["messages", "calls", "media"])
            parent = rng.choice(media) if kind == "media" and media else None
            if kind == "media" and parent is None:
                continue
            path = f"{BASE}/Messages/{parent}/Media.json" if parent else f"{BASE}/{KINDS[kind].collection}.json"
            pool = messages + calls if rng.random() < 0.2 else (messages if kind == "messages" else calls)
            args = MultiDict(random_args(rng, kind, pool))
            assert service.list(kind, ACCOUNT, args, path, parent) == reference_list(service, kind, ACCOUNT, args, path, parent), args
        # Walking a filtered list page by page agrees with the oracle's single big page.
        args = {"To": "+15550000001", "PageSize": "4"}
        walked = [sid for page in walk(service, "messages", args, f"{BASE}/Messages.json") for sid in page]
        whole = reference_list(service, "messages", ACCOUNT, {"To": "+15550000001", "PageSize": "1000"}, "/x")
        assert walked == [m["sid"] for m in whole["messages"]]


def test_date_bounds_at_fractional_seconds(service: Service) -> None:
    # Rendered dates keep whole seconds: a bound on 12:00:01 includes a date at 12:00:01.5, and
    # an upper bound cannot exclude records created within its last second.
    service.clock.advance(0.5)
    message = service.create("messages", ACCOUNT, sms(MediaUrl="https://example.com/a.png"))
    service.clock.advance(2)  # sent at +1.0 s from creation: 12:00:01.5
    media_path = f"{BASE}/Messages/{message['sid']}/Media.json"
    cases = [
        ("messages", None, f"{BASE}/Messages.json", {"DateSent<": "2024-05-01T12:00:01Z"}, 1),
        ("messages", None, f"{BASE}/Messages.json", {"DateSent>": "2024-05-01T12:00:01Z"}, 1),
        ("messages", None, f"{BASE}/Messages.json", {"DateSent<": "2024-05-01T12:00:00.999Z"}, 0),
        ("messages", None, f"{BASE}/Messages.json", {"DateSent>": "2024-05-01T12:00:01.001Z"}, 0),
        ("media", message["sid"], media_path, {"DateCreated<": "2024-05-01T12:00:00Z"}, 1),
        ("media", message["sid"], media_path, {"DateCreated": "2024-05-01T12:00:00Z"}, 1),
        ("media", message["sid"], media_path, {"DateCreated<": "2024-04-30"}, 0),
    ]
    for kind, parent, path, args, count in cases:
        body = service.list(kind, ACCOUNT, MultiDict(args), path, parent)
        assert len(body[KINDS[kind].items_key]) == count, args
        assert body == reference_list(service, kind, ACCOUNT, MultiDict(args), path, parent)
