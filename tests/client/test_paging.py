"""pages(), items() and follow(): following Twilio's next_page_uri exactly as it was given, to the same list."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from tests.wire import WireMock
from tests.wire import query_param_matcher

from adapter import Dispatcher, TwilioError

from .support import ACCOUNT_SID, BASE_URL, MESSAGE_SID, OTHER_ACCOUNT_SID, basic_auth, fixture, path_of, query_of

MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
MEDIA = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media.json"


def page_of(name: str, key: str, n: int, sids: list[str], next_uri: str | None) -> dict[str, Any]:
    page = fixture(name)
    template = page[key][0]
    page[key] = []
    for sid in sids:
        item = copy.deepcopy(template)
        item["sid"] = sid
        page[key].append(item)
    page.update(page=n, start=n * 2, end=n * 2 + len(sids) - 1, next_page_uri=next_uri,
                previous_page_uri=None if n == 0 else "/prev")
    return page


def three_message_pages(mocked: WireMock) -> list[str]:
    sids = [f"SM{i:032x}" for i in range(5)]
    uri1 = f"{MESSAGES}?To=%2B15558675310&PageSize=2&Page=1&PageToken=PASM{1:032x}"
    uri2 = f"{MESSAGES}?To=%2B15558675310&PageSize=2&Page=2&PageToken=PASM{3:032x}"
    bodies = [
        page_of("message_page.json", "messages", 0, sids[0:2], uri1),
        page_of("message_page.json", "messages", 1, sids[2:4], uri2),
        page_of("message_page.json", "messages", 2, sids[4:5], None),
    ]
    for query, body in zip(
        [{"To": "+15558675310", "PageSize": "2"},
         {"To": "+15558675310", "PageSize": "2", "Page": "1", "PageToken": f"PASM{1:032x}"},
         {"To": "+15558675310", "PageSize": "2", "Page": "2", "PageToken": f"PASM{3:032x}"}],
        bodies,
        strict=True,
    ):
        mocked.add("GET", BASE_URL + MESSAGES, json=body, match=[query_param_matcher(query)])
    return sids


def test_pages_follow_next_page_uri_and_stop_on_null(dispatcher: Dispatcher, mocked: WireMock) -> None:
    three_message_pages(mocked)
    pages = list(dispatcher.pages("listMessage", {"To": "+15558675310", "PageSize": 2}))
    assert [p["page"] for p in pages] == [0, 1, 2]
    assert len(mocked.calls) == 3
    assert query_of(mocked.calls[2].request) == {
        "To": ["+15558675310"], "PageSize": ["2"], "Page": ["2"], "PageToken": [f"PASM{3:032x}"]}
    assert all(path_of(c.request) == MESSAGES for c in mocked.calls)


def test_items_yield_every_item_across_pages(dispatcher: Dispatcher, mocked: WireMock) -> None:
    sids = three_message_pages(mocked)
    assert [m["sid"] for m in dispatcher.items("listMessage", {"To": "+15558675310", "PageSize": 2})] == sids


def test_pages_are_fetched_lazily(dispatcher: Dispatcher, mocked: WireMock) -> None:
    three_message_pages(mocked)
    items = dispatcher.items("listMessage", {"To": "+15558675310", "PageSize": 2})
    next(items)
    next(items)
    assert len(mocked.calls) == 1
    next(items)
    assert len(mocked.calls) == 2


def test_paging_keeps_path_and_credential_arguments(mocked: WireMock) -> None:
    d = Dispatcher(base_url=mocked.url, environ={}, max_retries=0)  # credentials only per call
    other_media = f"/2010-04-01/Accounts/{OTHER_ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media.json"
    first = page_of("media_page.json", "media_list", 0, ["ME" + "1" * 32], other_media + "?PageSize=1&Page=1&PageToken=PAx")
    second = page_of("media_page.json", "media_list", 1, ["ME" + "2" * 32], None)
    mocked.add("GET", BASE_URL + other_media, json=first, match=[query_param_matcher({"PageSize": "1"})])
    mocked.add("GET", BASE_URL + other_media, json=second,
               match=[query_param_matcher({"PageSize": "1", "Page": "1", "PageToken": "PAx"})])
    args = {"MessageSid": MESSAGE_SID, "AccountSid": OTHER_ACCOUNT_SID, "AuthToken": "perCallTok3n", "PageSize": 1}
    assert [m["sid"] for m in d.items("listMedia", args)] == ["ME" + "1" * 32, "ME" + "2" * 32]
    assert [basic_auth(c.request) for c in mocked.calls] == [(OTHER_ACCOUNT_SID, "perCallTok3n")] * 2


def test_items_of_an_empty_list(dispatcher: Dispatcher, mocked: WireMock) -> None:
    body = fixture("call_page.json")
    body.update(calls=[], end=0)
    mocked.add("GET", f"{BASE_URL}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json", json=body)
    assert list(dispatcher.items("listCall")) == []


def test_items_of_a_non_list_operation(dispatcher: Dispatcher) -> None:
    with pytest.raises(TwilioError) as info:
        list(dispatcher.items("getCall", {}))
    assert info.value.type == "validation" and "getCall is not a list operation" in str(info.value)


# --- following next_page_uri verbatim ------------------------------------------------------------------------

@pytest.mark.parametrize("page", [{"next_page_uri": None}, {}, {"next_page_uri": ""}])
def test_paging_stops_on_the_last_page(dispatcher: Dispatcher, mocked: WireMock, page: dict) -> None:
    body = {**page_of("message_page.json", "messages", 0, ["SM" + "1" * 32], None), **page}
    if "next_page_uri" not in page:
        del body["next_page_uri"]
    mocked.add("GET", BASE_URL + MESSAGES, json=body)
    assert len(list(dispatcher.pages("listMessage", {"PageSize": 2}))) == 1
    assert len(mocked.calls) == 1


def test_the_link_is_sent_exactly_as_twilio_gave_it(dispatcher: Dispatcher, mocked: WireMock) -> None:
    # Twilio's own date form, a repeated key, a parameter this client does not know and a token with / + =:
    # re-parsing and re-validating the link lost or refused each of them.
    query = ("DateSent%3E=06%2F11%2F2019+22%3A05%3A25+MST&To=%2B15558675310&To=%2B15558675311&Foo=bar"
             "&PageSize=1&Page=1&PageToken=PASM/ab+c%3D=")
    first = page_of("message_page.json", "messages", 0, ["SM" + "1" * 32], f"{MESSAGES}?{query}")
    last = page_of("message_page.json", "messages", 1, ["SM" + "2" * 32], None)
    mocked.add("GET", BASE_URL + MESSAGES, json=first, match=[query_param_matcher({"PageSize": "1"})])
    mocked.add("GET", BASE_URL + MESSAGES, json=last, match=[lambda request: "Foo=bar" in request.url])
    items = list(dispatcher.items("listMessage", {"PageSize": 1}))
    assert [m["sid"] for m in items] == ["SM" + "1" * 32, "SM" + "2" * 32]
    assert mocked.calls[1].request.path_url == f"{MESSAGES}?{query}"  # the request line, byte for byte
    assert basic_auth(mocked.calls[1].request)[0] == ACCOUNT_SID


def test_following_keeps_the_callers_credentials(mocked: WireMock) -> None:
    d = Dispatcher(base_url=mocked.url, environ={}, max_retries=0)
    calls = f"/2010-04-01/Accounts/{OTHER_ACCOUNT_SID}/Calls.json"
    mocked.add("GET", BASE_URL + calls, json={**fixture("call_page.json"), "next_page_uri": None})
    d.follow("listCall", {"AccountSid": OTHER_ACCOUNT_SID, "AuthToken": "perCallTok3n", "Status": "busy"},
             f"{calls}?Status=busy&Page=1&PageToken=PAq")
    assert basic_auth(mocked.calls[0].request) == (OTHER_ACCOUNT_SID, "perCallTok3n")
    assert mocked.calls[0].request.path_url == f"{calls}?Status=busy&Page=1&PageToken=PAq"


def test_an_absolute_link_to_the_same_host_is_followed(dispatcher: Dispatcher, mocked: WireMock) -> None:
    link = f"{dispatcher.base_url}{MESSAGES}?Page=1&PageToken=PAx"
    first = page_of("message_page.json", "messages", 0, ["SM" + "1" * 32], link)
    last = page_of("message_page.json", "messages", 1, ["SM" + "2" * 32], None)
    mocked.add("GET", BASE_URL + MESSAGES, json=first, match=[query_param_matcher({})])
    mocked.add("GET", BASE_URL + MESSAGES, json=last, match=[query_param_matcher({"Page": "1", "PageToken": "PAx"})])
    assert len(list(dispatcher.pages("listMessage"))) == 2


@pytest.mark.parametrize("uri", [
    "https://evil.example/steal?Page=1&PageToken=PAx",
    "//evil.example/2010-04-01/Accounts/ACx/Messages.json?Page=1&PageToken=PAx",
    f"/2010-04-01/Accounts/{OTHER_ACCOUNT_SID}/Calls.json?Page=1&PageToken=PAx",
    f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json?Page=1&PageToken=PAx",
    "/../../admin?Page=1&PageToken=PAx",
    "Messages.json?Page=1",
])
def test_a_link_to_another_host_or_list_stops_paging(dispatcher: Dispatcher, mocked: WireMock, uri: str) -> None:
    first = page_of("message_page.json", "messages", 0, ["SM" + "1" * 32], uri)
    mocked.add("GET", BASE_URL + MESSAGES, json=first)
    pages = dispatcher.pages("listMessage")
    next(pages)
    with pytest.raises(TwilioError) as info:
        next(pages)
    assert (info.value.type, info.value.status) == ("api", 502) and "next_page_uri" in str(info.value)
    assert uri not in str(info.value)
    assert len(mocked.calls) == 1


def test_twilio_page_bodies_round_trip(dispatcher: Dispatcher, mocked: WireMock) -> None:
    body = fixture("message_page.json")
    mocked.add("GET", BASE_URL + MESSAGES, body=json.dumps(body))
    page = dispatcher.listMessage(To="+15558675310", PageSize=2, **{"DateSent<": "2026-11-30"})
    assert page == body and page["next_page_uri"] is None


@pytest.mark.parametrize("call", [
    lambda d: list(d.items("sendFax")),
    lambda d: list(d.pages("sendFax")),
    lambda d: d.follow("sendFax", {}, "/x?Page=1"),
    lambda d: d.call(["not", "a", "name"]),
], ids=["items", "pages", "follow", "call-unhashable"])
def test_unknown_operations_are_validation_errors_everywhere(dispatcher: Dispatcher, mocked, call) -> None:
    with pytest.raises(TwilioError) as info:
        call(dispatcher)
    assert info.value.type == "validation" and "is not an operation" in str(info.value)
    assert len(mocked.calls) == 0
