"""The typed per-operation methods (adapter/client/operations.py), generated from the spec so that type
checkers and IDEs see every operation with its argument names and types, for the Dispatcher and its async
twin alike. ``twilio-lua docs`` writes it next to the other generated files; ``--check`` compares it.
"""

from __future__ import annotations

import json
import keyword
import re
import textwrap
from pathlib import Path

from ..client.spec import ArgumentSpec, OperationSpec, ServiceSpec

__all__ = ["OPERATIONS_MODULE_PATH", "render_python_operations"]

OPERATIONS_MODULE_PATH = Path("adapter") / "client" / "operations.py"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SCALARS = {"integer": "int", "number": "float", "boolean": "bool", "string": "str"}
_WIDTH = 120


def _python_type(arg: ArgumentSpec) -> str:
    if arg.type == "array" and arg.items is not None:
        inner = _python_type(arg.items)
        return f"{inner} | Sequence[{inner}]" if arg.accept_single else f"Sequence[{inner}]"
    if arg.enum is not None and all(type(v) is str for v in arg.enum):
        return "Literal[" + ", ".join(json.dumps(v) for v in arg.enum) + "]"
    if arg.accept_object:
        return "str | Mapping[str, Any]"
    return _SCALARS.get(arg.type, "Any")


def _keyword_arguments(op: OperationSpec) -> list[ArgumentSpec]:
    """The arguments that can be Python keywords; the others (``DateSent<``) only go in the ``args`` mapping."""
    return [arg for arg in op.arguments.values() if _IDENTIFIER.match(arg.name) and not keyword.iskeyword(arg.name)]


def _result_type(op: OperationSpec) -> str:
    return "None" if op.returns_nothing else "dict[str, Any]"


def _docstring(op: OperationSpec, indent: str) -> list[str]:
    text = " ".join((op.summary or op.name).split()).rstrip(".") + "."
    lines = textwrap.wrap(text, _WIDTH - len(indent) - 6) or [op.name]
    required = [arg.name for arg in op.arguments.values() if arg.required]
    hidden = [arg.name for arg in op.arguments.values() if arg not in _keyword_arguments(op)]
    notes = []
    if required:
        notes.append("Required: " + ", ".join(required) + ".")
    if op.require_one_of:
        notes.append(" ".join("One of " + ", ".join(group) + "." for group in op.require_one_of))
    if hidden:
        notes.append("Only in the ``args`` mapping: " + ", ".join(hidden) + ".")
    notes.append("See docs/operations.md or ``twilio-lua ops " + op.name + "``.")
    body = [line for note in notes for line in textwrap.wrap(note, _WIDTH - len(indent))]
    out = [f'{indent}"""{lines[0]}'] + [indent + line for line in lines[1:]]
    out.append("")
    out += [indent + line for line in body]
    out.append(f'{indent}"""')
    return out


def _method(op: OperationSpec, *, asynchronous: bool) -> list[str]:
    prefix = "async def" if asynchronous else "def"
    await_ = "await " if asynchronous else ""
    result = _result_type(op)
    keywords = _keyword_arguments(op)
    lines = [
        "    @overload",
        f"    {prefix} {op.name}(self, args: Mapping[str, Any], /, **kwargs: Any) -> {result}: ...",
        "",
        "    @overload",
    ]
    if keywords:
        lines.append(f"    {prefix} {op.name}(")
        lines.append("        self,")
        lines.append("        /,")
        lines.append("        *,")
        for arg in keywords:
            kind = _python_type(arg)
            optional = "" if arg.required else " | None = ..."
            lines.append(f"        {arg.name}: {kind}{optional},")
        lines.append(f"    ) -> {result}: ...")
    else:
        lines.append(f"    {prefix} {op.name}(self, /) -> {result}: ...")
    lines += ["", f"    {prefix} {op.name}(self, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> {result}:"]
    lines += _docstring(op, "        ")
    if op.returns_nothing:
        lines.append(f'        {await_}self.call("{op.name}", args, **kwargs)')
    else:
        lines.append(f'        return cast("dict[str, Any]", {await_}self.call("{op.name}", args, **kwargs))')
    return lines


def render_python_operations(spec: ServiceSpec) -> str:
    """adapter/client/operations.py: ``Operations`` (mixed into Dispatcher) and ``AsyncOperations`` (mixed
    into the async dispatcher), one typed method per operation, each a thin call of ``self.call``."""
    lines = [
        '"""Typed per-operation methods, generated from the spec by `twilio-lua docs`; do not edit by hand.',
        "",
        "Each operation is a method with its arguments as keyword arguments, typed from the spec, so type checkers",
        "and IDEs know them; a mapping of Twilio's argument names may be passed instead (it is the only way to give",
        "arguments whose names are not Python identifiers, such as ``DateSent<``). Every method calls",
        "``self.call``: validation, sending and errors are the dispatcher's.",
        '"""',
        "",
        "# ruff: noqa: E501 - one parameter per line, however long its Literal of allowed values",
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping, Sequence",
        "from typing import TYPE_CHECKING, Any, Literal, cast, overload",
        "",
        '__all__ = ["OPERATION_NAMES", "AsyncOperations", "Operations"]',
        "",
        "OPERATION_NAMES = (" + "".join(f'"{name}", ' for name in spec.operations).rstrip(", ")
        + ("," if len(spec.operations) == 1 else "") + ")",
    ]
    if len(lines[-1]) > _WIDTH:
        names = [f'    "{name}",' for name in spec.operations]
        lines[-1:] = ["OPERATION_NAMES = (", *names, ")"]
    for asynchronous in (False, True):
        name = "AsyncOperations" if asynchronous else "Operations"
        prefix = "async def" if asynchronous else "def"
        what = "an async dispatcher (``await d.postMessage(...)``)" if asynchronous else "the Dispatcher"
        lines += [
            "",
            "",
            f"class {name}:",
            f'    """The spec\'s operations as methods of {what}."""',
            "",
            "    __slots__ = ()",
            "",
            "    if TYPE_CHECKING:",
            "",
            f"        {prefix} call(",
            "            self, operation: str, args: Mapping[str, Any] | None = None, /, **kwargs: Any",
            "        ) -> dict[str, Any] | None: ...",
        ]
        for op in spec.operations.values():
            lines.append("")
            lines += _method(op, asynchronous=asynchronous)
    return "\n".join(lines) + "\n"
