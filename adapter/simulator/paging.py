"""Twilio v2010 list paging: PageSize/Page/PageToken in, the page envelope out.

Page tokens follow Twilio's shape (``PA<sid>``: the page after that record, ``PB<sid>``: the page
before it). They anchor on a record rather than an offset, so resources created while a client is
walking pages do not shift or duplicate what it sees. Clients must treat them as opaque; a token
that no longer resolves (its record was deleted) falls back to the plain ``Page`` offset. As with
Twilio, ``Page`` past 0 without a ``PageToken`` is refused (400, code 20001 "PageToken is required").
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlencode

from .errors import TwilioError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "Entry",
    "MAX_PAGE_SIZE",
    "Page",
    "PageRequest",
    "Source",
    "envelope",
    "parse_page_request",
    "select_page",
    "take_page",
]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

T = TypeVar("T")
SortKey = tuple[float, int]


@dataclass(frozen=True)
class PageRequest:
    page: int = 0
    page_size: int = DEFAULT_PAGE_SIZE
    token: str | None = None


@dataclass(frozen=True)
class Entry(Generic[T]):
    """A listable item with the key it is ordered by (newest first = descending key)."""

    key: SortKey
    sid: str
    item: T


@dataclass(frozen=True)
class Page(Generic[T]):
    entries: list[Entry[T]]
    page: int
    page_size: int
    has_next: bool


def _integer(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise TwilioError(20001, detail=f"Invalid value for {name}: {raw!r} is not an integer") from None


def parse_page_request(args: Mapping[str, str]) -> PageRequest:
    # Out-of-range sizes are clamped, not rejected: the SDK sends PageSize=limit for
    # list(limit=N), and N may exceed Twilio's 1000 cap.
    size = min(max(_integer(args, "PageSize", DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE)
    page = max(_integer(args, "Page", 0), 0)
    token = args.get("PageToken") or None
    if page > 0 and token is None:
        # Twilio pages by token only: a page past the first needs the token its link carried.
        raise TwilioError(20001, message="PageToken is required")
    return PageRequest(page=page, page_size=size, token=token)


class Source(Protocol[T]):
    """Where a page is taken from: the matching entries, walked lazily in either direction."""

    def newest(self, below: SortKey | None = None, *, inclusive: bool = False, skip: int = 0) -> Iterator[Entry[T]]:
        """Entries newest first, only those older than ``below`` (or as old, if ``inclusive``),
        after skipping the first ``skip``."""
        ...

    def oldest(self, above: SortKey) -> Iterator[Entry[T]]:
        """Entries newer than ``above``, oldest first."""
        ...


def take_page(source: Source[T], request: PageRequest, key_of: Callable[[str], SortKey | None]) -> Page[T]:
    """The requested page, reading no more of ``source`` than the page and one entry beyond it.

    ``PA<sid>`` starts just after that record; ``PB<sid>`` ends just before it (or, when fewer than a
    page are newer, is the first page); a token that does not resolve leaves ``Page`` as an offset.
    """
    size = request.page_size
    token = request.token
    anchor = key_of(token[2:]) if token and token[:2] in ("PA", "PB") else None
    if anchor is not None and token is not None and token.startswith("PB"):
        newer = list(itertools.islice(source.oldest(anchor), size))
        if len(newer) == size:
            newer.reverse()
            more = next(iter(source.newest(anchor, inclusive=True)), None) is not None
            return Page(entries=newer, page=request.page, page_size=size, has_next=more)
        chosen = list(itertools.islice(source.newest(), size + 1))
    elif anchor is not None:
        chosen = list(itertools.islice(source.newest(anchor), size + 1))
    else:
        chosen = list(itertools.islice(source.newest(skip=request.page * size), size + 1))
    return Page(entries=chosen[:size], page=request.page, page_size=size, has_next=len(chosen) > size)


class _ListSource(Generic[T]):
    def __init__(self, entries: Sequence[Entry[T]]) -> None:
        self.entries = entries

    def newest(self, below: SortKey | None = None, *, inclusive: bool = False, skip: int = 0) -> Iterator[Entry[T]]:
        chosen: Iterable[Entry[T]] = self.entries
        if below is not None:
            chosen = (e for e in chosen if e.key < below or (inclusive and e.key == below))
        return itertools.islice(chosen, skip, None)

    def oldest(self, above: SortKey) -> Iterator[Entry[T]]:
        return (e for e in reversed(self.entries) if e.key > above)


def select_page(
    entries: Sequence[Entry[T]], request: PageRequest, key_of: Callable[[str], SortKey | None]
) -> Page[T]:
    """Pick the requested page from ``entries`` (already filtered, newest first)."""
    return take_page(_ListSource(entries), request, key_of)


def _uri(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}"


def envelope(
    path: str,
    filters: list[tuple[str, str]],
    items_key: str,
    page: Page[Any],
    request: PageRequest,
    items: list[dict[str, Any]],
) -> dict[str, Any]:
    """The list response body, with the filters carried into every page link as Twilio does."""
    base = [*filters, ("PageSize", str(page.page_size))]
    here = [*base, ("Page", str(page.page))]
    if request.token:
        here.append(("PageToken", request.token))
    next_uri = None
    if page.has_next and page.entries:
        next_uri = _uri(path, [*base, ("Page", str(page.page + 1)), ("PageToken", "PA" + page.entries[-1].sid)])
    previous_uri = None
    if page.page > 0:
        previous = [*base, ("Page", str(page.page - 1))]
        if page.entries:
            previous.append(("PageToken", "PB" + page.entries[0].sid))
        previous_uri = _uri(path, previous)
    start = page.page * page.page_size
    return {
        items_key: items,
        "end": start + max(len(items) - 1, 0),
        "first_page_uri": _uri(path, [*base, ("Page", "0")]),
        "next_page_uri": next_uri,
        "page": page.page,
        "page_size": page.page_size,
        "previous_page_uri": previous_uri,
        "start": start,
        "uri": _uri(path, here),
    }
