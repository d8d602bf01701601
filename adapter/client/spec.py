"""Load the operations spec (``specs/twilio_v2010.yaml`` and the files it includes) into plain, read-only
descriptions.

This is the only module that knows the spec is OpenAPI: the stages after it (validation, serialization,
parsing, the Lua bridge, the docs) read :class:`OperationSpec` and :class:`ArgumentSpec` only.

One file per Twilio API host: the main file lists the others under ``x-include``. Each file's ``servers``
(or a path's or operation's own) becomes the ``server`` of its operations; their ``components`` and
``x-argument-formats`` are read as one document, so an included file refers to the main file's shared
parameters (``AuthToken``) as if it were part of it. Adding a Twilio API is a new file and a line in
``x-include``, with no code.
"""

from __future__ import annotations

import copy
import functools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._data import data_directory

__all__ = [
    "ArgumentSpec",
    "OperationSpec",
    "ServiceSpec",
    "build_spec",
    "default_spec",
    "end_anchored",
    "load_spec",
    "named_formats",
]

Location = Literal["path", "query", "form", "credential"]

_SPEC_FILE = "twilio_v2010.yaml"


@dataclass(frozen=True)
class ArgumentSpec:
    """One argument a script may pass, with the rules it must follow and where it goes on the wire."""

    name: str
    location: Location
    type: str
    required: bool = False
    description: str = ""
    pattern: str | None = None
    format: str | None = None
    format_description: str | None = None
    enum: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    max_items: int | None = None
    items: ArgumentSpec | None = None
    default: Any = None
    accept_single: bool = False
    accept_object: bool = False
    accept_datetime: bool = False
    wire_name: str | None = None
    wire_values: dict[str, str] | None = None
    credential: str | None = None
    wire_join: str | None = None

    @property
    def sent_as(self) -> str:
        """The name this argument has on the wire."""
        return self.wire_name or self.name


@dataclass(frozen=True)
class OperationSpec:
    """One operation: how it is called, what it takes and what it returns."""

    name: str
    method: str
    path: str
    summary: str
    description: str
    tag: str
    arguments: dict[str, ArgumentSpec]
    require_one_of: tuple[tuple[str, ...], ...] = ()
    mutually_exclusive: tuple[tuple[str, ...], ...] = ()
    requires: dict[str, tuple[str, ...]] = field(default_factory=dict)
    items_key: str | None = None
    lua_example: str = ""
    success_status: int = 200
    response_schema: dict[str, Any] | None = None
    server: str = "https://api.twilio.com"
    require_given: tuple[tuple[str, ...], ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.arguments.values() if a.required)

    @property
    def returns_nothing(self) -> bool:
        return self.response_schema is None


@dataclass(frozen=True)
class ServiceSpec:
    """The whole spec: operations by name, the retry policy and the shared schemas."""

    operations: dict[str, OperationSpec]
    retry_policy: dict[str, Any]
    schemas: dict[str, Any]
    title: str
    default_server: str
    # The named formats (x-argument-formats), each with its final pattern; for code that checks one
    # format outside an operation (the simulator's "is this a phone number").
    formats: dict[str, dict[str, Any]] = field(default_factory=dict)

    def operation(self, name: str) -> OperationSpec:
        return self.operations[name]

    @property
    def servers(self) -> tuple[str, ...]:
        """Every API host the operations use, the default one first."""
        found = dict.fromkeys([self.default_server, *(op.server for op in self.operations.values())])
        return tuple(found)


def load_spec(path: str | Path | None = None) -> ServiceSpec:
    """Read a spec file (the packaged one when ``path`` is None), with the files it includes (``x-include``,
    relative to it), into a :class:`ServiceSpec`."""
    main = Path(path) if path is not None else data_directory("specs") / _SPEC_FILE
    return _build_from(main, lambda name: (main.parent / name).read_text(encoding="utf-8"))


def _build_from(main: Path, read: Any) -> ServiceSpec:
    document = _parse_yaml(read(main.name))
    included = [_parse_yaml(read(name)) for name in _includes(document)]
    return build_spec(document, included)


def _includes(document: dict[str, Any]) -> list[str]:
    names = document.get("x-include") or []
    for name in names:
        # Only files beside the main one: a spec never reaches elsewhere on the disk.
        if not isinstance(name, str) or os.path.basename(name) != name or not name.endswith((".yaml", ".yml")):
            raise ValueError(f"x-include: {name!r} is not the name of a YAML file beside the spec")
    return list(names)


def _parse_yaml(text: str) -> Any:
    import yaml  # only when a spec is built from YAML: a cached compiled spec needs no yaml at all

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


@functools.lru_cache(maxsize=1)
def default_spec() -> ServiceSpec:
    """The packaged spec, read once per process."""
    return _compiled_packaged_spec() or load_spec()


def _compiled_packaged_spec() -> ServiceSpec | None:
    """The packaged spec from its compiled (pickled) form in the user's cache directory, written on first
    use, so that a process skips importing yaml and parsing (about 20 ms of a cold start). It is keyed by a
    hash of the YAML and of this module's source, so an edit to either rebuilds it. Never inside the
    package: pip does not remove files it did not install, and a leftover ``adapter/`` directory would
    shadow the next install. Where the cache is not writable nothing is stored; where the files cannot be
    read this returns None."""
    return _compiled_spec(str(data_directory("specs")))


def cache_directory() -> str:
    """Where the compiled spec is kept: ``$XDG_CACHE_HOME/twilio-lua-adapter`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "twilio-lua-adapter")


def _compiled_spec(directory: str, cache_dir: str | None = None) -> ServiceSpec | None:
    # Every YAML file of the folder is part of the key (a superset of what x-include names), so that the key
    # is known without parsing YAML.
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith((".yaml", ".yml")))
        sources: dict[str, bytes] = {}
        for name in names:
            with open(os.path.join(directory, name), "rb") as f:
                sources[name] = f.read()
        with open(__file__, "rb") as f:
            code = f.read()
    except OSError:
        return None
    if _SPEC_FILE not in sources:
        return None
    import hashlib
    import pickle

    key = hashlib.sha256(b"%s|%s|" % (sys.version.encode(), __name__.encode()))
    for name, source in sources.items():
        key.update(b"%s|%d|" % (name.encode(), len(source)))
        key.update(source)
    key.update(code)
    digest = key.hexdigest().encode("ascii")
    # The digest in the name lets several installs (versions, virtualenvs) share one cache directory.
    cache = os.path.join(
        cache_dir or cache_directory(), f"spec-{digest[:32].decode()}.{sys.implementation.cache_tag}.pickle"
    )
    try:
        with open(cache, "rb") as cached:
            head, _, body = cached.read().partition(b"\n")
        if head == digest:
            spec = pickle.loads(body)
            if isinstance(spec, ServiceSpec):
                return spec
    except Exception:  # noqa: BLE001 - missing, stale or unreadable: build it again
        pass
    def read(name: str) -> str:
        if name not in sources:
            raise OSError(f"{name} is not in {directory}")
        return sources[name].decode("utf-8")

    try:
        spec = _build_from(Path(directory) / _SPEC_FILE, read)
    except OSError:
        return None
    temporary = f"{cache}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(temporary, "wb") as out:
            out.write(digest + b"\n" + pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, cache)  # atomic: a concurrent reader sees the old file or the new one
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
    return spec


def build_spec(
    document: dict[str, Any], included: list[dict[str, Any]] | tuple[dict[str, Any], ...] = ()
) -> ServiceSpec:
    """Turn a parsed OpenAPI document (with our x- extensions), and the parsed documents it includes, into a
    :class:`ServiceSpec`."""
    documents = [document, *included]
    # References resolve in the main document, with every file's components and named formats merged into it.
    root = {
        **document,
        "components": _merged(documents, "components", depth=2),
        "x-argument-formats": _merged(documents, "x-argument-formats", depth=1),
    }
    resolved_root = {key: _resolve_refs(root[key], root) for key in ("components", "x-argument-formats")}
    formats = named_formats(resolved_root)
    default_server = _server_of(document, "https://api.twilio.com")
    operations: dict[str, OperationSpec] = {}
    for doc in documents:
        doc_server = _server_of(doc, default_server)
        for path, item in _resolve_refs(doc.get("paths", {}), root).items():
            path_server = _server_of(item, doc_server)
            for method, op in item.items():
                if method.lower() not in {"get", "post", "put", "delete", "patch"}:
                    continue
                spec = _operation(path, method.upper(), op, formats, _server_of(op, path_server))
                if spec.name in operations:
                    raise ValueError(f"operation {spec.name} is defined twice")
                operations[spec.name] = spec
    _check_aliases(operations)
    return ServiceSpec(
        operations=operations,
        retry_policy=document.get("x-retry-policy", {}),
        schemas=resolved_root["components"].get("schemas", {}),
        title=document.get("info", {}).get("title", ""),
        default_server=default_server,
        formats=formats,
    )


def _check_aliases(operations: dict[str, OperationSpec]) -> None:
    """An alias (x-aliases) names one operation, and is never the name of another."""
    owner: dict[str, str] = {}
    folded_names = {name.casefold() for name in operations}
    for op in operations.values():
        for alias in op.aliases:
            key = alias.casefold()
            if key in folded_names or owner.setdefault(key, op.name) != op.name:
                raise ValueError(f"{op.name}: x-aliases {alias!r} is an operation's name or another's alias")


def _server_of(node: dict[str, Any], default: str) -> str:
    servers = node.get("servers") or []
    return str(servers[0]["url"]).rstrip("/") if servers else default


def _merged(documents: list[dict[str, Any]], key: str, depth: int) -> dict[str, Any]:
    """One mapping from the ``key`` sections of every document (``components`` merged per section); a name
    defined differently in two files is an error, never silently one or the other."""
    out: dict[str, Any] = {}
    for doc in documents:
        section = doc.get(key) or {}
        if depth == 2:
            for part, entries in section.items():
                target = out.setdefault(part, {})
                _merge_into(target, entries or {}, f"{key}/{part}")
        else:
            _merge_into(out, section, key)
    return out


def _merge_into(target: dict[str, Any], entries: dict[str, Any], where: str) -> None:
    for name, value in entries.items():
        if name in target and target[name] != value:
            raise ValueError(f"{where}/{name} is defined differently in two spec files")
        target[name] = value


def _operation(path: str, method: str, op: dict[str, Any], formats: dict[str, Any], server: str) -> OperationSpec:
    name = op["operationId"]
    arguments: dict[str, ArgumentSpec] = {}
    for param in op.get("parameters", []):
        location: Location = "credential" if param.get("x-credential") else param["in"]
        # Path SIDs are required by the URL; the account is the exception, defaulting to the configuration.
        required = bool(param.get("required")) and not param.get("x-credential")
        arguments[param["name"]] = _argument(
            param["name"], location, param.get("schema", {}), required, param.get("description", ""),
            formats, credential=param.get("x-credential"),
        )
    body = op.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded", {})
    form = body.get("schema", {})
    required_form = set(form.get("required", []))
    for prop, schema in form.get("properties", {}).items():
        if prop in arguments:
            raise ValueError(f"{name}: argument {prop} is defined twice")
        arguments[prop] = _argument(
            prop, "form", schema, prop in required_form, schema.get("description", ""), formats
        )
    for group_key in ("x-require-one-of", "x-require-given", "x-mutually-exclusive"):
        for group in form.get(group_key, []):
            _check_names(name, group, arguments)
    for arg, needs in form.get("x-requires", {}).items():
        _check_names(name, [arg, *needs], arguments)

    success_status, response_schema = _success(op)
    return OperationSpec(
        name=name,
        method=method,
        path=path,
        summary=op.get("summary", ""),
        description=(op.get("description") or "").strip(),
        tag=(op.get("tags") or [""])[0],
        arguments=arguments,
        require_one_of=tuple(tuple(g) for g in form.get("x-require-one-of", [])),
        mutually_exclusive=tuple(tuple(g) for g in form.get("x-mutually-exclusive", [])),
        requires={k: tuple(v) for k, v in form.get("x-requires", {}).items()},
        items_key=op.get("x-items-key"),
        lua_example=op.get("x-lua-example", "").rstrip() + "\n" if op.get("x-lua-example") else "",
        success_status=success_status,
        response_schema=response_schema,
        server=server,
        require_given=tuple(tuple(g) for g in form.get("x-require-given", [])),
        aliases=tuple(op.get("x-aliases", ())),
    )


def _argument(
    name: str,
    location: Location,
    schema: dict[str, Any],
    required: bool,
    description: str,
    formats: dict[str, Any],
    *,
    credential: str | None = None,
) -> ArgumentSpec:
    fmt = schema.get("format")
    pattern = schema.get("pattern")
    max_length = schema.get("maxLength")
    format_description = None
    accept_datetime = False
    if fmt in formats:
        named = formats[fmt]
        pattern = pattern or named["pattern"]
        format_description = named.get("says")
        if max_length is None:
            max_length = named.get("maxLength")
        accept_datetime = bool(named.get("accept-datetime"))
    items = None
    if schema.get("type") == "array":
        items = _argument(name, location, schema.get("items", {}), False, "", formats)
    return ArgumentSpec(
        name=name,
        location=location,
        type=schema.get("type", "string"),
        required=required,
        description=" ".join((description or schema.get("description", "")).split()),
        pattern=pattern,
        format=fmt,
        format_description=format_description,
        enum=tuple(schema["enum"]) if "enum" in schema else None,
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        max_length=max_length,
        max_items=schema.get("maxItems"),
        items=items,
        default=schema.get("default"),
        accept_single=bool(schema.get("x-accept-single")),
        accept_object=bool(schema.get("x-accept-object")),
        accept_datetime=accept_datetime,
        wire_name=schema.get("x-wire-name"),
        wire_values=schema.get("x-wire-values"),
        credential=credential,
        wire_join=schema.get("x-wire-join"),
    )


def named_formats(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The spec's ``x-argument-formats``, each with its final ``pattern``: a format made of others (``any-of``)
    gets one pattern matching any of theirs. The client's validation and the simulator's checks both read
    formats through here, so the two cannot drift apart."""
    declared: dict[str, Any] = document.get("x-argument-formats") or {}
    out: dict[str, dict[str, Any]] = {}

    def resolve(name: str, seen: tuple[str, ...]) -> dict[str, Any]:
        if name in out:
            return out[name]
        if name in seen:
            raise ValueError(f"format {name} is defined in terms of itself")
        if name not in declared:
            raise ValueError(f"format {seen[-1] if seen else name} names an unknown format {name}")
        entry = dict(declared[name])
        parts = entry.get("any-of")
        if parts:
            if "pattern" in entry:
                raise ValueError(f"format {name} has both a pattern and any-of")
            bodies = [_unanchored(resolve(part, seen + (name,))["pattern"]) for part in parts]
            entry["pattern"] = "^(?:" + "|".join(f"(?:{body})" for body in bodies) + ")$"
        elif "pattern" not in entry:
            raise ValueError(f"format {name} has neither a pattern nor any-of")
        out[name] = entry
        return entry

    for name in declared:
        resolve(name, ())
    return out


def end_anchored(pattern: str) -> str:
    """Give ``$`` its JSON Schema meaning, the end of the value. In Python's ``re`` it also matches before a
    trailing newline, which would let ``CA...\\n`` or ``+1555...\\n`` through."""
    out, escaped, in_class = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            char = r"\Z"
        out.append(char)
    return "".join(out)


def _unanchored(pattern: str) -> str:
    body = pattern.removeprefix("^")
    return body[:-1] if body.endswith("$") and not body.endswith("\\$") else body


def _success(op: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    for status, response in sorted(op.get("responses", {}).items()):
        if str(status).startswith("2"):
            content = response.get("content", {}).get("application/json")
            return int(status), (content or {}).get("schema")
    raise ValueError(f"{op.get('operationId')}: no success response")


def _check_names(operation: str, names: list[str], arguments: dict[str, ArgumentSpec]) -> None:
    unknown = [n for n in names if n not in arguments]
    if unknown:
        raise ValueError(f"{operation}: rule names unknown arguments {unknown}")


def _resolve_refs(node: Any, root: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Inline local ``$ref``s. Schemas are small and acyclic, so a copy per use is fine."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:
                raise ValueError(f"cyclic $ref {ref}")
            target: Any = root
            try:
                for part in ref[2:].split("/"):
                    part = part.replace("~1", "/").replace("~0", "~")  # JSON Pointer escapes
                    target = target[int(part) if isinstance(target, list) else part]
            except (KeyError, IndexError, ValueError, TypeError):
                raise ValueError(f"$ref {ref} points at nothing") from None
            # Keys beside the $ref (nullable, description) refine the target, as OpenAPI 3.1 reads them.
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            merged = {**copy.deepcopy(target), **siblings} if isinstance(target, dict) else copy.deepcopy(target)
            return _resolve_refs(merged, root, seen + (ref,))
        return {k: _resolve_refs(v, root, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_refs(v, root, seen) for v in node]
    return node
