"""Storage for simulated resources: one small interface, an in-memory and a SQLite backend.

The store only persists opaque records; everything Twilio-specific (validation, lifecycles,
cascading deletes, paging) lives above it, so both backends behave identically by construction.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

__all__ = ["MemoryStore", "Record", "SqliteStore", "Store", "open_store"]


@dataclass(frozen=True)
class Record:
    """One stored resource. ``data`` holds what was decided at creation (JSON-serialisable)."""

    kind: str
    sid: str
    account_sid: str
    created: float
    data: dict[str, Any] = field(default_factory=dict)
    parent_sid: str | None = None
    # Assigned by the store: breaks ties between resources created within the same instant so
    # "newest first" is total and stable across pages.
    seq: int = 0

    @property
    def sort_key(self) -> tuple[float, int]:
        return (self.created, self.seq)


SortKey = tuple[float, int]


class Store(Protocol):
    def add(self, record: Record) -> Record: ...

    def get(self, kind: str, account_sid: str, sid: str) -> Record | None: ...

    def list(self, kind: str, account_sid: str, parent_sid: str | None = None) -> list[Record]:
        """Records of ``kind`` for the account (and parent, if given), newest first."""
        ...

    def scan(
        self,
        kind: str,
        account_sid: str,
        parent_sid: str | None = None,
        *,
        where: Mapping[str, str] | None = None,
        start: SortKey | None = None,
        inclusive: bool = False,
        ascending: bool = False,
        offset: int = 0,
    ) -> Iterator[Record]:
        """Lazily, the records ``list`` would give (newest first, or oldest first if ``ascending``),
        only those whose ``data[field] == value`` for every item of ``where``, beginning past
        ``start`` in that order (older than it, or newer when ascending; ``inclusive`` admits a key
        equal to it) and skipping the first ``offset`` of them. Fetched in batches, so a caller that
        stops early (a page of 50 out of 10,000) never touches the rest."""
        ...

    def update(self, record: Record) -> Record | None:
        """Replace the stored record of the same kind, sid and account with ``record``'s data, keeping its
        place in every order; None when there is no such record."""
        ...

    def delete(self, kind: str, account_sid: str, sid: str) -> bool: ...

    def delete_children(self, kind: str, parent_sid: str) -> int: ...

    def clear(self) -> None:
        """Forget every record (a simulator reset)."""
        ...

    def initialise(self, account_sid: str, seed: Callable[[], object], *, reset: bool = False) -> bool:
        """Call ``seed`` (which adds the account's first records) once per account and store: unless the
        account was initialised before, or, with ``reset``, after forgetting every record of the account.
        Atomic: a concurrent process on the same store sees the account before or after, never half-seeded.
        Returns whether ``seed`` ran."""
        ...

    def close(self) -> None: ...


# Batches grow from the first (enough for a default page and its look-ahead) to the largest.
_FIRST_BATCH = 64
_MAX_BATCH = 1024


class _Ordered:
    """Records kept sorted by ``sort_key`` (ascending), with the keys alongside for bisection."""

    __slots__ = ("keys", "records")

    def __init__(self) -> None:
        self.keys: list[SortKey] = []
        self.records: list[Record] = []

    def insert(self, record: Record) -> None:
        key = record.sort_key
        # Usually the newest record, so this is an append.
        index = len(self.keys) if not self.keys or self.keys[-1] < key else bisect.bisect_right(self.keys, key)
        self.keys.insert(index, key)
        self.records.insert(index, record)

    def remove(self, record: Record) -> None:
        index = bisect.bisect_left(self.keys, record.sort_key)
        if index < len(self.keys) and self.records[index].sid == record.sid:
            del self.keys[index]
            del self.records[index]

    def batch(self, start: SortKey | None, inclusive: bool, ascending: bool, size: int, skip: int = 0) -> list[Record]:
        """Up to ``size`` records past ``start`` in the scan's order, after skipping ``skip``."""
        keys = self.keys
        if ascending:
            if start is None:
                index = 0
            else:
                index = bisect.bisect_left(keys, start) if inclusive else bisect.bisect_right(keys, start)
            index += skip
            return self.records[index : index + size]
        if start is None:
            stop = len(keys)
        else:
            stop = bisect.bisect_right(keys, start) if inclusive else bisect.bisect_left(keys, start)
        stop = max(stop - skip, 0)
        chosen = self.records[max(stop - size, 0) : stop]
        chosen.reverse()
        return chosen


def _batches(
    fetch: Callable[[SortKey | None, bool, int], list[Record]], start: SortKey | None, inclusive: bool
) -> Iterator[Record]:
    """Keyset pagination over ``fetch(start, inclusive, size)``: each batch resumes after the last
    record of the previous one, so records added or deleted meanwhile neither repeat nor shift."""
    size = _FIRST_BATCH
    while True:
        batch = fetch(start, inclusive, size)
        yield from batch
        if len(batch) < size:
            return
        start, inclusive = batch[-1].sort_key, False
        size = min(size * 2, _MAX_BATCH)


def _matching(records: Iterator[Record], where: Mapping[str, str] | None, offset: int) -> Iterator[Record]:
    if where:
        wanted = list(where.items())
        records = (r for r in records if all(r.data.get(name) == value for name, value in wanted))
    return itertools.islice(records, offset, None) if offset else records


class MemoryStore:
    def __init__(self) -> None:
        # Reentrant: initialise() holds it while its seed adds records.
        self._lock = threading.RLock()
        self._initialised: set[str] = set()
        self._records: dict[tuple[str, str], Record] = {}
        # Sorted indexes: by (kind, account) for lists, by (kind, parent) for subresources.
        self._by_owner: dict[tuple[str, str], _Ordered] = {}
        self._by_parent: dict[tuple[str, str], _Ordered] = {}
        self._seq = itertools.count(1)

    def _indexes(self, record: Record) -> list[_Ordered]:
        found = [self._by_owner.setdefault((record.kind, record.account_sid), _Ordered())]
        if record.parent_sid is not None:
            found.append(self._by_parent.setdefault((record.kind, record.parent_sid), _Ordered()))
        return found

    def _forget(self, record: Record) -> None:
        del self._records[(record.kind, record.sid)]
        for index in self._indexes(record):
            index.remove(record)

    def add(self, record: Record) -> Record:
        with self._lock:
            stored = replace(record, seq=next(self._seq))
            previous = self._records.get((record.kind, record.sid))
            if previous is not None:
                self._forget(previous)
            self._records[(record.kind, record.sid)] = stored
            for index in self._indexes(stored):
                index.insert(stored)
            return stored

    def get(self, kind: str, account_sid: str, sid: str) -> Record | None:
        with self._lock:
            found = self._records.get((kind, sid))
        return found if found is not None and found.account_sid == account_sid else None

    def update(self, record: Record) -> Record | None:
        with self._lock:
            previous = self._records.get((record.kind, record.sid))
            if previous is None or previous.account_sid != record.account_sid:
                return None
            stored = replace(previous, data=record.data)
            self._forget(previous)  # the indexes hold the records themselves, so the old one goes
            self._records[(stored.kind, stored.sid)] = stored
            for index in self._indexes(stored):
                index.insert(stored)
            return stored

    def list(self, kind: str, account_sid: str, parent_sid: str | None = None) -> list[Record]:
        return list(self.scan(kind, account_sid, parent_sid))

    def scan(
        self,
        kind: str,
        account_sid: str,
        parent_sid: str | None = None,
        *,
        where: Mapping[str, str] | None = None,
        start: SortKey | None = None,
        inclusive: bool = False,
        ascending: bool = False,
        offset: int = 0,
    ) -> Iterator[Record]:
        # Without a filter to apply first, the offset is an index into the sorted records.
        direct = parent_sid is None and not where
        skip = offset if direct else 0

        def fetch(after: SortKey | None, include: bool, size: int) -> list[Record]:
            nonlocal skip
            with self._lock:
                if parent_sid is None:
                    index = self._by_owner.get((kind, account_sid))
                else:
                    index = self._by_parent.get((kind, parent_sid))
                batch = index.batch(after, include, ascending, size, skip) if index is not None else []
            skip = 0  # the offset applies once: later batches resume after the last record
            return batch

        records = _batches(fetch, start, inclusive)
        if parent_sid is not None:  # the parent index spans accounts
            records = (r for r in records if r.account_sid == account_sid)
        return records if direct else _matching(records, where, offset)

    def delete(self, kind: str, account_sid: str, sid: str) -> bool:
        with self._lock:
            found = self._records.get((kind, sid))
            if found is None or found.account_sid != account_sid:
                return False
            self._forget(found)
            return True

    def delete_children(self, kind: str, parent_sid: str) -> int:
        with self._lock:
            index = self._by_parent.pop((kind, parent_sid), None)
            doomed = list(index.records) if index is not None else []
            for record in doomed:
                del self._records[(record.kind, record.sid)]
                owner = self._by_owner.get((record.kind, record.account_sid))
                if owner is not None:
                    owner.remove(record)
            return len(doomed)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._by_owner.clear()
            self._by_parent.clear()

    def initialise(self, account_sid: str, seed: Callable[[], object], *, reset: bool = False) -> bool:
        with self._lock:
            if reset:
                for record in [r for r in self._records.values() if r.account_sid == account_sid]:
                    self._forget(record)
            elif account_sid in self._initialised:
                return False
            seed()
            self._initialised.add(account_sid)
            return True

    def close(self) -> None:
        pass


_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    sid TEXT NOT NULL UNIQUE,
    account_sid TEXT NOT NULL,
    parent_sid TEXT,
    created REAL NOT NULL,
    data TEXT NOT NULL
);
-- Lists walk an account's records newest first; subresource lists and cascades go by parent.
-- (seq is the rowid, which every index carries: the key (created, seq) is covered.)
DROP INDEX IF EXISTS resources_by_owner;
CREATE INDEX IF NOT EXISTS resources_by_time ON resources (kind, account_sid, created, seq);
CREATE INDEX IF NOT EXISTS resources_by_parent ON resources (kind, parent_sid, account_sid, created, seq);
-- Accounts whose first records (the default history, or none) have been written.
CREATE TABLE IF NOT EXISTS initialised (account_sid TEXT PRIMARY KEY);
"""

# Several processes may share a state file (`twilio-lua simulate` in one terminal, `twilio-lua call` in
# another); a writer waits this long for another's transaction instead of failing with "database is locked".
_BUSY_TIMEOUT = 30.0

# Data fields a list may be filtered on; only these names ever reach the SQL text.
_JSON_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SqliteStore:
    """Records in a SQLite file, so a later simulator run sees what an earlier one created."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # Reentrant: initialise() holds it for its whole transaction while its seed adds records.
        self._lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        with self._lock:
            _when_not_busy(lambda: self._db.executescript(_SCHEMA))

    @property
    def _db(self) -> sqlite3.Connection:
        # One connection shared by the server's threads (callers hold the lock). It is reopened on
        # demand so a simulator can be stopped and started again on the same file.
        if self._connection is None:
            connection = sqlite3.connect(
                str(self.path), timeout=_BUSY_TIMEOUT, check_same_thread=False, isolation_level=None
            )
            # Every create is its own transaction; in the default rollback-journal mode each one waits
            # for fsync (~1 ms). WAL with synchronous=NORMAL survives the process dying and costs a
            # few tens of microseconds; only an OS crash could lose the last creates, which a
            # simulator's state can afford. Closing the last connection folds the WAL back in.
            try:
                _when_not_busy(lambda: connection.execute("PRAGMA journal_mode=WAL"))
                connection.execute("PRAGMA synchronous=NORMAL")
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    @staticmethod
    def _from_row(row: tuple[Any, ...]) -> Record:
        seq, kind, sid, account_sid, parent_sid, created, data = row
        return Record(kind, sid, account_sid, created, json.loads(data), parent_sid, seq)

    _COLUMNS = "seq, kind, sid, account_sid, parent_sid, created, data"

    def add(self, record: Record) -> Record:
        with self._lock:
            cursor = self._db.execute(
                # A SID added again replaces the record, as in MemoryStore: two processes opening one state file
                # may both add the default Verify Service, and neither may fail for it.
                "INSERT OR REPLACE INTO resources (kind, sid, account_sid, parent_sid, created, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (record.kind, record.sid, record.account_sid, record.parent_sid, record.created,
                 json.dumps(record.data)),
            )
            return replace(record, seq=int(cursor.lastrowid or 0))

    def update(self, record: Record) -> Record | None:
        with self._lock:
            cursor = self._db.execute(
                "UPDATE resources SET data = ? WHERE kind = ? AND account_sid = ? AND sid = ?",
                (json.dumps(record.data), record.kind, record.account_sid, record.sid),
            )
        return self.get(record.kind, record.account_sid, record.sid) if cursor.rowcount else None

    def get(self, kind: str, account_sid: str, sid: str) -> Record | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {self._COLUMNS} FROM resources WHERE kind = ? AND account_sid = ? AND sid = ?",
                (kind, account_sid, sid),
            ).fetchone()
        return self._from_row(row) if row else None

    def list(self, kind: str, account_sid: str, parent_sid: str | None = None) -> list[Record]:
        query = f"SELECT {self._COLUMNS} FROM resources WHERE kind = ? AND account_sid = ?"
        params: list[Any] = [kind, account_sid]
        if parent_sid is not None:
            query += " AND parent_sid = ?"
            params.append(parent_sid)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created DESC, seq DESC", params).fetchall()
        return [self._from_row(row) for row in rows]

    def scan(
        self,
        kind: str,
        account_sid: str,
        parent_sid: str | None = None,
        *,
        where: Mapping[str, str] | None = None,
        start: SortKey | None = None,
        inclusive: bool = False,
        ascending: bool = False,
        offset: int = 0,
    ) -> Iterator[Record]:
        base = f"SELECT {self._COLUMNS} FROM resources WHERE kind = ? AND account_sid = ?"
        params: list[Any] = [kind, account_sid]
        if parent_sid is not None:
            base += " AND parent_sid = ?"
            params.append(parent_sid)
        for name, value in (where or {}).items():
            if not _JSON_FIELD.match(name):
                raise ValueError(f"not a filterable field: {name!r}")
            base += f" AND json_extract(data, '$.{name}') = ?"
            params.append(value)
        order = " ORDER BY created ASC, seq ASC" if ascending else " ORDER BY created DESC, seq DESC"
        skip = offset

        def fetch(after: SortKey | None, include: bool, size: int) -> list[Record]:
            nonlocal skip
            query, args = base, list(params)
            if after is not None:
                # Row values let SQLite seek the (kind, account_sid, created, seq) index.
                op = (">=" if include else ">") if ascending else ("<=" if include else "<")
                query += f" AND (created, seq) {op} (?, ?)"
                args += [after[0], after[1]]
            query += order + " LIMIT ? OFFSET ?"
            args += [size, skip]
            skip = 0  # the offset applies once: later batches resume after the last row
            with self._lock:
                rows = self._db.execute(query, args).fetchall()
            return [self._from_row(row) for row in rows]

        return _batches(fetch, start, inclusive)

    def delete(self, kind: str, account_sid: str, sid: str) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM resources WHERE kind = ? AND account_sid = ? AND sid = ?", (kind, account_sid, sid)
            )
        return cursor.rowcount > 0

    def delete_children(self, kind: str, parent_sid: str) -> int:
        with self._lock:
            cursor = self._db.execute("DELETE FROM resources WHERE kind = ? AND parent_sid = ?", (kind, parent_sid))
        return cursor.rowcount

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM resources")

    def initialise(self, account_sid: str, seed: Callable[[], object], *, reset: bool = False) -> bool:
        with self._lock:
            db = self._db
            # IMMEDIATE takes the write lock first, so two processes opening a new file cannot both seed it.
            _when_not_busy(lambda: db.execute("BEGIN IMMEDIATE"))
            try:
                if reset:
                    db.execute("DELETE FROM resources WHERE account_sid = ?", (account_sid,))
                elif db.execute("SELECT 1 FROM initialised WHERE account_sid = ?", (account_sid,)).fetchone():
                    db.execute("COMMIT")
                    return False
                seed()
                db.execute("INSERT OR IGNORE INTO initialised (account_sid) VALUES (?)", (account_sid,))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return True

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def _when_not_busy(step: Callable[[], object]) -> None:
    """Run ``step``, waiting while another process holds the file. SQLite answers some steps with
    "database is locked" at once instead of calling its busy handler (switching a new file to WAL, or
    opening it while another connection runs WAL recovery or folds the WAL back in as it closes), so
    the wait of ``_BUSY_TIMEOUT`` is also applied here."""
    deadline = time.monotonic() + _BUSY_TIMEOUT
    pause = 0.001
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def open_store(state_path: str | Path | None) -> MemoryStore | SqliteStore:
    return SqliteStore(state_path) if state_path is not None else MemoryStore()
