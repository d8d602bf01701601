"""The default account's history: what it holds, and that a store gets it once (or, asked, afresh or not at all)."""

from __future__ import annotations

import threading
from pathlib import Path

from adapter.simulator import Clock, Simulator
from adapter.simulator.account import DEFAULT_CONFIG, AccountConfig, NumberConfig
from adapter.simulator.history import DEFAULT_HISTORY, HistoryEntry

from .conftest import Api, Schemas

OTHER_ACCOUNT = "AC" + "e" * 32


def bodies(api: Api) -> list[str]:
    return [m["body"] for m in api.get("Messages.json").json()["messages"]]


def test_a_plain_simulator_starts_empty(sim: Simulator, api: Api) -> None:
    assert api.get("Messages.json").json()["messages"] == []
    assert api.get("Calls.json").json()["calls"] == []


def test_the_history_is_delivered_messages_one_with_media_and_completed_calls(clock: Clock, schemas: Schemas) -> None:
    with Simulator(clock=clock, history=DEFAULT_HISTORY) as sim:
        api = Api(sim)
        messages = api.get("Messages.json").json()
        calls = api.get("Calls.json").json()
        schemas.check("messages", messages)
        schemas.check("calls", calls)
        messages, calls = messages["messages"], calls["calls"]
        expected_messages = [e for e in DEFAULT_HISTORY if e.collection == "messages"]
        expected_calls = [e for e in DEFAULT_HISTORY if e.collection == "calls"]
        assert len(messages) == len(expected_messages) >= 3 and len(calls) == len(expected_calls) >= 3
        assert {m["status"] for m in messages} == {"delivered"}
        assert {c["status"] for c in calls} == {"completed"}
        # Newest first, as written, every one in the past and sent from the account's own numbers.
        assert [m["body"] for m in messages] == [e.form["Body"] for e in expected_messages][::-1]
        owned = {n.phone_number for n in DEFAULT_CONFIG.phone_numbers}
        assert {m["from"] for m in messages} | {c["from"] for c in calls} <= owned
        assert [c["duration"] for c in calls] == [str(int(e.seconds or 0)) for e in expected_calls][::-1]
        assert all(c["price"] and c["price"].startswith("-") for c in calls)
        # The newest message is the MMS: a script reading "the newest message's media" finds two items.
        newest = messages[0]
        assert newest["sid"].startswith("MM") and newest["num_media"] == "2"
        media = api.get(newest["subresource_uris"]["media"]).json()
        schemas.check("media_list", media)
        assert sorted(m["content_type"] for m in media["media_list"]) == ["image/jpeg", "image/png"]
        assert [m for m in messages if m["num_media"] != "0"] == [newest]
        # Dated in the past relative to the simulator's clock, oldest over a month ago.
        sent = api.get("Messages.json", **{"DateSent<": "2024-04-01"}).json()["messages"]
        assert [m["body"] for m in sent] == [expected_messages[0].form["Body"]]
        assert api.get("Messages.json", **{"DateSent>": "2024-05-02"}).json()["messages"] == []


def test_history_entries_go_through_the_simulators_own_checks(clock: Clock) -> None:
    history = (
        HistoryEntry(9, "messages", {"From": "+15005550006", "To": "not a number", "Body": "refused: bad To"}),
        HistoryEntry(8, "messages", {"From": "+15550009999", "To": "+15558675310", "Body": "refused: not owned"}),
        HistoryEntry(7, "messages", {"From": "+15005550006", "To": "+15558675310", "Body": "kept"}),
    )
    with Simulator(clock=clock, history=history) as sim:
        assert bodies(Api(sim)) == ["kept"]


def test_a_scenario_account_gets_the_part_of_the_history_it_could_have_sent(clock: Clock) -> None:
    config = AccountConfig(phone_numbers=(NumberConfig("+16125550923", frozenset({"sms"}), "only this"),))
    with Simulator(clock=clock, history=DEFAULT_HISTORY, config=config) as sim:
        assert bodies(Api(sim)) == [e.form["Body"] for e in DEFAULT_HISTORY if e.form.get("From") == "+16125550923"
                                    and e.collection == "messages"]
        assert Api(sim).get("Calls.json").json()["calls"] == []  # an SMS-only number places no calls


def test_a_state_file_gets_the_history_once(tmp_path: Path, clock: Clock) -> None:
    state = tmp_path / "state.sqlite"
    with Simulator(clock=clock, state_path=state, history=DEFAULT_HISTORY) as first:
        sent = Api(first).send_sms(Body="mine")
        before = bodies(Api(first))
    assert before[0] == "mine" and len(before) == 1 + sum(e.collection == "messages" for e in DEFAULT_HISTORY)
    with Simulator(clock=clock, state_path=state, history=DEFAULT_HISTORY) as second:
        assert bodies(Api(second)) == before
        assert Api(second).get(f"Messages/{sent['sid']}.json").status_code == 200


def test_fresh_starts_over_from_the_history_and_empty_from_nothing(tmp_path: Path, clock: Clock) -> None:
    state = tmp_path / "state.sqlite"
    history = [e.form["Body"] for e in DEFAULT_HISTORY if e.collection == "messages"][::-1]
    with Simulator(clock=clock, state_path=state, history=DEFAULT_HISTORY) as sim:
        Api(sim).send_sms(Body="mine")
    with Simulator(clock=clock, state_path=state, history=DEFAULT_HISTORY, fresh=True) as sim:
        assert bodies(Api(sim)) == history
    with Simulator(clock=clock, state_path=state, history=(), fresh=True) as sim:
        assert bodies(Api(sim)) == [] and Api(sim).get("Calls.json").json()["calls"] == []
    # Emptied is a state of its own: the next ordinary start does not bring the history back.
    with Simulator(clock=clock, state_path=state, history=DEFAULT_HISTORY) as sim:
        assert bodies(Api(sim)) == []
        assert sim.store.list("media", sim.account_sid) == []


def test_fresh_forgets_only_its_own_account(tmp_path: Path, clock: Clock) -> None:
    state = tmp_path / "state.sqlite"
    accounts = {OTHER_ACCOUNT: "other-token"}
    with Simulator(clock=clock, state_path=state, accounts=accounts) as other:
        Api(other).send_sms(Body="other account")
    with Simulator(clock=clock, state_path=state, history=DEFAULT_HISTORY, fresh=True) as sim:
        assert len(bodies(Api(sim))) == sum(e.collection == "messages" for e in DEFAULT_HISTORY)
    with Simulator(clock=clock, state_path=state, accounts=accounts) as other:
        assert bodies(Api(other)) == ["other account"]


def test_an_account_is_initialised_whatever_else_the_file_holds(tmp_path: Path, clock: Clock) -> None:
    state = tmp_path / "state.sqlite"
    with Simulator(clock=clock, state_path=state) as sim:  # no history asked: nothing written, nothing marked
        Api(sim).send_sms(Body="older")
        assert bodies(Api(sim)) == ["older"]
    with Simulator(clock=clock, state_path=state, history=DEFAULT_HISTORY) as sim:
        assert bodies(Api(sim)) == ["older", *[e.form["Body"] for e in DEFAULT_HISTORY if e.collection == "messages"][::-1]]


def test_memory_store_history_and_fresh(clock: Clock) -> None:
    with Simulator(clock=clock, history=DEFAULT_HISTORY, fresh=True) as sim:
        assert len(bodies(Api(sim))) == sum(e.collection == "messages" for e in DEFAULT_HISTORY)
    with Simulator(clock=clock, history=(), fresh=True) as sim:
        assert bodies(Api(sim)) == []


def test_simulators_opening_a_new_file_together_seed_it_once(tmp_path: Path, clock: Clock) -> None:
    state = tmp_path / "state.sqlite"
    # A long history keeps each seeding open long enough for the others to try theirs meanwhile.
    history = DEFAULT_HISTORY * 30
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def open_one() -> None:
        try:
            barrier.wait()
            Simulator(clock=clock, state_path=state, history=history).stop()
        except BaseException as exc:  # noqa: BLE001 - reported below: a thread's exception would otherwise vanish
            failures.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with Simulator(clock=clock, state_path=state) as sim:
        assert len(sim.store.list("messages", sim.account_sid)) == sum(e.collection == "messages" for e in history)
        assert len(sim.store.list("calls", sim.account_sid)) == sum(e.collection == "calls" for e in history)
