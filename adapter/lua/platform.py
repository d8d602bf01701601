"""The original platform around a script: endpoint files, the ``request``/``response`` globals, and what a run
answers over HTTP. Used by ``twilio-lua run``, ``twilio-lua endpoints`` and ``twilio-lua serve``.

Endpoint files keep several endpoints in one file, each section starting with a line
``--#ENDPOINT METHOD /path`` (path parameters written ``{name}``). Lines before the first section are shared:
they run before every section (a file's local helpers). Each section is run as its own chunk, padded with
empty lines so that error messages give the line in the file. The platform's command-line tool also kept one
endpoint per file, named after path and method: ``endpoints/sms.post.lua`` is ``POST /sms``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "Endpoint",
    "EndpointError",
    "HttpAnswer",
    "Loaded",
    "answer",
    "find_route",
    "load_endpoints",
    "make_request",
    "parse_endpoints",
    "response_message",
    "split_route",
]

_HEADER = re.compile(rb"^[ \t]*--#ENDPOINT\b(.*)$", re.MULTILINE)
_METHOD = re.compile(r"[A-Za-z]+\Z")
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}\Z")
_FILE_ROUTE = re.compile(r"(?P<stem>.*)\.(?P<method>get|post|put|patch|delete|head|options)\Z", re.IGNORECASE)
_RESPONSE_KEYS = frozenset({"code", "message", "headers"})
# Headers that frame the HTTP message itself: the server sets them, or a script could break the connection.
_SERVER_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
                             "trailer"})


class EndpointError(ValueError):
    """A file or route that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: a section of a file, or a whole file of the one-endpoint-per-file layout."""

    method: str
    path: str
    source: bytes = field(repr=False)
    file: str
    line: int
    content_type: str | None = None

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def chunk(self) -> str:
        return Path(self.file).name

    def shape(self) -> tuple[str, tuple[str | None, ...]]:
        """The route with parameter names left out: ``/a/{x}`` and ``/a/{y}`` are the same route."""
        return self.method, tuple(None if _PARAM.match(s) else s for s in _segments(self.path))

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when ``path`` (no query) is this endpoint's, else None."""
        wanted = _segments(self.path)
        given = _segments(path)
        if len(wanted) != len(given):
            return None
        params: dict[str, str] = {}
        for pattern, segment in zip(wanted, given, strict=True):
            name = _PARAM.match(pattern)
            if name:
                if not segment:
                    return None
                params[name.group(1)] = unquote(segment)
            elif pattern != segment and pattern != unquote(segment):
                return None
        return params


def _segments(path: str) -> list[str]:
    trimmed = path.strip("/")
    return trimmed.split("/") if trimmed else []


def split_route(text: str) -> tuple[str, str]:
    """``"POST /sms"`` as ``("POST", "/sms")``; EndpointError when it is not a method and a path."""
    parts = text.split()
    if len(parts) != 2 or not _METHOD.match(parts[0]) or not parts[1].startswith("/"):
        raise EndpointError(f"expected METHOD /path (as in \"POST /sms\"), got {text!r}")
    return parts[0].upper(), parts[1]


def parse_endpoints(source: bytes, file: str) -> list[Endpoint]:
    """The ``--#ENDPOINT`` sections of one file, in order ([] when it has none)."""
    headers = list(_HEADER.finditer(source))
    if not headers:
        return []
    preamble = source[: headers[0].start()]
    endpoints: list[Endpoint] = []
    for index, header in enumerate(headers):
        line = source.count(b"\n", 0, header.start()) + 1
        words = header.group(1).decode("utf-8", "replace").split()
        where = f"{Path(file).name}:{line}"
        if len(words) < 2 or not _METHOD.match(words[0]) or not words[1].startswith("/"):
            raise EndpointError(f"{where}: the section header needs a method and a path, as in "
                                f"--#ENDPOINT POST /sms (got {header.group(0).decode('utf-8', 'replace').strip()!r})")
        end = headers[index + 1].start() if index + 1 < len(headers) else len(source)
        body_start = header.start()
        gap = source.count(b"\n", len(preamble), body_start)
        # Shared lines, then empty lines up to this section: error messages keep the file's line numbers.
        text = preamble + b"\n" * gap + source[body_start:end]
        content_type = words[2] if len(words) > 2 and "/" in words[2] else None
        endpoints.append(Endpoint(words[0].upper(), words[1], text, file, line, content_type))
    _check_unique(endpoints)
    return endpoints


def _check_unique(endpoints: Iterable[Endpoint]) -> None:
    seen: dict[tuple[str, tuple[str | None, ...]], Endpoint] = {}
    for endpoint in endpoints:
        first = seen.setdefault(endpoint.shape(), endpoint)
        if first is not endpoint:
            raise EndpointError(f"{endpoint.chunk}:{endpoint.line}: the route {endpoint.route} repeats "
                                f"{first.route} of {first.chunk}:{first.line}")


class Loaded(NamedTuple):
    """What :func:`load_endpoints` found: the endpoints, the files that are neither endpoints nor modules
    (path, source), and the modules of a solution folder (chunk name, source), to run before each script."""

    endpoints: list[Endpoint]
    plain: list[tuple[str, bytes]]
    modules: list[tuple[bytes, str]]


def load_endpoints(paths: Iterable[str | Path]) -> Loaded:
    """Endpoints from files and folders, the other files, and a solution's modules.

    In a folder, a file with sections gives its sections, and a file named ``<path>.<method>.lua`` (below
    the folder, so ``endpoints/keystore/{key}.get.lua`` is ``GET /keystore/{key}``) gives one endpoint; other
    files below a ``modules`` folder are the solution's modules (the platform loaded them before every
    script), in order of their paths. A route may appear only once across everything loaded."""
    endpoints: list[Endpoint] = []
    plain: list[tuple[str, bytes]] = []
    modules: list[tuple[bytes, str]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in sorted(path.rglob("*.lua")):
                source = _read(file)
                relative = file.relative_to(path)
                sections = parse_endpoints(source, str(file))
                if sections:
                    endpoints.extend(sections)
                    continue
                if "modules" in relative.parts[:-1]:
                    modules.append((source, relative.as_posix()))
                    continue
                routed = _file_route(_below_endpoints(relative), source, str(file))
                if routed is not None:
                    endpoints.append(routed)
                else:
                    plain.append((str(file), source))
        else:
            source = _read(path)
            sections = parse_endpoints(source, str(path))
            if sections:
                endpoints.extend(sections)
            else:
                routed = _file_route(Path(path.name), source, str(path)) if path.parent.name == "endpoints" else None
                if routed is not None:
                    endpoints.append(routed)
                else:
                    plain.append((str(path), source))
    _check_unique(endpoints)
    return Loaded(endpoints, plain, modules)


def _below_endpoints(relative: Path) -> Path:
    """A path below a solution's ``endpoints`` folder, when there is one (``endpoints/sms.post.lua`` in a
    solution folder is ``POST /sms``)."""
    parts = relative.parts
    if "endpoints" in parts[:-1]:
        return Path(*parts[parts.index("endpoints") + 1:])
    return relative


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise EndpointError(f"cannot read {path}: {exc.strerror or exc}") from None


def _file_route(relative: Path, source: bytes, file: str) -> Endpoint | None:
    name = relative.name.removesuffix(".lua")
    found = _FILE_ROUTE.match(name)
    if not found:
        return None
    parts = [*relative.parent.parts, found.group("stem")]
    parts = [p for p in parts if p and p != "index"]
    return Endpoint(found.group("method").upper(), "/" + "/".join(parts), source, file, 1)


def find_route(endpoints: Iterable[Endpoint], method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
    """The endpoint for ``method`` and ``path`` (a concrete path, or a route as written, ``/key/{key}``) and
    its path parameters. Literal segments win over parameters (``/users/me`` before ``/users/{id}``)."""
    method = method.upper()
    best: tuple[int, Endpoint, dict[str, str]] | None = None
    for endpoint in endpoints:
        if endpoint.method != method:
            continue
        if endpoint.path == path:
            return endpoint, {}
        params = endpoint.match(path)
        if params is None:
            continue
        literal = len(_segments(endpoint.path)) - len(params)
        if best is None or literal > best[0]:
            best = (literal, endpoint, params)
    return (best[1], best[2]) if best else None


def make_request(method: str, target: str, *, params: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None, body: Any = None, url: str | None = None,
                 raw_body: str | None = None, route: str | None = None) -> dict[str, Any]:
    """The ``request`` table as the platform gave it: ``method``, ``path``, ``uri`` (path and query),
    ``parameters`` (query parameters, then path parameters), ``headers`` (names in lower case), ``body``
    (a table; ``{}`` when there is none), and ``url``, ``route``, ``raw_body`` when known."""
    parts = urlsplit(target)
    parameters: dict[str, Any] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        previous = parameters.get(key)
        parameters[key] = value if previous is None else (
            [*previous, value] if isinstance(previous, list) else [previous, value])
    parameters.update(params or {})
    request: dict[str, Any] = {
        "method": method.upper(),
        "path": parts.path or "/",
        "uri": target,
        "parameters": parameters,
        "headers": {str(k).lower(): v for k, v in (headers or {}).items()},
        "body": {} if body is None else body,
    }
    if url is not None:
        request["url"] = url
    if route is not None:
        request["route"] = route
    if raw_body is not None:
        request["raw_body"] = raw_body
    return request


def _is_response(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= _RESPONSE_KEYS


def _parts(value: Any, response: Any, replaced: bool) -> tuple[Any, Any, Any]:
    """(code, headers, message) from a run's return value and its ``response`` global."""
    if replaced and not _is_response(response):
        # `response = Twilio.getCall{...}` (the 2016 docs' style): the table is the message.
        code: Any = None
        headers: Any = None
        message = response
    elif isinstance(response, dict):
        code, headers, message = response.get("code"), response.get("headers"), response.get("message")
    else:
        code = headers = message = None
    if value is not None:
        message = value
    return code, headers, message


def response_message(value: Any, response: Any, *, replaced: bool) -> Any:
    """What ``run`` prints: the return value, else ``response.message`` (or the replaced ``response``)."""
    return _parts(value, response, replaced)[2]


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def answer(value: Any, response: Any, *, replaced: bool, content_type: str | None = None) -> HttpAnswer:
    """The HTTP answer of an endpoint run: ``response.code`` (200 by default), ``response.headers``, and the
    message: nothing for nil (an empty 200, as a delete's), text as is, anything else as JSON. EndpointError
    (a one-line reason) when the script set a code or headers that cannot be sent."""
    code, headers, message = _parts(value, response, replaced)
    if code is None:
        status = 200
    elif isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599:
        status = code
    elif isinstance(code, str) and code.isdigit() and 100 <= int(code) <= 599:
        status = int(code)
    else:
        raise EndpointError(f"response.code must be an HTTP status from 100 to 599, not {_short(code)}")
    out_headers: list[tuple[str, str]] = []
    if headers is not None:
        if not isinstance(headers, dict):
            raise EndpointError("response.headers must be a table of header names and values")
        for name, item in headers.items():
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise EndpointError(f"response.headers[{name!r}] must be text or a number")
            text = _number_text(item) if not isinstance(item, str) else item
            if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name) or any(c in text for c in "\r\n\0"):
                raise EndpointError(f"response.headers[{name!r}] is not a valid HTTP header")
            if name.lower() in _SERVER_HEADERS:
                raise EndpointError(f"response.headers[{name!r}] is set by the server, not by scripts")
            out_headers.append((name, text))
    named = {name.lower() for name, _ in out_headers}
    if message is None:
        body = b""
    elif isinstance(message, str):
        body = message.encode("utf-8")
        kind = content_type or ("text/xml; charset=utf-8" if message.lstrip().startswith("<?xml")
                                or message.lstrip().startswith("<Response") else "text/plain; charset=utf-8")
        if "content-type" not in named:
            out_headers.append(("Content-Type", kind))
    else:
        try:
            body = json.dumps(message, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except ValueError:
            raise EndpointError("response.message holds a number JSON cannot carry (NaN or infinity)") from None
        if "content-type" not in named:
            out_headers.append(("Content-Type", content_type or "application/json"))
    return HttpAnswer(status, out_headers, body)


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."
