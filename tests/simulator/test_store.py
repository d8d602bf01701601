from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

import pytest

from adapter.simulator import MemoryStore, Record, SqliteStore, Store

ACCOUNT = "AC" + "1" * 32
OTHER = "AC" + "2" * 32


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "state.db")
    yield backend
    backend.close()


def message(sid: str, created: float = 100.0, account: str = ACCOUNT, **data: object) -> Record:
    return Record("messages", sid, account, created, {"body": sid, **data})


def test_add_assigns_increasing_sequence_and_keeps_data(store: Store) -> None:
    first = store.add(message("SM1", to="+15558675310", nested={"a": [1, 2]}))
    second = store.add(message("SM2"))
    assert 0 < first.seq < second.seq
    fetched = store.get("messages", ACCOUNT, "SM1")
    assert fetched == first
    assert fetched is not None and fetched.data == {"body": "SM1", "to": "+15558675310", "nested": {"a": [1, 2]}}


def test_a_sid_added_again_replaces_the_record(store: Store) -> None:
    store.add(message("SM1", created=100.0))
    again = store.add(message("SM1", created=100.0, to="+15558675311"))
    assert store.get("messages", ACCOUNT, "SM1") == again
    assert [r.data.get("to") for r in store.list("messages", ACCOUNT)] == ["+15558675311"]


def test_processes_opening_one_new_state_file_together_all_start(tmp_path: Path) -> None:
    """Each simulator adds its account's default Verify Service if absent; done at once, none may fail."""
    from adapter.simulator import Simulator

    def open_one(path: Path, barrier: threading.Barrier, failures: list[BaseException]) -> None:
        try:
            barrier.wait()
            Simulator(state_path=path).stop()
        except BaseException as exc:  # noqa: BLE001 - reported below: a thread's exception would otherwise vanish
            failures.append(exc)

    for attempt in range(5):
        path, barrier = tmp_path / f"state{attempt}.sqlite", threading.Barrier(6)
        failures: list[BaseException] = []
        threads = [threading.Thread(target=open_one, args=(path, barrier, failures)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert failures == []


def test_get_is_scoped_by_kind_and_account(store: Store) -> None:
    store.add(message("SM1"))
    assert store.get("messages", OTHER, "SM1") is None
    assert store.get("calls", ACCOUNT, "SM1") is None
    assert store.get("messages", ACCOUNT, "SM404") is None


def test_list_is_newest_first_with_ties_in_creation_order(store: Store) -> None:
    store.add(message("SMold", created=50))
    store.add(message("SMtie1", created=100))
    store.add(message("SMtie2", created=100))
    store.add(message("SMmid", created=75))
    store.add(message("SMelse", created=500, account=OTHER))
    assert [r.sid for r in store.list("messages", ACCOUNT)] == ["SMtie2", "SMtie1", "SMmid", "SMold"]


def test_list_by_parent_and_cascade(store: Store) -> None:
    store.add(message("SM1"))
    for index in range(3):
        store.add(Record("media", f"ME{index}", ACCOUNT, 100.0, {"content_type": "image/png"}, parent_sid="SM1"))
    store.add(Record("media", "MEother", ACCOUNT, 100.0, {"content_type": "image/png"}, parent_sid="SM2"))
    assert [r.sid for r in store.list("media", ACCOUNT, "SM1")] == ["ME2", "ME1", "ME0"]
    assert store.delete_children("media", "SM1") == 3
    assert store.list("media", ACCOUNT, "SM1") == []
    assert [r.sid for r in store.list("media", ACCOUNT)] == ["MEother"]


def test_delete(store: Store) -> None:
    store.add(message("SM1"))
    assert not store.delete("messages", OTHER, "SM1")
    assert store.delete("messages", ACCOUNT, "SM1")
    assert not store.delete("messages", ACCOUNT, "SM1")
    assert store.get("messages", ACCOUNT, "SM1") is None


def test_concurrent_adds_are_all_kept(store: Store) -> None:
    def add_many(thread: int) -> None:
        for index in range(25):
            store.add(message(f"SM{thread}-{index}"))

    threads = [threading.Thread(target=add_many, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = store.list("messages", ACCOUNT)
    assert len(records) == 200
    assert len({r.seq for r in records}) == 200


def test_sqlite_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = SqliteStore(path)
    added = first.add(message("SM1", to="+15558675310"))
    first.close()
    second = SqliteStore(path)
    try:
        assert second.get("messages", ACCOUNT, "SM1") == added
        assert second.add(message("SM2")).seq > added.seq
    finally:
        second.close()


def sids(records: object) -> list[str]:
    return [r.sid for r in records]  # type: ignore[attr-defined]


def test_scan_walks_from_a_key_in_either_direction(store: Store) -> None:
    added = [store.add(message(f"SM{n}", created=float(n // 2), to="+1555000000" + str(n % 3))) for n in range(10)]
    store.add(message("SMelse", created=3.0, account=OTHER))
    newest_first = [r.sid for r in reversed(added)]
    assert sids(store.scan("messages", ACCOUNT)) == newest_first == sids(store.list("messages", ACCOUNT))
    middle = added[5].sort_key
    assert sids(store.scan("messages", ACCOUNT, start=middle)) == newest_first[5:]
    assert sids(store.scan("messages", ACCOUNT, start=middle, inclusive=True)) == newest_first[4:]
    assert sids(store.scan("messages", ACCOUNT, start=middle, ascending=True)) == [f"SM{n}" for n in range(6, 10)]
    assert sids(store.scan("messages", ACCOUNT, start=middle, ascending=True, inclusive=True)) == [f"SM{n}" for n in range(5, 10)]
    assert sids(store.scan("messages", ACCOUNT, ascending=True, offset=7)) == ["SM7", "SM8", "SM9"]
    assert sids(store.scan("messages", ACCOUNT, offset=3, start=middle)) == newest_first[8:]
    assert sids(store.scan("messages", ACCOUNT, offset=99)) == []


def test_scan_matches_stored_fields_before_the_offset(store: Store) -> None:
    for n in range(12):
        store.add(message(f"SM{n}", created=float(n), to="+15550000001" if n % 3 == 0 else "+15550000002"))
    where = {"to": "+15550000001"}
    assert sids(store.scan("messages", ACCOUNT, where=where)) == ["SM9", "SM6", "SM3", "SM0"]
    assert sids(store.scan("messages", ACCOUNT, where=where, offset=1, start=(9.0, 0))) == ["SM3", "SM0"]
    assert sids(store.scan("messages", ACCOUNT, where=where, offset=1, start=(9.0, 10**9))) == ["SM6", "SM3", "SM0"]
    assert sids(store.scan("messages", ACCOUNT, where={"to": "+15550000001", "body": "SM6"})) == ["SM6"]
    assert sids(store.scan("messages", ACCOUNT, where={"to": "nobody"})) == []
    assert sids(store.scan("messages", ACCOUNT, where={"missing": "x"})) == []


def test_scan_by_parent_stays_in_the_account(store: Store) -> None:
    for n in range(3):
        store.add(Record("media", f"ME{n}", ACCOUNT, 100.0 + n, {"content_type": "image/png"}, parent_sid="SM1"))
    store.add(Record("media", "MEforeign", OTHER, 150.0, {"content_type": "image/png"}, parent_sid="SM1"))
    assert sids(store.scan("media", ACCOUNT, "SM1")) == ["ME2", "ME1", "ME0"]
    assert sids(store.scan("media", ACCOUNT, "SM1", offset=1)) == ["ME1", "ME0"]
    assert sids(store.scan("media", OTHER, "SM1")) == ["MEforeign"]
    assert store.delete("media", ACCOUNT, "ME1")
    assert sids(store.scan("media", ACCOUNT, "SM1", ascending=True)) == ["ME0", "ME2"]
    assert sids(store.scan("media", ACCOUNT)) == ["ME2", "ME0"]


def test_long_scans_cross_batches_without_repeats_while_records_arrive(store: Store) -> None:
    for n in range(700):
        store.add(message(f"SM{n:04}", created=float(n // 5)))
    seen = []
    for index, record in enumerate(store.scan("messages", ACCOUNT)):
        seen.append(record.sid)
        if index % 50 == 0:  # newer records arriving mid-walk are ahead of it, never in it
            store.add(message(f"SMlate{index}", created=1000.0 + index))
        if index == 300:
            store.delete("messages", ACCOUNT, "SM0100")  # not yet reached: must not appear
    expected = [f"SM{n:04}" for n in reversed(range(700)) if n != 100]
    assert seen == expected


def test_records_added_out_of_time_order_are_listed_in_time_order(store: Store) -> None:
    # The clock can be set back (Clock.set), so creation times do not always grow.
    for sid, created in (("SMa", 50.0), ("SMb", 10.0), ("SMc", 30.0), ("SMd", 10.0)):
        store.add(message(sid, created=created))
    assert sids(store.list("messages", ACCOUNT)) == ["SMa", "SMc", "SMd", "SMb"]
    assert sids(store.scan("messages", ACCOUNT, ascending=True)) == ["SMb", "SMd", "SMc", "SMa"]


def test_sqlite_adds_its_indexes_to_an_existing_file(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE resources (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, sid TEXT NOT NULL UNIQUE,"
        " account_sid TEXT NOT NULL, parent_sid TEXT, created REAL NOT NULL, data TEXT NOT NULL);"
        " CREATE INDEX resources_by_owner ON resources (kind, account_sid, parent_sid);"
        f" INSERT INTO resources (kind, sid, account_sid, created, data) VALUES ('messages', 'SM1', '{ACCOUNT}', 1.0, '{{}}');"
    )
    old.commit()
    old.close()
    store = SqliteStore(path)
    try:
        assert sids(store.scan("messages", ACCOUNT)) == ["SM1"]
        indexes = {row[0] for row in store._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"resources_by_time", "resources_by_parent"} <= indexes
        plan = store._db.execute(
            "EXPLAIN QUERY PLAN SELECT seq FROM resources WHERE kind = ? AND account_sid = ?"
            " ORDER BY created DESC, seq DESC LIMIT 5", ("messages", ACCOUNT),
        ).fetchall()
        assert "resources_by_time" in str(plan) and "TEMP B-TREE" not in str(plan)
    finally:
        store.close()
