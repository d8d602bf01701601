"""Following a list's ``next_page_uri``: the next request is exactly the URI Twilio gave, never rebuilt.

Twilio's page links carry what it chose to put there: its own date forms (``DateSent>=06/11/2019 22:05:25
MST``), repeated keys, parameters this client does not know, tokens with ``/+=``. Parsing them into arguments
and validating those again loses or refuses some of them, so the link is sent as it is (only characters that
cannot appear in an HTTP request line are percent-encoded, as the official SDK's ``requests`` does). What is
checked is where it goes: the same host and the same list as the first page, so a page link can never send
the caller's credentials to another resource.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from requests.utils import requote_uri

from .errors import TwilioError

__all__ = ["next_page_request"]


def next_page_request(first: dict[str, Any], next_page_uri: Any, base_url: str) -> dict[str, Any]:
    """The request for the page at ``next_page_uri``, from ``first`` (the list's request as
    :func:`~adapter.client.serialize.build_request` made it, for these credentials and path arguments).
    ``raw_query`` replaces ``query``: the transport sends it as it is."""
    if not isinstance(next_page_uri, str) or not next_page_uri:
        raise _bad_link(first, "is not a non-empty string")
    link = next_page_uri.partition("#")[0]
    if not link.startswith("/"):
        # Twilio gives links relative to its API host; an absolute one must name the host we talk to.
        try:
            split, base = urlsplit(link), urlsplit(base_url)
        except ValueError:
            raise _bad_link(first, "is not a URL") from None
        if (split.scheme.lower(), split.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()):
            raise _bad_link(first, "points at another host")
        link = link[len(split.scheme) + 3 + len(split.netloc):] or "/"
    elif link.startswith("//"):
        raise _bad_link(first, "points at another host")
    path, _, query = requote_uri(link).partition("?")
    if path != first["path"]:
        raise _bad_link(first, "points outside the list being paged")
    return {**first, "query": [], "raw_query": query}


def _bad_link(first: dict[str, Any], problem: str) -> TwilioError:
    # The link itself is not echoed: it is Twilio's answer, and may be long.
    return TwilioError(
        "api", f"Twilio's next_page_uri {problem}; paging stopped", status=502, operation=first.get("operation"),
    )
