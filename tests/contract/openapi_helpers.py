"""Reading Twilio's official OpenAPI descriptions (the trimmed copies beside this file, one per API host) for the
contract tests."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TWILIO_OAI = HERE / "twilio_api_v2010_trimmed.json"
TWILIO_OAIS = (TWILIO_OAI, HERE / "twilio_lookups_v2_trimmed.json", HERE / "twilio_verify_v2_trimmed.json")

HTTP_METHODS = ("get", "post", "put", "delete", "patch")


@functools.lru_cache(maxsize=None)
def twilio_document(path: Path = TWILIO_OAI) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def resolve(node: Any, root: dict[str, Any] | None = None, seen: tuple[str, ...] = ()) -> Any:
    """Inline every local ``$ref`` (copying, so the document itself is never changed)."""
    root = twilio_document() if root is None else root
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:
                raise ValueError(f"cyclic $ref {ref}")
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            merged = {**copy.deepcopy(target), **siblings}
            return resolve(merged, root, seen + (ref,))
        return {k: resolve(v, root, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, root, seen) for v in node]
    return node


_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames")
_OPENAPI_ONLY = ("nullable", "discriminator", "xml", "externalDocs", "example", "deprecated", "readOnly",
                 "writeOnly")


def to_json_schema(schema: Any) -> Any:
    """An OpenAPI 3.0 schema (refs already resolved) as JSON Schema: ``nullable: true`` becomes a ``"null"``
    type (and a ``None`` enum member), and OpenAPI-only keywords and ``x-`` extensions are dropped."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _OPENAPI_ONLY or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [to_json_schema(sub) for sub in value]
        elif key in _SCHEMA_ONE:
            out[key] = to_json_schema(value)
        else:
            out[key] = copy.deepcopy(value)
    if schema.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def twilio_operation(operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(path, METHOD, the operation with its refs resolved) for one of Twilio's operationIds."""
    path, method, op, _ = twilio_operation_and_server(operation_id)
    return path, method, op


def twilio_operation_and_server(operation_id: str) -> tuple[str, str, dict[str, Any], str]:
    """As :func:`twilio_operation`, with the server Twilio's description gives the operation (its own
    ``servers``, else its path's, else the document's)."""
    for file in TWILIO_OAIS:
        document = twilio_document(file)
        for path, item in document["paths"].items():
            for method in HTTP_METHODS:
                op = item.get(method)
                if op and op.get("operationId") == operation_id:
                    servers = op.get("servers") or item.get("servers") or document.get("servers")
                    return path, method.upper(), resolve(op, document), servers[0]["url"]
    raise KeyError(operation_id)


def form_schema(operation: dict[str, Any]) -> dict[str, Any]:
    return (operation.get("requestBody", {}).get("content", {})
            .get("application/x-www-form-urlencoded", {}).get("schema", {}))


def success(operation: dict[str, Any]) -> tuple[int, dict[str, Any] | None, dict[str, Any]]:
    """(status, JSON schema or None, named examples) of the operation's 2xx response."""
    for status, response in sorted(operation["responses"].items()):
        if status.startswith("2"):
            content = response.get("content", {}).get("application/json", {})
            examples = {name: ex["value"] for name, ex in content.get("examples", {}).items()}
            return int(status), content.get("schema"), examples
    raise KeyError("no 2xx response")
