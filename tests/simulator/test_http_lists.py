"""List endpoints over HTTP: envelopes, page links, tokens and filters."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from adapter.simulator import Clock

from .conftest import Api, Schemas
from .test_http_messages import error_of


def query_of(uri: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(uri).query)


def send_spread(api: Api, clock: Clock, count: int, hours: float = 10, **overrides: str) -> list[str]:
    sids = []
    for index in range(count):
        sids.append(api.send_sms(Body=f"m{index}", **overrides)["sid"])
        clock.advance(hours * 3600)
    return sids


def test_empty_list(api: Api, schemas: Schemas) -> None:
    for path, key in (("Messages.json", "messages"), ("Calls.json", "calls")):
        body = api.get(path).json()
        schemas.check(key, body)
        assert body[key] == []
        assert (body["page"], body["page_size"], body["start"], body["end"]) == (0, 50, 0, 0)
        assert body["next_page_uri"] is None and body["previous_page_uri"] is None
        assert body["uri"] == body["first_page_uri"] == f"/2010-04-01/Accounts/{api.account_sid}/{path}?PageSize=50&Page=0"


def test_walk_pages_forward_and_back(api: Api, clock: Clock, schemas: Schemas) -> None:
    sids = send_spread(api, clock, 5)
    newest_first = list(reversed(sids))
    first = api.get("Messages.json", PageSize=2).json()
    schemas.check("messages", first)
    assert [m["sid"] for m in first["messages"]] == newest_first[:2]
    assert (first["page"], first["start"], first["end"], first["previous_page_uri"]) == (0, 0, 1, None)
    assert query_of(first["next_page_uri"]) == [("PageSize", "2"), ("Page", "1"), ("PageToken", "PA" + newest_first[1])]

    second = api.get(first["next_page_uri"]).json()
    schemas.check("messages", second)
    assert [m["sid"] for m in second["messages"]] == newest_first[2:4]
    assert (second["page"], second["start"], second["end"]) == (1, 2, 3)
    assert query_of(second["uri"]) == [("PageSize", "2"), ("Page", "1"), ("PageToken", "PA" + newest_first[1])]
    assert query_of(second["previous_page_uri"]) == [("PageSize", "2"), ("Page", "0"), ("PageToken", "PB" + newest_first[2])]
    back = api.get(second["previous_page_uri"]).json()
    assert [m["sid"] for m in back["messages"]] == newest_first[:2]

    last = api.get(second["next_page_uri"]).json()
    assert [m["sid"] for m in last["messages"]] == newest_first[4:]
    assert (last["page"], last["start"], last["end"], last["next_page_uri"]) == (2, 4, 4, None)


def test_page_number_without_token_is_refused(api: Api, clock: Clock) -> None:
    send_spread(api, clock, 5)
    response = api.get("Messages.json", PageSize=2, Page=1)
    assert error_of(response) == (400, 20001)
    assert response.json()["message"] == "PageToken is required"
    assert api.get("Messages.json", PageSize=2, Page=0).status_code == 200


def test_page_number_with_a_stale_token_is_an_offset(api: Api, clock: Clock) -> None:
    newest_first = list(reversed(send_spread(api, clock, 5)))
    stale = "PA" + "SM" + "0" * 32
    page = api.get("Messages.json", PageSize=2, Page=1, PageToken=stale).json()
    assert [m["sid"] for m in page["messages"]] == newest_first[2:4]
    beyond = api.get("Messages.json", PageSize=2, Page=9, PageToken=stale).json()
    assert beyond["messages"] == [] and beyond["next_page_uri"] is None
    assert query_of(beyond["previous_page_uri"]) == [("PageSize", "2"), ("Page", "8")]


def test_tokens_survive_new_messages_arriving(api: Api, clock: Clock) -> None:
    newest_first = list(reversed(send_spread(api, clock, 4)))
    first = api.get("Messages.json", PageSize=2).json()
    api.send_sms(Body="late arrival")
    second = api.get(first["next_page_uri"]).json()
    assert [m["sid"] for m in second["messages"]] == newest_first[2:4]


def test_page_size_bounds(api: Api) -> None:
    api.send_sms()
    # PageSize is 1..1000 in the spec (as in Twilio's own OpenAPI description): the client refuses 5000 too.
    assert api.get("Messages.json", PageSize=1000).json()["page_size"] == 1000
    assert error_of(api.get("Messages.json", PageSize=5000)) == (400, 20001)
    assert error_of(api.get("Messages.json", PageSize="many")) == (400, 20001)


def test_filters_are_carried_into_page_links(api: Api, clock: Clock) -> None:
    send_spread(api, clock, 3, To="+15550000001")
    send_spread(api, clock, 3, To="+15550000002")
    body = api.get("Messages.json", To="+15550000001", PageSize=2).json()
    assert {m["to"] for m in body["messages"]} == {"+15550000001"}
    assert query_of(body["next_page_uri"])[:2] == [("To", "+15550000001"), ("PageSize", "2")]
    assert "To=%2B15550000001" in body["next_page_uri"]
    rest = api.get(body["next_page_uri"]).json()
    assert [m["to"] for m in rest["messages"]] == ["+15550000001"]
    assert rest["next_page_uri"] is None


def test_message_filters(api: Api, clock: Clock) -> None:
    # Created 12:00 May 1, 22:00 May 1, 08:00 May 2, 18:00 May 2, 04:00 May 3; each sent 1 s later.
    sids = send_spread(api, clock, 5)
    api.send_sms(From="+15017122661", To="+15551112222")

    def listed(**params: str) -> list[str]:
        return [m["sid"] for m in api.get("Messages.json", **params).json()["messages"]]

    assert listed(From="+15017122661") == listed(To="+15551112222") != []
    assert listed(**{"DateSent": "2024-05-02"}) == [sids[3], sids[2]]
    assert listed(**{"DateSent<": "2024-05-01"}) == [sids[1], sids[0]]
    assert listed(**{"DateSent>": "2024-05-03", "From": "+15005550006"}) == [sids[4]]
    assert listed(**{"DateSent>": "2024-05-02T08:00:01Z", "DateSent<": "2024-05-02T18:00:01Z"}) == [sids[3], sids[2]]
    assert listed(**{"DateSent>": "2024-05-02T08:00:02Z", "DateSent<": "2024-05-02T18:00:00Z"}) == []
    assert error_of(api.get("Messages.json", **{"DateSent>": "someday"})) == (400, 20001)
    assert error_of(api.get("Messages.json", **{"DateSent>": "2024-02-30"})) == (400, 20001)  # the right form, no such day
    assert listed(**{"DateSent>": "05/03/2024 00:00:00 GMT"}) == [sids[4]]  # Twilio's own form, as in its page links


def test_unsent_messages_have_no_date_sent_to_match(api: Api) -> None:
    api.send_sms()
    assert api.get("Messages.json", DateSent="2024-05-01").json()["messages"] == []


def test_call_filters(api: Api, clock: Clock, schemas: Schemas) -> None:
    done = api.place_call(To="+15550000001")["sid"]
    clock.advance(24 * 3600)
    ringing = api.place_call(To="+15550000002")["sid"]
    clock.advance(1)
    queued = api.place_call(To="+15550000001", From="+15017122661")["sid"]

    def listed(**params: str) -> list[str]:
        body = api.get("Calls.json", **params).json()
        schemas.check("calls", body)
        return [c["sid"] for c in body["calls"]]

    assert listed() == [queued, ringing, done]
    assert listed(Status="completed") == [done]
    assert listed(Status="ringing") == [ringing]
    assert listed(To="+15550000001") == [queued, done]
    assert listed(From="+15017122661") == [queued]
    assert listed(StartTime="2024-05-01") == [done]
    assert listed(**{"StartTime>": "2024-05-02"}) == [ringing]
    assert listed(**{"EndTime<": "2024-05-01"}) == [done]
    assert listed(EndTime="2024-05-02") == []
    assert listed(ParentCallSid="CA" + "0" * 32) == []
    assert error_of(api.get("Calls.json", Status="exploded")) == (400, 20001)


def test_media_filters_and_paging(api: Api, clock: Clock, schemas: Schemas) -> None:
    message = api.send_sms(MediaUrl=[f"https://example.com/{n}.png" for n in range(5)])
    media_path = message["subresource_uris"]["media"]
    first = api.get(media_path, PageSize=2).json()
    schemas.check("media_list", first)
    collected = [m["sid"] for m in first["media_list"]]
    next_uri = first["next_page_uri"]
    while next_uri:
        page = api.get(next_uri).json()
        collected += [m["sid"] for m in page["media_list"]]
        next_uri = page["next_page_uri"]
    assert len(collected) == len(set(collected)) == 5
    assert len(api.get(media_path, DateCreated="2024-05-01").json()["media_list"]) == 5
    assert api.get(media_path, **{"DateCreated<": "2024-04-30"}).json()["media_list"] == []
    assert len(api.get(media_path, **{"DateCreated>": "2024-04-30"}).json()["media_list"]) == 5


@pytest.mark.parametrize("key", ["calls", "messages"])
def test_newest_first_with_ties_in_creation_order(api: Api, key: str) -> None:
    # The clock is frozen, so every resource shares one date_created.
    make = api.place_call if key == "calls" else api.send_sms
    sids = [make()["sid"] for _ in range(4)]
    listed = api.get(f"{key.capitalize()}.json").json()[key]
    assert [item["sid"] for item in listed] == list(reversed(sids))
