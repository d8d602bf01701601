"""``twilio-lua docs``: the operation reference (docs/operations.md) and the lua-language-server annotations
(lua/twilio.d.lua), both generated from the spec so they cannot drift from what the code does.

``--check`` writes nothing and exits 1 when a checked-in file differs from what the spec gives.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from ..client.spec import ArgumentSpec, OperationSpec, ServiceSpec, default_spec
from .pygen import OPERATIONS_MODULE_PATH, render_python_operations

__all__ = [
    "ANNOTATIONS_PATH",
    "OPERATIONS_PATH",
    "add_arguments",
    "expected_files",
    "render_lua_annotations",
    "render_operations_markdown",
    "run",
]

OPERATIONS_PATH = Path("docs") / "operations.md"
ANNOTATIONS_PATH = Path("lua") / "twilio.d.lua"
_HEADER = (
    "Generated from specs/ (twilio_v2010.yaml and the files it includes) by `twilio-lua docs`; do not edit by hand."
)
_ERROR_TYPES = ("validation", "api", "network", "timeout", "config")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LUA_KEYWORDS = frozenset(
    "and break do else elseif end false for function goto if in local nil not or repeat return then true until while"
    .split()
)


# Shared helpers


def _schema_name(spec: ServiceSpec, schema: dict[str, Any] | None) -> str | None:
    if schema is None:
        return None
    for name, candidate in spec.schemas.items():
        if candidate == schema:
            return name
    return None


def _item_schema_name(spec: ServiceSpec, op: OperationSpec) -> str | None:
    if op.items_key is None or op.response_schema is None:
        return None
    items = op.response_schema.get("properties", {}).get(op.items_key, {}).get("items")
    return _schema_name(spec, items)


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _or(names: tuple[str, ...]) -> str:
    quoted = [f"`{n}`" for n in names]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def _and(names: tuple[str, ...]) -> str:
    quoted = [f"`{n}`" for n in names]
    return ", ".join(quoted[:-1]) + f" and {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def _rules(op: OperationSpec) -> list[str]:
    rules = [f"One of {_or(group)} is required." for group in op.require_one_of]
    rules += [f"One of {_or(group)} must be given (an empty value counts)." for group in op.require_given]
    rules += [f"At most one of {_or(group)} may be given." for group in op.mutually_exclusive]
    rules += [f"`{name}` needs {_and(needs)} as well." for name, needs in op.requires.items()]
    return rules


def _by_tag(spec: ServiceSpec) -> dict[str, list[OperationSpec]]:
    groups: dict[str, list[OperationSpec]] = {}
    for op in spec.operations.values():
        groups.setdefault(op.tag or "Other", []).append(op)
    return groups


# Markdown


def _md(text: str) -> str:
    return _one_line(text).replace("|", "\\|")


def _md_type(arg: ArgumentSpec) -> str:
    if arg.type == "array" and arg.items is not None:
        inner = _md_type(arg.items)
        return f"{inner} or list of {inner}" if arg.accept_single else f"list of {inner}"
    if arg.accept_object:
        return "string or table"
    return arg.type


def _constraints(arg: ArgumentSpec) -> str:
    parts: list[str] = []
    target = arg.items if arg.type == "array" and arg.items is not None else arg
    if target.enum is not None:
        parts.append("one of " + ", ".join(f"`{v}`" for v in target.enum))
    if target.format_description:
        parts.append(target.format_description)
    elif target.pattern:
        parts.append(f"matches `{target.pattern}`")
    if target.minimum is not None and target.maximum is not None:
        parts.append(f"{_num(target.minimum)} to {_num(target.maximum)}")
    elif target.minimum is not None:
        parts.append(f"at least {_num(target.minimum)}")
    elif target.maximum is not None:
        parts.append(f"at most {_num(target.maximum)}")
    if target.max_length is not None:
        parts.append(f"at most {target.max_length} characters")
    if arg.max_items is not None:
        parts.append(f"at most {arg.max_items} items")
    if arg.default is not None:
        default = str(arg.default).lower() if isinstance(arg.default, bool) else arg.default
        parts.append(f"default `{default}`")
    if arg.wire_name:
        values = ", ".join(f"{k}={v}" for k, v in (arg.wire_values or {}).items())
        parts.append(f"sent as `{arg.wire_name}`" + (f" ({values})" if values else ""))
    return "; ".join(parts).replace("|", "\\|")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _sent_as(arg: ArgumentSpec) -> str:
    return {"credential": "auth", "path": "path", "query": "query", "form": "form"}.get(arg.location, arg.location)


def _schema_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "any")
    if kind == "array":
        kind = f"list of {schema.get('items', {}).get('type', 'any')}"
    if schema.get("enum"):
        kind += " (" + ", ".join(f"`{v}`" for v in schema["enum"]) + ")"
    if schema.get("nullable"):
        kind += " or nil"
    return kind


def _field_rows(properties: dict[str, Any], prefix: str = "") -> list[str]:
    rows = []
    for name, schema in properties.items():
        rows.append(f"| `{prefix}{name}` | {_schema_type(schema)} | {_md(schema.get('description', ''))} |")
    return rows


def render_operations_markdown(spec: ServiceSpec) -> str:
    """The Markdown reference of every operation: method, path, arguments, rules, response and example."""
    lines = [
        "# Twilio operations",
        "",
        f"<!-- {_HEADER} -->",
        "",
        f"{_one_line(spec.title)}.",
        "",
        "Every operation is a function of the `Twilio` table: `Twilio.name{...}` (or `Twilio.name(args)`, or",
        "`Twilio.name()` when no argument is required). It returns the result table, or `nil` for a delete.",
        "On failure it returns the error object `{type, error, status, ...}` twice, so both",
        "`if out.error then` and `local res, err = ...; if err then` work. Operations never raise.",
        "JSON `null` fields are absent (`nil`) in Lua. `AccountSid` and `AuthToken` override the host's",
        "credentials for one call where the host allows it. See [lua.md](lua.md) for the whole Lua API.",
        "",
        "Error `type`s: " + ", ".join(f"`{t}`" for t in _ERROR_TYPES) + ".",
        "",
        "## Contents",
        "",
    ]
    for tag, ops in _by_tag(spec).items():
        links = ", ".join(f"[{op.name}](#{op.name.lower()})" for op in ops)
        lines.append(f"- {tag}: {links}")
    lines.append("")
    for op in spec.operations.values():
        lines += _operation_markdown(spec, op)
    return "\n".join(lines).rstrip() + "\n"


def _operation_markdown(spec: ServiceSpec, op: OperationSpec) -> list[str]:
    lines = [f"## {op.name}", "", f"{_one_line(op.summary)}.", ""]
    lines.append(f"`{op.method} {op.server}{op.path}` (HTTP {op.success_status} on success)")
    lines.append("")
    if op.description:
        lines += [_one_line(op.description), ""]
    lines += ["### Arguments", "", "| Name | Type | Required | Sent as | Constraints | Description |",
              "| --- | --- | --- | --- | --- | --- |"]
    for arg in op.arguments.values():
        required = "yes" if arg.required else "no"
        lines.append(
            f"| `{arg.name}` | {_md_type(arg)} | {required} | {_sent_as(arg)} | {_constraints(arg)} "
            f"| {_md(arg.description)} |"
        )
    lines.append("")
    rules = _rules(op)
    if rules:
        lines += ["### Rules", ""] + [f"- {rule}" for rule in rules] + [""]
    lines += ["### Returns", ""]
    if op.response_schema is None:
        lines += ["`nil` on success.", ""]
    else:
        name = _schema_name(spec, op.response_schema) or "result"
        properties = op.response_schema.get("properties", {})
        if op.items_key:
            item_name = _item_schema_name(spec, op) or "item"
            lines += [
                f"A `{name}` table: one page of results, items in `{op.items_key}` (a Lua array, 1-based).",
                f"`Twilio.each(\"{op.name}\", args)` iterates over every `{item_name}` of every page.", "",
                "| Field | Type | Description |", "| --- | --- | --- |",
            ]
            lines += _field_rows({k: v for k, v in properties.items() if k != op.items_key})
            lines.append(f"| `{op.items_key}` | list of {item_name} | The items of this page. |")
            item_props = properties.get(op.items_key, {}).get("items", {}).get("properties", {})
            lines += _field_rows(item_props, prefix=f"{op.items_key}[i].")
        else:
            lines += [f"A `{name}` table.", "", "| Field | Type | Description |", "| --- | --- | --- |"]
            lines += _field_rows(properties)
        lines.append("")
    if op.lua_example:
        lines += ["### Example", "", "```lua", op.lua_example.rstrip(), "```", ""]
    return lines


# Lua annotations


def _lua_literal(value: Any) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lua_type(arg: ArgumentSpec) -> str:
    if arg.type == "array" and arg.items is not None:
        inner = _lua_type(arg.items)
        listed = f"({inner})[]" if "|" in inner else f"{inner}[]"
        return f"{inner}|{listed}" if arg.accept_single else listed
    if arg.enum is not None:
        return "|".join(_lua_literal(v) for v in arg.enum)
    if arg.accept_object:
        return "string|table"
    return {"integer": "integer", "number": "number", "boolean": "boolean"}.get(arg.type, "string")


def _field_name(name: str) -> str:
    return name if _IDENTIFIER.match(name) and name not in _LUA_KEYWORDS else f"[{_lua_literal(name)}]"


def _comment(text: str) -> str:
    return _one_line(text).replace("\n", " ")


def _class_name(name: str) -> str:
    return "Twilio" + name[0].upper() + name[1:]


def render_lua_annotations(spec: ServiceSpec) -> str:
    """lua-language-server annotations (``---@meta``) for the ``Twilio`` table and everything it returns."""
    lines = [
        "---@meta",
        f"-- {_HEADER}",
        "-- Editor annotations for lua-language-server: put this file's folder in `workspace.library`.",
        "",
        "---An operation's error object: operations return it twice (`out.error` and `local res, err`).",
        "---@class TwilioError",
        "---@field type " + "|".join(_lua_literal(t) for t in _ERROR_TYPES) + " Which stage failed",
        "---@field error string What went wrong",
        "---@field status integer The HTTP status (Twilio's, or the closest one)",
        "---@field code? integer Twilio's error code",
        "---@field more_info? string Twilio's documentation page for the code",
        "---@field details? table Per-argument problems ({field, error}) or Twilio's details",
        "---@field operation? string The operation that failed",
        "---@field attempts? integer How many attempts were made",
        "",
    ]
    emitted: set[str] = set()
    for name, schema in spec.schemas.items():
        if name in emitted or schema.get("type") != "object":
            continue
        emitted.add(name)
        lines += _schema_class(spec, name, schema)
    for op in spec.operations.values():
        lines += _args_class(op)
    lines += [
        "---The Twilio service: one function per operation, plus `each` and `is_error`.",
        "---@class Twilio",
        "Twilio = {}",
        "",
    ]
    for op in spec.operations.values():
        lines += _function(spec, op)
    list_ops = [op for op in spec.operations.values() if op.items_key]
    op_names = "|".join(_lua_literal(op.name) for op in list_ops)
    lines += [
        "---Iterate over every item of a list operation, following `next_page_uri` one page at a time.",
        "---Yields `item, nil`; on failure yields the error object twice (`item` and `err`), then stops.",
    ]
    for op in list_ops:
        item = _item_schema_name(spec, op)
        item_type = f"Twilio{item}" if item else "table"
        lines.append(
            f"---@overload fun(operation: {_lua_literal(op.name)}, args?: {_class_name(op.name)}Args): "
            f"fun(): {item_type}|TwilioError, TwilioError?"
        )
    lines += [
        f"---@param operation {op_names}|function A list operation, by name or function",
        "---@param args? table The first page's arguments",
        "---@return fun(): table|TwilioError, TwilioError? iterator",
        "function Twilio.each(operation, args) end",
        "",
        "---Whether `v` is an error object returned by an operation or by `each`.",
        "---@param v any",
        "---@return boolean",
        "function Twilio.is_error(v) end",
        "",
        "---Whether `request` really comes from Twilio: its X-Twilio-Signature checked with the host's Auth Token.",
        "---@param request TwilioLuaRequest The request table (`url`, `headers`, `body` or `raw_body`)",
        "---@return boolean valid",
        "---@return TwilioError? why Why not (status 403), when not valid",
        "function Twilio.validateRequest(request) end",
        "",
        "---The request an endpoint script answers (`twilio-lua run`, `twilio-lua serve`).",
        "---@class TwilioLuaRequest",
        "---@field method string The HTTP method",
        "---@field path string The path",
        "---@field uri string The path and query",
        "---@field url? string The full URL, as Twilio signs it (under `serve`)",
        "---@field route? string The section's route, `METHOD /path/{name}`",
        "---@field parameters table<string, any> Query and path parameters",
        "---@field headers table<string, string> Headers, names in lower case",
        "---@field body any The body: a table from JSON or form data, `{}` when there is none",
        "---@field raw_body? string The text of a JSON (or other non-form) body",
        "---@field [string] any",
        "",
        "---What an endpoint script answers: `run` prints the message as JSON, `serve` sends it.",
        "---@class TwilioLuaResponse",
        "---@field message? any The answer (a table is sent as JSON)",
        "---@field code? integer The HTTP status to answer with (200)",
        "---@field headers? table<string, string> Headers to answer with",
        "",
        "---@type TwilioLuaRequest",
        "request = {}",
        "",
        "---@type TwilioLuaResponse",
        "response = {}",
        "",
        "---The event an event handler runs for (`twilio-lua run --event FILE.json`).",
        "---@type table<string, any>",
        "data = {}",
        "",
        "---JSON text for a value, or nil and a message.",
        "---@param value any",
        "---@return string? text",
        "---@return string? err",
        "function to_json(value) end",
        "",
        "---The value of JSON text (`null` is nil), or nil and a message.",
        "---@param text string",
        "---@return any value",
        "---@return string? err",
        "function from_json(text) end",
        "",
        "---The command line's key-value service (`adapter/cli/keystore.py`).",
        "---@class Keystore",
        "Keystore = {}",
        "---@param args {key: string}",
        "---@return {value: any}|TwilioError",
        "function Keystore.get(args) end",
        "---@param args {key: string, value: any}",
        "---@return table|TwilioError",
        "function Keystore.set(args) end",
        "---@param args {key: string}",
        "---@return table|TwilioError",
        "function Keystore.delete(args) end",
        "---@param args? {match: string}",
        "---@return {keys: string[]}|TwilioError",
        "function Keystore.list(args) end",
        "---@return table|TwilioError",
        "function Keystore.clear() end",
    ]
    return "\n".join(lines).rstrip() + "\n"


def _schema_class(spec: ServiceSpec, name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"---@class Twilio{name}"]
    for field, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if kind == "array":
            item_name = _schema_name(spec, prop.get("items"))
            lua = f"Twilio{item_name}[]" if item_name else "table[]"
        elif kind == "object":
            lua = "table<string, string>" if prop.get("format") == "uri-map" else "table"
        elif prop.get("enum"):
            lua = "|".join(_lua_literal(v) for v in prop["enum"])
        else:
            lua = {"integer": "integer", "number": "number", "boolean": "boolean"}.get(kind or "", "string")
        optional = "?" if prop.get("nullable") else ""
        lines.append(f"---@field {_field_name(field)}{optional} {lua} {_comment(prop.get('description', ''))}".rstrip())
    return lines + [""]


def _args_class(op: OperationSpec) -> list[str]:
    lines = [f"---Arguments of Twilio.{op.name}.", f"---@class {_class_name(op.name)}Args"]
    for arg in op.arguments.values():
        optional = "" if arg.required else "?"
        field = f"---@field {_field_name(arg.name)}{optional} {_lua_type(arg)}"
        lines.append(f"{field} {_comment(arg.description)}".rstrip())
    return lines + [""]


def _function(spec: ServiceSpec, op: OperationSpec) -> list[str]:
    lines = [f"---{_one_line(op.summary)}.", "---", f"---`{op.method} {op.server}{op.path}`"]
    for rule in _rules(op):
        lines.append(f"---{rule}")
    optional = "" if op.required or op.require_one_of or op.require_given else "?"
    lines.append(f"---@param args{optional} {_class_name(op.name)}Args")
    if op.response_schema is None:
        lines.append("---@return TwilioError? result nil on success, else the error object")
    else:
        name = _schema_name(spec, op.response_schema)
        result = f"Twilio{name}" if name else "table"
        lines.append(f"---@return {result}|TwilioError result")
    lines.append("---@return TwilioError? err the error object again, on failure")
    lines.append(f"function Twilio.{op.name}(args) end")
    return lines + [""]


# The subcommand


def _checkout() -> Path | None:
    """The checkout this package runs from (a clone, or an editable install of one), or None when it is
    installed: writing next to an installed package would write into site-packages."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "specs").is_dir() and (root / "lua").is_dir():
        return root
    return None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``docs`` subcommand's arguments to ``parser``."""
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a generated file differs from the spec")
    parser.add_argument("--out", "--root", dest="out", metavar="DIR", default=None,
                        help="the folder to write docs/operations.md and lua/twilio.d.lua under "
                        "(default: the checkout, when running from one)")


def expected_files(spec: ServiceSpec | None = None) -> dict[Path, str]:
    """The generated files, by path relative to the checkout."""
    spec = spec or default_spec()
    return {
        OPERATIONS_PATH: render_operations_markdown(spec),
        ANNOTATIONS_PATH: render_lua_annotations(spec),
        OPERATIONS_MODULE_PATH: render_python_operations(spec),
    }


def run(args: argparse.Namespace) -> int:
    """Write (or with ``--check``, compare) docs/operations.md and lua/twilio.d.lua."""
    out = getattr(args, "out", None)
    root = Path(out) if out else _checkout()
    if root is None:
        print("twilio-lua docs: this is an installed package, not a checkout; give --out DIR to write the files "
              "there", file=sys.stderr)
        return 2
    if out and root.exists() and not root.is_dir():
        print(f"twilio-lua docs: --out {out}: not a folder", file=sys.stderr)
        return 2
    stale = []
    for relative, text in expected_files().items():
        path = root / relative
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if getattr(args, "check", False):
            stale.append(str(relative))
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"twilio-lua docs: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"wrote {relative}", file=sys.stderr)
    if stale:
        print(f"out of date (run `twilio-lua docs`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0
