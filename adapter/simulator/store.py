"""Storage for simulated resources: one small interface, an in-memory and a SQLite backend.

The store only persists opaque records; everything Twilio-specific (validation, lifecycles,
cascading deletes, paging) lives above it, so both backends behave identically by construction.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
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


class Store(Protocol):
    def add(self, record: Record) -> Record: ...

    def get(self, kind: str, account_sid: str, sid: str) -> Record | None: ...

    def list(self, kind: str, account_sid: str, parent_sid: str | None = None) -> list[Record]:
        """Records of ``kind`` for the account (and parent, if given), newest first."""
        ...

    def delete(self, kind: str, account_sid: str, sid: str) -> bool: ...

    def delete_children(self, kind: str, parent_sid: str) -> int: ...

    def close(self) -> None: ...


def _newest_first(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: r.sort_key, reverse=True)


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str], Record] = {}
        self._seq = itertools.count(1)

    def add(self, record: Record) -> Record:
        with self._lock:
            stored = replace(record, seq=next(self._seq))
            self._records[(record.kind, record.sid)] = stored
            return stored

    def get(self, kind: str, account_sid: str, sid: str) -> Record | None:
        with self._lock:
            found = self._records.get((kind, sid))
        return found if found is not None and found.account_sid == account_sid else None

    def list(self, kind: str, account_sid: str, parent_sid: str | None = None) -> list[Record]:
        with self._lock:
            chosen = [
                r
                for r in self._records.values()
                if r.kind == kind
                and r.account_sid == account_sid
                and (parent_sid is None or r.parent_sid == parent_sid)
            ]
        return _newest_first(chosen)

    def delete(self, kind: str, account_sid: str, sid: str) -> bool:
        with self._lock:
            found = self._records.get((kind, sid))
            if found is None or found.account_sid != account_sid:
                return False
            del self._records[(kind, sid)]
            return True

    def delete_children(self, kind: str, parent_sid: str) -> int:
        with self._lock:
            doomed = [k for k, r in self._records.items() if r.kind == kind and r.parent_sid == parent_sid]
            for key in doomed:
                del self._records[key]
            return len(doomed)

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
CREATE INDEX IF NOT EXISTS resources_by_owner ON resources (kind, account_sid, parent_sid);
"""


class SqliteStore:
    """Records in a SQLite file, so a later simulator run sees what an earlier one created."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        with self._lock:
            self._db.executescript(_SCHEMA)

    @property
    def _db(self) -> sqlite3.Connection:
        # One connection shared by the server's threads (callers hold the lock). It is reopened on
        # demand so a simulator can be stopped and started again on the same file.
        if self._connection is None:
            self._connection = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        return self._connection

    @staticmethod
    def _from_row(row: tuple[Any, ...]) -> Record:
        seq, kind, sid, account_sid, parent_sid, created, data = row
        return Record(kind, sid, account_sid, created, json.loads(data), parent_sid, seq)

    _COLUMNS = "seq, kind, sid, account_sid, parent_sid, created, data"

    def add(self, record: Record) -> Record:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO resources (kind, sid, account_sid, parent_sid, created, data) VALUES (?, ?, ?, ?, ?, ?)",
                (record.kind, record.sid, record.account_sid, record.parent_sid, record.created,
                 json.dumps(record.data)),
            )
            return replace(record, seq=int(cursor.lastrowid or 0))

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

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def open_store(state_path: str | Path | None) -> MemoryStore | SqliteStore:
    return SqliteStore(state_path) if state_path is not None else MemoryStore()
