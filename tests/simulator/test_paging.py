from __future__ import annotations

import random
from typing import Callable

import pytest

from adapter.simulator import TwilioError
from adapter.simulator.paging import Entry, Page, PageRequest, SortKey, envelope, parse_page_request, select_page

PATH = "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json"


def entries(count: int) -> list[Entry[str]]:
    # Newest first: item 0 has the highest key.
    return [Entry((1000.0 - i, 0), f"SM{i:032x}", f"item{i}") for i in range(count)]


def test_parse_defaults_and_clamping() -> None:
    assert parse_page_request({}) == PageRequest(0, 50, None)
    assert parse_page_request({"PageSize": "5000", "Page": "-3"}) == PageRequest(0, 1000, None)
    assert parse_page_request({"PageSize": "0"}).page_size == 1
    assert parse_page_request({"Page": "2", "PageToken": "PAxyz"}) == PageRequest(2, 50, "PAxyz")


def test_parse_rejects_non_integers() -> None:
    with pytest.raises(TwilioError) as caught:
        parse_page_request({"PageSize": "ten"})
    assert (caught.value.status, caught.value.code) == (400, 20001)
    assert "PageSize" in caught.value.message


def test_offset_paging_without_token() -> None:
    items = entries(5)
    page = select_page(items, PageRequest(1, 2), lambda sid: None)
    assert [e.item for e in page.entries] == ["item2", "item3"]
    assert page.has_next
    last = select_page(items, PageRequest(2, 2), lambda sid: None)
    assert [e.item for e in last.entries] == ["item4"]
    assert not last.has_next


def test_page_after_token_anchors_on_the_record() -> None:
    items = entries(5)
    keys = {e.sid: e.key for e in items}
    token = "PA" + items[1].sid
    page = select_page(items, PageRequest(1, 2, token), keys.get)
    assert [e.item for e in page.entries] == ["item2", "item3"]
    # A newer record arriving in front does not shift what comes after the anchor.
    shifted = [Entry((2000.0, 0), "SMnew", "new"), *items]
    again = select_page(shifted, PageRequest(1, 2, token), {**keys, "SMnew": (2000.0, 0)}.get)
    assert [e.item for e in again.entries] == ["item2", "item3"]


def test_page_before_token_walks_back() -> None:
    items = entries(5)
    keys = {e.sid: e.key for e in items}
    page = select_page(items, PageRequest(0, 2, "PB" + items[2].sid), keys.get)
    assert [e.item for e in page.entries] == ["item0", "item1"]


def test_unknown_token_falls_back_to_offset() -> None:
    page = select_page(entries(5), PageRequest(1, 2, "PASMgone"), lambda sid: None)
    assert [e.item for e in page.entries] == ["item2", "item3"]


def test_envelope_links_carry_filters_and_tokens() -> None:
    items = entries(5)
    request = PageRequest(1, 2, "PA" + items[1].sid)
    page = select_page(items, request, {e.sid: e.key for e in items}.get)
    body = envelope(PATH, [("To", "+15558675310"), ("DateSent<", "2024-01-02")], "messages", page, request, ["a", "b"])
    assert body == {
        "messages": ["a", "b"],
        "end": 3,
        "first_page_uri": f"{PATH}?To=%2B15558675310&DateSent%3C=2024-01-02&PageSize=2&Page=0",
        "next_page_uri": f"{PATH}?To=%2B15558675310&DateSent%3C=2024-01-02&PageSize=2&Page=2&PageToken=PA{items[3].sid}",
        "page": 1,
        "page_size": 2,
        "previous_page_uri": f"{PATH}?To=%2B15558675310&DateSent%3C=2024-01-02&PageSize=2&Page=0&PageToken=PB{items[2].sid}",
        "start": 2,
        "uri": f"{PATH}?To=%2B15558675310&DateSent%3C=2024-01-02&PageSize=2&Page=1&PageToken=PA{items[1].sid}",
    }


def test_envelope_of_empty_first_page() -> None:
    request = PageRequest()
    body = envelope(PATH, [], "messages", select_page([], request, lambda sid: None), request, [])
    assert body["messages"] == []
    assert (body["start"], body["end"], body["page"], body["page_size"]) == (0, 0, 0, 50)
    assert body["next_page_uri"] is None and body["previous_page_uri"] is None
    assert body["uri"] == body["first_page_uri"] == f"{PATH}?PageSize=50&Page=0"


def reference_select_page(entries: list[Entry[str]], request: PageRequest, key_of: Callable[[str], SortKey | None]) -> Page[str]:
    """The original whole-list selection, kept as the oracle for the lazy ``take_page``."""
    size = request.page_size
    anchor = key_of(request.token[2:]) if request.token and request.token[:2] in ("PA", "PB") else None
    if anchor is not None and request.token is not None and request.token.startswith("PB"):
        newer = [e for e in entries if e.key > anchor]
        start = max(len(newer) - size, 0)
    elif anchor is not None:
        start = sum(1 for e in entries if e.key >= anchor)
    else:
        start = request.page * size
    chosen = list(entries[start : start + size])
    return Page(entries=chosen, page=request.page, page_size=size, has_next=start + size < len(entries))


def test_lazy_selection_matches_the_whole_list_oracle() -> None:
    rng = random.Random(20240501)
    for _ in range(400):
        count = rng.randrange(0, 30)
        # Shared creation instants (ties broken by seq), newest first.
        keys = sorted({(float(rng.randrange(0, 12)), seq) for seq in range(1, count + 1)}, reverse=True)
        items = [Entry(key, f"SM{key[1]:032x}", f"item{key[1]}") for key in keys]
        # The anchor may be a record the filter dropped (still resolvable), or gone altogether.
        visible = [e for e in items if rng.random() < 0.8]
        known = {e.sid: e.key for e in items}
        sid = rng.choice([*known, "SMgone"]) if known else "SMgone"
        token = rng.choice([None, "PA" + sid, "PB" + sid, "XX" + sid])
        request = PageRequest(rng.randrange(0, 5), rng.randrange(1, 8), token)
        got = select_page(visible, request, known.get)
        assert got == reference_select_page(visible, request, known.get), (visible, request)
