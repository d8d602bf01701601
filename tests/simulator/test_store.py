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
