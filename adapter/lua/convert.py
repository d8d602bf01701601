"""Plain data across the Lua boundary, in both directions, without ever handing Lua a Python object.

Lua to Python (:func:`to_python`): our own walker, because lupa has none. A table is a list when its keys
are exactly 1..n, otherwise a dict (an empty table is an empty dict); whole numbers become ``int``; strings
must be UTF-8. Functions, coroutines, userdata and host objects are refused, and so are tables nested deeper
than ``max_depth`` (which is also how cycles are caught) or holding more than ``max_nodes`` values. On a
runtime with an encoding, lupa decodes strings as the walker reads them: text that is not UTF-8 is caught
here and named (``Body``, ``MediaUrl[2]``, a key of ``ContentVariables``).

Python to Lua (:func:`to_lua`): a fresh JSON-like copy goes through ``table_from(recursive=True)``. The copy
matters: lupa mis-converts shared sub-objects (lupa issue #297), would wrap anything that is not plain data
as a Python object, and with ``encoding=None`` would hand Lua a wrapped Python ``str``. :func:`json_to_lua`
skips the copy for what ``json.loads`` has just returned (a tree of plain data by construction), on a runtime
with an encoding only. JSON ``null`` becomes ``nil`` either way: the key is absent from its table (and a null
inside an array leaves a hole; Twilio sends none).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from itertools import islice
from typing import Any

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "ConversionError",
    "ConversionSizeError",
    "LuaTypeFn",
    "fresh",
    "json_to_lua",
    "lua_size",
    "to_lua",
    "to_python",
]

DEFAULT_MAX_DEPTH = 32
DEFAULT_MAX_NODES = 100_000
#: What a conversion may allocate on the host. Every string read is counted where it is read: lupa makes a
#: new Python string for each reference, so a string referenced 150 times costs 150 times its size.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
# Host bytes charged for each value beyond its text (a Python object, a dict or list slot).
_NODE_BYTES = 64

LuaTypeFn = Callable[[Any], "str | None"]


class ConversionError(ValueError):
    """A Lua value that is not plain data. ``path`` names where it was found (``MediaUrl[2]``, ``a.b``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path or '(value)'} {problem}")
        self.path = path or "(value)"
        self.problem = problem


class ConversionSizeError(ConversionError):
    """Converting the value would take more than ``max_bytes`` of host memory."""

    def __init__(self, path: str, max_bytes: int) -> None:
        super().__init__(path, f"is part of a value larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


def _table_type(kind: type) -> bool:
    """Remember ``kind`` as a Lua table type, so the next value of it skips ``lua_type``."""
    _TABLE_TYPES.add(kind)
    return True


def to_python(
    value: Any,
    lua_type: LuaTypeFn,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    path: str = "",
) -> Any:
    """Convert a value received from Lua into ``dict`` / ``list`` / ``str`` / ``int`` / ``float`` / ``bool``
    / ``None``. ``lua_type`` must come from the runtime's own lupa module. Raises :class:`ConversionError`
    (:class:`ConversionSizeError` past ``max_bytes`` of host memory, counted as the strings are read)."""
    if value is None:
        return None
    if max_depth > 0 and max_nodes > 1:
        kind = type(value)
        if kind in _TABLE_TYPES or (kind not in _PLAIN and lua_type(value) == "table" and _table_type(kind)):
            flat = _flat(value, max_nodes - 1, max_bytes)
            if flat is not None:
                return flat
    walker = _Walker(lua_type, max_depth, max_nodes, max_bytes)
    walker.nodes_left -= 1  # the value itself
    if walker.nodes_left < 0:
        raise ConversionError(path, f"is part of a table with more than {max_nodes} values")
    return walker.walk(value, path, 0)


_BAD_TEXT = object()  # a value lupa could not decode (a runtime with an encoding, text that is not UTF-8)
_PLAIN = (str, int, bool)
# lupa's table wrapper classes (one per engine module), learnt from lua_type: a type check is cheaper.
_TABLE_TYPES: set[type] = set()


def _flat(table: Any, limit: int, max_bytes: int) -> dict[str, Any] | None:
    """The common case, quickly: a table of named strings, integers and booleans (a call's arguments).
    None for anything else (nested tables, floats, other keys, text that is not UTF-8, too many entries or
    bytes): the walker then converts it, or names what is wrong."""
    out: dict[str, Any] = {}
    size = 0
    try:
        for key, value in table.items():
            if type(key) is not str:
                return None
            kind = type(value)
            if kind is str:
                size += len(key) + len(value) + 2 * _NODE_BYTES
            elif kind is int or kind is bool:
                size += len(key) + 2 * _NODE_BYTES
            else:
                return None
            if size > max_bytes or len(out) >= limit:
                return None
            out[key] = value
    except UnicodeDecodeError:
        return None
    return out


class _Walker:
    def __init__(self, lua_type: LuaTypeFn, max_depth: int, max_nodes: int, max_bytes: int) -> None:
        self.lua_type = lua_type
        self.max_depth = max_depth
        self.nodes_left = max_nodes
        self.max_nodes = max_nodes
        self.bytes_left = max_bytes
        self.max_bytes = max_bytes

    def charge(self, value: Any, path: str) -> None:
        """Count a key or value just read from Lua; raise once the conversion would be too large."""
        kind = type(value)
        self.bytes_left -= (len(value) + _NODE_BYTES) if kind is str or kind is bytes else _NODE_BYTES
        if self.bytes_left < 0:
            raise ConversionSizeError(path, self.max_bytes)

    def walk(self, value: Any, path: str, depth: int) -> Any:
        """Convert one value; ``nodes_left`` has been charged for it already (by the table holding it)."""
        kind = type(value)
        if value is None or kind in _PLAIN:
            return value
        if kind is float:
            # Lua 5.1 has only doubles: 30 arrives as 30.0 from some engines and means the integer 30.
            return int(value) if math.isfinite(value) and value.is_integer() else value
        if kind is bytes:
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                raise ConversionError(path, "is not valid UTF-8 text") from None
        if value is _BAD_TEXT:
            raise ConversionError(path, "is not valid UTF-8 text")
        lua_kind = self.lua_type(value)
        if lua_kind == "table":
            return self.table(value, path, depth)
        if lua_kind == "function" and "Coroutine" in type(value).__name__:
            lua_kind = "thread"  # lupa reports a coroutine as a function
        if lua_kind in ("function", "thread", "userdata"):
            what = {"function": "a function", "thread": "a coroutine", "userdata": "a userdata value"}[lua_kind]
            raise ConversionError(path, f"is {what}; only strings, numbers, booleans and tables can be passed")
        raise ConversionError(path, "is not a Lua value that can be passed")

    def table(self, table: Any, path: str, depth: int) -> Any:
        if depth >= self.max_depth:
            raise ConversionError(path, f"is nested more than {self.max_depth} tables deep (or contains itself)")
        left = self.nodes_left
        bytes_before = self.bytes_left
        charge = self.charge
        pairs = []
        try:
            # One entry at a time: a huge table is refused after reading one entry more than the budget,
            # and a table of huge strings after one string more than the byte budget, not all of it.
            for pair in table.items():
                pairs.append(pair)
                charge(pair[0], path)
                charge(pair[1], path)
                if len(pairs) > left:
                    break
        except UnicodeDecodeError:
            # lupa decodes as it iterates: find which key or value is not UTF-8, to name it.
            self.bytes_left = bytes_before
            pairs = self.pairs_slowly(table, path, left + 1)
        if len(pairs) > left:
            raise ConversionError(path, f"is part of a table with more than {self.max_nodes} values")
        self.nodes_left = left - len(pairs)
        entries: dict[Any, Any] = {}
        numeric = True
        for key, value in pairs:
            kind = type(key)
            if kind is str:
                numeric = False
            elif kind is not int:
                key = self.key(key, path)
                if type(key) is not int:
                    numeric = False
            entries[key] = value
        n = len(entries)
        if n and numeric and all(k in entries for k in range(1, n + 1)):
            walk = self.walk
            out_list = []
            for i in range(1, n + 1):
                value = entries[i]
                out_list.append(value if type(value) in _PLAIN else walk(value, f"{path}[{i}]", depth + 1))
            return out_list
        out: dict[str, Any] = {}
        for key, value in entries.items():
            name = key if type(key) is str else str(key)
            if type(value) in _PLAIN:
                out[name] = value
            else:
                out[name] = self.walk(value, f"{path}.{name}" if path else name, depth + 1)
        return out

    def pairs_slowly(self, table: Any, path: str, limit: int) -> list[tuple[Any, Any]]:
        """Like ``table.items()``, with ``_BAD_TEXT`` for each value that could not be decoded."""
        try:
            keys = list(islice(table.keys(), limit))
        except UnicodeDecodeError:
            raise ConversionError(path, "has a key that is not valid UTF-8 text") from None
        pairs = []
        for key in keys:
            try:
                value = table[key]
            except UnicodeDecodeError:
                value = _BAD_TEXT
            self.charge(key, path)
            self.charge(value, path)
            pairs.append((key, value))
        return pairs

    def key(self, key: Any, path: str) -> Any:
        if isinstance(key, bytes):
            try:
                return key.decode("utf-8")
            except UnicodeDecodeError:
                raise ConversionError(path, "has a key that is not valid UTF-8 text") from None
        if isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool)):
            return key
        if isinstance(key, float) and math.isfinite(key):
            return int(key) if key.is_integer() else key
        raise ConversionError(path, "has a key that is not a string or a number")


def fresh(value: Any, *, encode: bool, depth: int = 0) -> Any:
    """A JSON-like copy that shares no sub-object, with ``None`` dropped from mappings and strings encoded
    to UTF-8 bytes when the runtime has ``encoding=None``. Raises ``TypeError`` for anything else.

    This runs for every result a script receives, so the common types are dispatched on ``type()`` first.
    """
    kind = type(value)
    if kind is str:
        return _utf8(value) if encode else value
    if kind is int or kind is float or kind is bool or value is None:
        return value
    if depth > 100:
        raise TypeError("the value is nested too deeply (or contains itself)")
    if kind is dict or isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            key_kind = type(key)
            if key_kind is str:
                key = _utf8(key) if encode else key
            elif key_kind is bool or not isinstance(key, (bytes, int, float)):
                raise TypeError(f"cannot pass a {key_kind.__name__} key to Lua")
            else:
                key = fresh(key, encode=encode, depth=depth + 1)
            item_kind = type(item)
            if item_kind is str:
                out[key] = _utf8(item) if encode else item
            elif item_kind is int or item_kind is float or item_kind is bool:
                out[key] = item
            else:
                out[key] = fresh(item, encode=encode, depth=depth + 1)
        return out
    if kind is list or kind is tuple:
        return [fresh(item, encode=encode, depth=depth + 1) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value) if encode else bytes(value).decode("utf-8", "replace")
    # Subclasses (an IntEnum, a str subclass): their plain value.
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return fresh(str.__str__(value), encode=encode, depth=depth)
    raise TypeError(f"cannot pass a {kind.__name__} to Lua; use dict, list, str, int, float, bool or None")


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON's \ud800: keep the bytes rather than fail
        return text.encode("utf-8", "surrogatepass")


def lua_size(value: Any, limit: float = math.inf) -> float:
    """An upper estimate of the Lua heap ``value`` takes once converted (strings with their headers, tables
    with their array and hash parts); stops counting once past ``limit``. The host checks it against the
    memory left before building a result, because lupa aborts the process when building one fails."""
    kind = type(value)
    if kind is str:
        return 32 + (len(value) if value.isascii() else 4 * len(value))
    if kind is dict or isinstance(value, dict):
        # 64 for the table, per entry a hash node and a key string header
        total: float = 64 + 112 * len(value)
        for key, item in value.items():
            total += len(key) if type(key) is str else 16
            item_kind = type(item)
            if item_kind is str:
                total += 32 + (len(item) if item.isascii() else 4 * len(item))
            elif item_kind is dict or item_kind is list or (
                    item_kind is not int and item_kind is not float and item_kind is not bool and item is not None):
                total += lua_size(item, limit - total)
                if total > limit:
                    return total
        return total
    if kind is list or kind is tuple:
        total = 64 + 16 * len(value)
        for item in value:
            item_kind = type(item)
            if item_kind is str:
                total += 32 + (len(item) if item.isascii() else 4 * len(item))
            elif item_kind is not int and item_kind is not float and item_kind is not bool and item is not None:
                total += lua_size(item, limit - total)
                if total > limit:
                    return total
        return total
    if kind is bytes:
        return 32 + len(value)
    if kind is int or kind is float or kind is bool or value is None:
        return 16
    return lua_size(fresh(value, encode=False), limit)


def to_lua(runtime: Any, value: Any, *, encode: bool) -> Any:
    """A Lua value for ``value``, built from a fresh copy: a real (nested, 1-based) table for a dict or list,
    bytes for text. ``encode`` is True for runtimes created with ``encoding=None``.

    A runtime with an encoding is given the copy's ``str`` to encode itself (faster than encoding each one
    here), except text JSON cannot carry in UTF-8 (a lone surrogate from ``\\ud800``): that copy is redone
    with every string encoded as bytes, surrogates kept. A bare string is always returned as bytes, because a
    Python callable returning a ``str`` that cannot be encoded would raise inside Lua."""
    copy = fresh(value, encode=encode)
    if isinstance(copy, (dict, list)):
        if encode:
            return runtime.table_from(copy, recursive=True)
        try:
            return runtime.table_from(copy, recursive=True)
        except UnicodeEncodeError:
            return runtime.table_from(fresh(value, encode=True), recursive=True)
    if type(copy) is str:
        return _utf8(copy)
    return copy


def json_to_lua(runtime: Any, value: Any) -> Any:
    """A Lua table for ``value`` WITHOUT a defensive copy, for a runtime with an encoding only.

    Only for what ``json.loads`` just returned and nothing else holds: a tree (no shared sub-objects, which
    lupa mis-converts, issue #297) of exact dict/list/str/int/float/bool/None, so ``table_from`` wraps no
    Python object. ``None`` becomes ``nil`` as in :func:`to_lua` (the key is absent; a hole in an array). Text
    with a lone surrogate falls back to :func:`to_lua`."""
    try:
        return runtime.table_from(value, recursive=True)
    except UnicodeEncodeError:
        return to_lua(runtime, value, encode=True)
