"""``Keystore``: the platform's key-value service, as a host service the command line gives every script.

It keeps its values in the command's state file (its own table ``keystore``), the one the embedded
simulator uses: ``--state PATH``, by default ``$XDG_STATE_HOME/twilio-lua-adapter/simulator.sqlite``, so a
value set by one run is there for the next; ``--state :memory:`` keeps them for the life of the command.
Values are any JSON data and come back as they were stored. Operations answer as the platform's did:
``get`` ``{value = ...}`` (no ``value`` for a missing key), ``set``/``delete``/``clear`` ``{}``, ``list``
``{keys = {...}}``.

It is also an example of a host service (see docs/lua.md): public methods, keyword arguments, plain data
back, ``ServiceError`` for a bad call.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from ..lua.services import ServiceError

__all__ = ["Keystore"]

_MAX_KEY = 512
_MAX_VALUE = 1024 * 1024


class Keystore:
    """A key-value store for scripts: ``Keystore.get{key = "k"}``, ``Keystore.set{key = "k", value = v}``..."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._path = str(path) if path is not None else ":memory:"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None, timeout=10)
        with self._lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS keystore (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def __repr__(self) -> str:
        return f"Keystore({self._path!r})"

    def get(self, key: str) -> dict[str, Any]:
        """``{value = <stored value>}``, or ``{}`` when the key is not set."""
        with self._lock:
            row = self._db.execute("SELECT value FROM keystore WHERE key = ?", (_key(key),)).fetchone()
        return {} if row is None else {"value": json.loads(row[0])}

    def set(self, key: str, value: Any) -> dict[str, Any]:
        """Store ``value`` (any JSON data) under ``key``."""
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        except ValueError:
            raise ServiceError("Keystore.set: value must be JSON data (no NaN or infinity)", type="validation",
                               details=[{"field": "value", "error": "is not JSON data"}]) from None
        if len(text) > _MAX_VALUE:
            raise ServiceError(f"Keystore.set: value is larger than {_MAX_VALUE} bytes as JSON", type="validation",
                               details=[{"field": "value", "error": "is too large"}])
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO keystore (key, value) VALUES (?, ?)", (_key(key), text))
        return {}

    def delete(self, key: str) -> dict[str, Any]:
        """Remove ``key`` (nothing happens when it is not set)."""
        with self._lock:
            self._db.execute("DELETE FROM keystore WHERE key = ?", (_key(key),))
        return {}

    def list(self, match: str | None = None) -> dict[str, Any]:
        """``{keys = {...}}``, sorted; ``match`` keeps the keys starting with it."""
        with self._lock:
            if match:
                rows = self._db.execute("SELECT key FROM keystore WHERE substr(key, 1, ?) = ? ORDER BY key",
                                        (len(match), str(match))).fetchall()
            else:
                rows = self._db.execute("SELECT key FROM keystore ORDER BY key").fetchall()
        return {"keys": [row[0] for row in rows]}

    def clear(self) -> dict[str, Any]:
        """Remove every key."""
        with self._lock:
            self._db.execute("DELETE FROM keystore")
        return {}


def _key(key: Any) -> str:
    if isinstance(key, bool) or not isinstance(key, (str, int, float)):
        raise ServiceError("Keystore: key must be text", type="validation",
                           details=[{"field": "key", "error": "must be text"}])
    text = str(int(key)) if isinstance(key, float) and key.is_integer() else str(key)
    if not text or len(text) > _MAX_KEY:
        raise ServiceError(f"Keystore: key must be 1 to {_MAX_KEY} characters", type="validation",
                           details=[{"field": "key", "error": f"must be 1 to {_MAX_KEY} characters"}])
    return text
