"""Checking that a webhook request comes from Twilio: its ``X-Twilio-Signature``.

Twilio's published algorithm (as twilio-python's ``RequestValidator`` implements it): the full URL Twilio
requested, then every POST parameter sorted by name, each value of a name sorted, appended as name then
value; HMAC-SHA1 with the account's Auth Token; base64. A JSON body is not signed as parameters: the URL
carries ``bodySHA256``, the hex SHA-256 of the body, which must match. Twilio is not consistent about ports,
so the signature is accepted with the URL's port written out (``:443``/``:80``) or left out.

The Auth Token is only ever held inside an HMAC object, which cannot be pickled and has no readable key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

__all__ = ["SIGNATURE_HEADER", "WebhookValidator"]

SIGNATURE_HEADER = "X-Twilio-Signature"
_SETTINGS_HEADER = "x-twilio-webhooks-signature-settings"


class WebhookValidator:
    """Validates webhook requests signed with one Auth Token."""

    __slots__ = ("_mac",)

    def __init__(self, auth_token: str) -> None:
        self._mac = hmac.new(auth_token.encode("utf-8"), digestmod=hashlib.sha1)

    def __repr__(self) -> str:
        return "WebhookValidator()"

    def __reduce__(self) -> Any:
        raise TypeError("a WebhookValidator holds an Auth Token and cannot be pickled")

    def signature(self, url: str, params: Mapping[str, Any] | None = None) -> str:
        """The signature Twilio sends for a request to ``url`` with form ``params`` (values: a text, or a
        list of texts for a repeated name)."""
        mac = self._mac.copy()
        mac.update(_signed_text(url, params or {}).encode("utf-8"))
        return base64.b64encode(mac.digest()).decode("ascii")

    def validate(self, url: str, params: Mapping[str, Any] | str | None, signature: str) -> bool:
        """Whether ``signature`` is Twilio's for ``url`` and ``params`` (form parameters, or the raw text of
        a JSON body, whose hash the URL's ``bodySHA256`` names)."""
        return self.reason(url, params, signature) is None

    def reason(self, url: str, params: Mapping[str, Any] | str | None, signature: str) -> str | None:
        """None when the request is Twilio's; otherwise why not, in a few words (never a secret)."""
        if not signature:
            return "the request has no X-Twilio-Signature header"
        form: Mapping[str, Any] = {}
        query = parse_qs(urlsplit(url).query)
        if isinstance(params, str):
            expected = query.get("bodySHA256")
            if not expected:
                return "a JSON body is signed through bodySHA256 in the URL, and the URL has none"
            digest = hashlib.sha256(params.encode("utf-8")).hexdigest()
            if not hmac.compare_digest(digest, expected[0]):
                return "the body does not match the URL's bodySHA256"
        elif params:
            form = params
        given = signature.encode("utf-8", "replace")
        for candidate in _url_variants(url):
            if hmac.compare_digest(self.signature(candidate, form).encode("ascii"), given):
                return None
        return "X-Twilio-Signature does not match the URL and parameters signed with this account's Auth Token"

    def check_request(self, request: Mapping[str, Any]) -> str | None:
        """:meth:`reason` for a platform request table: ``url``, ``headers`` (any case), and ``raw_body``
        (a JSON body's text) or ``body`` (form parameters)."""
        url = request.get("url")
        if not isinstance(url, str) or not url:
            return "the request has no url (serve gives one; elsewhere set request.url to the URL Twilio called)"
        try:
            _ = urlsplit(url).port  # raises for a port that is not a number
        except ValueError:
            return "the request's url is not a valid URL"
        headers = request.get("headers")
        headers = headers if isinstance(headers, Mapping) else {}
        lowered = {str(k).lower(): v for k, v in headers.items()}
        settings = lowered.get(_SETTINGS_HEADER)
        if isinstance(settings, str) and "algorithm=" in settings and "HMAC_SHA1" not in settings.upper():
            return "the request is signed with a SharedKey, and this host validates Auth Token signatures only"
        signature = lowered.get(SIGNATURE_HEADER.lower())
        if not isinstance(signature, str):
            return "the request has no X-Twilio-Signature header"
        raw = request.get("raw_body")
        if isinstance(raw, str) and "bodySHA256" in parse_qs(urlsplit(url).query):
            return self.reason(url, raw, signature)
        body = request.get("body")
        return self.reason(url, _form(body), signature)


def _form(body: Any) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        return {}
    return {str(k): v for k, v in body.items()}


def _values(value: Any) -> Iterable[str]:
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    return [_text(value)]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _signed_text(url: str, params: Mapping[str, Any]) -> str:
    parts = [url]
    for name in sorted(set(params)):
        for value in sorted(set(_values(params[name]))):
            parts.append(name + value)
    return "".join(parts)


def _url_variants(url: str) -> list[str]:
    """The URL without its port and with the scheme's port written out (twilio-python's two tries)."""
    parts = urlsplit(url)
    if parts.port:
        without = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0])
        return [urlunsplit(without), url]
    port = 443 if parts.scheme == "https" else 80
    return [url, urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))]
