"""Twilio.each: every item of a list operation, following next_page_uri lazily."""

from __future__ import annotations

import pytest
from tests.wire import WireMock, query_param_matcher
from urllib.parse import parse_qsl, urlsplit

from adapter.lua import LuaHost
from adapter.simulator import Simulator

from .conftest import ACCOUNT, MOCK_BASE, message_json

PATH = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


def _page(n: int, start: int, next_token: str | None) -> dict:
    items = [message_json("SM" + f"{start + i:032x}", body=f"m{start + i}") for i in range(n)]
    nxt = f"{PATH}?PageSize={n}&Page=1&PageToken={next_token}" if next_token else None
    return {"messages": items, "page": 0, "page_size": n, "next_page_uri": nxt}


def test_each_follows_pages_lazily(mocked: WireMock, mock_host: LuaHost) -> None:
    mocked.add("GET", MOCK_BASE + PATH, json=_page(2, 0, "PA1"),
               match=[query_param_matcher({"PageSize": "2", "To": "+15558675310"})])
    mocked.add("GET", MOCK_BASE + PATH, json=_page(2, 2, None),
               match=[query_param_matcher({"PageSize": "2", "Page": "1", "PageToken": "PA1"})])
    script = """
        local bodies = {}
        for m, err in Twilio.each("listMessage", {PageSize = 2, To = "+15558675310"}) do
          assert(err == nil)
          bodies[#bodies + 1] = m.body
        end
        return bodies
    """
    assert mock_host.run(script) == ["m0", "m1", "m2", "m3"]
    assert len(mocked.calls) == 2
    second = dict(parse_qsl(urlsplit(mocked.calls[1].request.url).query))
    assert second == {"PageSize": "2", "Page": "1", "PageToken": "PA1"}  # the To filter is not carried over


def test_each_stops_early_without_fetching_more(mocked: WireMock, mock_host: LuaHost) -> None:
    mocked.add("GET", MOCK_BASE + PATH, json=_page(2, 0, "PA1"))
    out = mock_host.run('for m in Twilio.each(Twilio.listMessage) do return m.body end')
    assert out == "m0" and len(mocked.calls) == 1


def test_each_yields_the_error_twice_then_stops(mocked: WireMock, mock_host: LuaHost) -> None:
    mocked.add("GET", MOCK_BASE + PATH, json=_page(1, 0, "PA1"))
    mocked.add("GET", MOCK_BASE + PATH, status=500, json={"code": 20500, "message": "Internal Server Error"})
    out = mock_host.run("""
        local seen, errors = {}, {}
        for m, err in Twilio.each("listMessage") do
          if err then errors[#errors + 1] = {same = m == err, type = err.type, status = err.status}
          else seen[#seen + 1] = m.body end
        end
        return {seen = seen, errors = errors}
    """)
    assert out == {"seen": ["m0"], "errors": [{"same": True, "type": "api", "status": 500}]}


@pytest.mark.parametrize("op, message", [("getMessage", "not a list operation"), ("nope", "not a list operation")])
def test_each_on_a_non_list_operation(op: str, message: str, mock_host: LuaHost) -> None:
    out = mock_host.run(f'local n = 0 local last for m, err in Twilio.each("{op}") do n = n + 1 last = err end'
                        " return {n = n, err = last}")
    assert out["n"] == 1 and out["err"]["type"] == "validation" and message in out["err"]["error"]


def test_each_validates_arguments(mocked: WireMock, mock_host: LuaHost) -> None:
    out = mock_host.run('for m, err in Twilio.each("listMessage", {PageSize = 5000}) do return err end')
    assert out["type"] == "validation" and "PageSize" in out["error"]
    assert not mocked.calls


def test_each_against_the_simulator(sim: Simulator, sim_host: LuaHost) -> None:
    sim_host.run('for i = 1, 7 do Twilio.postMessage{From = "+15005550006", To = "+15558675310", Body = "n" .. i} end')
    out = sim_host.run("""
        local bodies = {}
        for m, err in Twilio.each("listMessage", {PageSize = 3}) do
          if err then error(err.error) end
          bodies[#bodies + 1] = m.body
        end
        table.sort(bodies)
        return bodies
    """)
    assert out == sorted(f"n{i}" for i in range(1, 8))
    lists = [r for r in sim.requests if r.method == "GET"]
    assert len(lists) == 3 and lists[0].query == {"PageSize": "3"} and "PageToken" in lists[1].query
