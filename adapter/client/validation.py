"""Check a call's arguments against the spec before anything is sent.

A pydantic model is generated per operation from its :class:`~adapter.client.spec.ArgumentSpec`s; the rules that
span several arguments (either-or groups, exclusions, dependencies) are data in the spec too and are checked
here, so that every problem is reported at once, each naming its argument.

Speed: arguments of exactly the expected Python types that pass every check (the common case) are accepted
by plain checks compiled from the same spec (``_quick_check``), which give the very values the model would;
anything else, including every invalid call, goes through the pydantic model, which is built (and pydantic
imported) only when first needed. This keeps pydantic's import (~40-80 ms) out of a process's start.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timezone
from typing import Annotated, Any, Literal

from .errors import TwilioError
from .spec import ArgumentSpec, OperationSpec
from .spec import end_anchored as _end_anchored

__all__ = ["MAX_SUGGESTED_NAME", "OperationValidator", "shown_name", "suggestions", "unknown_operation"]

#: Longer names get no suggestions: difflib's work grows with the product of the lengths, and a script or a
#: request may send a name of any size (a 16 MiB key).
MAX_SUGGESTED_NAME = 64
#: At most this many names are suggested, and a list of valid names is shown only when it is this short.
_MAX_SUGGESTIONS = 3
_MAX_LISTED = 6


def _model_config() -> Any:
    from pydantic import ConfigDict

    return ConfigDict(
        extra="forbid",
        # The Rust engine has no look-ahead, which the alphanumeric sender ID pattern needs.
        regex_engine="python-re",
        # A huge or secret value must never be echoed back in an error.
        hide_input_in_errors=True,
        allow_inf_nan=False,
    )


class OperationValidator:
    """Validates the arguments of one operation; built once, used for every call."""

    def __init__(self, operation: OperationSpec) -> None:
        self.operation = operation
        self._field_to_arg: dict[str, str] = {f"a{i}": arg.name for i, arg in enumerate(operation.arguments.values())}
        self._valid_names = sorted(operation.arguments)
        self._quick_checks: list[tuple[str, Callable[[Any], Any], bool]] | None = None

    @functools.cached_property
    def model(self) -> Any:
        """The pydantic model of the arguments, built on first use."""
        from pydantic import Field, create_model

        fields: dict[str, Any] = {}
        for field_name, arg in zip(self._field_to_arg, self.operation.arguments.values(), strict=True):
            annotation = _annotation(arg)
            if arg.required:
                fields[field_name] = (annotation, Field(alias=arg.name))
            else:
                fields[field_name] = (annotation | None, Field(None, alias=arg.name))
        operation = self.operation
        return create_model(
            f"{operation.name[0].upper()}{operation.name[1:]}Arguments", __config__=_model_config(), **fields
        )

    def _quick(self, present: dict[Any, Any]) -> dict[str, Any] | None:
        """The validated arguments when every one has exactly the expected type and passes every check, as
        the model would give them; None when the model must decide (an error, or a conversion)."""
        checks = self._quick_checks
        if checks is None:
            checks = self._quick_checks = [
                (arg.name, _quick_check(arg), arg.required) for arg in self.operation.arguments.values()
            ]
        out: dict[str, Any] = {}
        for name, check, required in checks:
            if name in present:
                value = check(present[name])
                if value is _SLOW:
                    return None
                out[name] = value
            elif required:
                return None
        if len(out) != len(present):  # an unknown argument
            return None
        return out

    def validate(self, args: Any, *, forbidden: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Return the arguments, normalized (lists for list arguments, JSON text for objects), or raise
        a ``validation`` :class:`TwilioError` naming every bad argument."""
        if args is None:
            args = {}
        if not isinstance(args, Mapping):
            raise self._error([("(arguments)", f"must be a table of named arguments, not {_kind(args)}")])
        present = {k: v for k, v in args.items() if v is not None}
        if not (forbidden and forbidden & present.keys()):
            quick = self._quick(present)
            if quick is not None and not self._rule_problems(present):
                return quick
        from pydantic import ValidationError

        problems: list[tuple[str, str]] = []
        for name in sorted(forbidden & present.keys()):
            problems.append((name, "may not be set by scripts on this host"))
        try:
            model = self.model.model_validate(present)
        except ValidationError as exc:
            model = None
            problems.extend(self._describe(e) for e in exc.errors(include_url=False))
        except (TypeError, ValueError, RecursionError) as exc:  # e.g. an unhashable or cyclic value
            model = None
            problems.append(("(arguments)", f"could not be read: {type(exc).__name__}"))
        problems.extend(self._rule_problems(present))
        if problems:
            raise self._error(_without_echoes(problems, present))
        assert model is not None
        # Spec order, so the same call always produces the same request body.
        chosen = model.model_fields_set
        return {arg: getattr(model, f) for f, arg in self._field_to_arg.items() if f in chosen}

    def _rule_problems(self, present: Mapping[Any, Any]) -> list[tuple[str, str]]:
        op = self.operation
        problems = []
        for group in op.require_one_of:
            # An empty Body or MediaUrl does not satisfy "one of": Twilio would refuse the call (21602).
            if not any(name in present and present[name] not in ("", [], {}) for name in group):
                problems.append(("/".join(group), f"one of {_or(group)} is required"))
        for group in op.require_given:
            # Here an empty value counts: updateMessage's Body="" is the redaction itself.
            if not any(name in present for name in group):
                problems.append(("/".join(group), f"one of {_or(group)} is required"))
        for group in op.mutually_exclusive:
            given = [name for name in group if name in present]
            if len(given) > 1:
                problems.append(("/".join(given), f"only one of {_or(group)} may be given, not {_and(given)}"))
        for name, needs in op.requires.items():
            missing = [n for n in needs if n not in present]
            if name in present and missing:
                problems.append((name, f"needs {_and(missing)} as well"))
        return problems

    def _describe(self, error: Mapping[str, Any]) -> tuple[str, str]:
        loc: tuple[Any, ...] = tuple(error.get("loc") or ("(arguments)",))
        name = str(loc[0])
        kind = error.get("type", "")
        arg = self.operation.arguments.get(name)
        if kind == "extra_forbidden":
            shown = name if len(name) <= MAX_SUGGESTED_NAME else name[: MAX_SUGGESTED_NAME - 3] + "..."
            return shown, self._unknown(name)
        if arg is None:
            return name, error.get("msg", "is invalid")
        # A list item's error names the item: MediaUrl[2].
        if len(loc) > 1 and isinstance(loc[1], int) and arg.items is not None:
            name, arg = f"{name}[{loc[1] + 1}]", arg.items
        return name, _message(kind, arg, error)

    def _unknown(self, name: str) -> str:
        guesses = suggestions(name, self._valid_names)
        if guesses:
            return f"is not an argument of {self.operation.name} (did you mean {_or(guesses)}?)"
        if len(self._valid_names) <= _MAX_LISTED:
            return f"is not an argument of {self.operation.name}; valid arguments: {', '.join(self._valid_names)}"
        return (f"is not an argument of {self.operation.name} (`twilio-lua ops {self.operation.name}` lists its "
                f"{len(self._valid_names)} arguments)")

    def _error(self, problems: list[tuple[str, str]]) -> TwilioError:
        summary = "; ".join(f"{name} {message}" for name, message in problems)
        count = f"{len(problems)} invalid arguments" if len(problems) > 1 else "invalid argument"
        return TwilioError(
            "validation",
            f"{self.operation.name}: {count}: {summary}",
            details=[{"field": name, "error": message} for name, message in problems],
            operation=self.operation.name,
        )


_SLOW = object()  # a quick check's answer: let the model decide


def _quick_check(arg: ArgumentSpec) -> Callable[[Any], Any]:
    """A plain check of one argument that accepts only what the model surely accepts unchanged (or, for a
    single item of a list argument, wraps in a list as the model does) and returns _SLOW for anything else.
    tests/perf/test_validation_quick.py checks it against the model on generated values."""
    if arg.type == "array":
        assert arg.items is not None
        item = _quick_check(arg.items)
        most = arg.max_items
        single = arg.accept_single
        joined = arg.wire_join

        def check_list(value: Any) -> Any:
            if type(value) is not list:
                if not single or isinstance(value, (list, tuple, Mapping)):
                    return _SLOW
                if joined is not None and type(value) is str and joined in value:
                    return _SLOW  # Twilio's own joined form, split by the model
                value = [value]  # one item where a list is expected, as _one_as_list does
            if not value or (most is not None and len(value) > most):
                return _SLOW
            out = []
            for one in value:
                one = item(one)
                if one is _SLOW:
                    return _SLOW
                out.append(one)
            return out

        return check_list
    if arg.enum is not None:
        if not all(type(e) is str for e in arg.enum):
            return lambda value: _SLOW
        allowed = frozenset(arg.enum)
        return lambda value: value if type(value) is str and value in allowed else _SLOW
    low, high = arg.minimum, arg.maximum
    if arg.type == "integer":
        def check_int(value: Any) -> Any:
            if type(value) is not int or (low is not None and value < low) or (high is not None and value > high):
                return _SLOW
            return value

        return check_int
    if arg.type == "number":
        def check_number(value: Any) -> Any:
            if type(value) is int and -(2**53) <= value <= 2**53:
                value = float(value)
            elif type(value) is not float or not math.isfinite(value):
                return _SLOW
            if (low is not None and value < low) or (high is not None and value > high):
                return _SLOW
            return value

        return check_number
    if arg.type == "boolean":
        return lambda value: value if type(value) is bool else _SLOW
    if arg.type != "string":
        return lambda value: _SLOW
    search = re.compile(_end_anchored(arg.pattern)).search if arg.pattern else None
    longest = arg.max_length

    def check_string(value: Any) -> Any:
        if type(value) is not str or (longest is not None and len(value) > longest):
            return _SLOW
        if not value.isascii():
            try:
                value.encode("utf-8")  # a lone surrogate is the model's string_unicode error
            except UnicodeEncodeError:
                return _SLOW
        if search is not None and search(value) is None:
            return _SLOW
        return value

    return check_string


def _annotation(arg: ArgumentSpec) -> Any:
    from pydantic import BeforeValidator, Field

    if arg.type == "array":
        assert arg.items is not None
        before = [BeforeValidator(_one_as_list)] if arg.accept_single else []
        if arg.wire_join is not None:
            # Twilio's own form of the list ("validation,caller_name") is taken as well as a list.
            separator = arg.wire_join
            before.append(BeforeValidator(lambda value: value.split(separator) if isinstance(value, str) else value))
        # A tuple, not a bare *before in the subscript: that syntax needs Python 3.11 and we support 3.10.
        items: Any = list.__class_getitem__(_annotation(arg.items))  # list[T] for a T known at run time only
        parts = (items, *before, Field(min_length=1, max_length=arg.max_items))
        return Annotated[parts]
    if arg.enum is not None:
        return Literal[arg.enum]
    if arg.type == "integer":
        return Annotated[int, BeforeValidator(_not_bool), Field(ge=arg.minimum, le=arg.maximum)]
    if arg.type == "number":
        return Annotated[float, BeforeValidator(_not_bool), Field(ge=arg.minimum, le=arg.maximum)]
    if arg.type == "boolean":
        return bool
    before = [BeforeValidator(_object_as_json)] if arg.accept_object else []
    if arg.accept_datetime:
        before.append(BeforeValidator(datetime_as_text))
    pattern = _end_anchored(arg.pattern) if arg.pattern else None
    parts = (str, *before, Field(pattern=pattern, max_length=arg.max_length))
    return Annotated[parts]


def _one_as_list(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, Mapping) and not value:
        return []  # an empty Lua table reads as an empty mapping
    return [value]


def _object_as_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            text.encode("utf-8")  # a lone surrogate would pass here and fail later, while encoding the form
            return text
        except (TypeError, ValueError, RecursionError) as exc:
            raise ValueError("must be a JSON string or a table of plain values") from exc
    return value


def datetime_as_text(value: Any) -> Any:
    """A ``datetime`` or ``date`` as Twilio's official Python SDK writes it (``serialize.iso8601_datetime``:
    ``%Y-%m-%dT%H:%M:%SZ``; a ``date`` is its midnight). Unlike the SDK, an aware datetime is converted to
    UTC first: the SDK writes its local wall time followed by ``Z``, naming another instant."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _not_bool(value: Any) -> Any:
    # pydantic reads True as 1; a boolean where a number belongs is a mistake worth reporting.
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


def _message(kind: str, arg: ArgumentSpec, error: Mapping[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "string_pattern_mismatch":
        return f"must be {arg.format_description}" if arg.format_description else f"must match {arg.pattern}"
    if kind in ("string_too_long", "too_long"):
        unit = "items" if kind == "too_long" else "characters"
        return f"must have at most {ctx.get('max_length')} {unit}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"must be one of {', '.join(map(str, arg.enum or ()))}"
    if kind in ("greater_than_equal", "less_than_equal"):
        low = "" if arg.minimum is None else _num(arg.minimum)
        high = "" if arg.maximum is None else _num(arg.maximum)
        if low and high:
            return f"must be between {low} and {high}"
        return f"must be at least {low}" if low else f"must be at most {high}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind in ("finite_number",):
        return "must be a finite number"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind in ("string_type", "string_unicode"):
        return "must be a string"
    if kind in ("list_type",):
        return "must be a list"
    if kind == "value_error":
        return str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return str(error.get("msg", "is invalid")).lower()


def _kind(value: Any) -> str:
    names = {str: "a string", int: "a number", float: "a number", bool: "a boolean", list: "a list"}
    return names.get(type(value), f"a {type(value).__name__}")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and not math.isinf(value) else str(value)


def suggestions(name: object, candidates: Iterable[str], aliases: Mapping[str, str] | None = None) -> list[str]:
    """At most three of ``candidates`` close to a mistyped ``name``: the same name in another case first, then
    a candidate ``aliases`` maps that name to (``sendSms`` -> ``postMessage``), then by spelling. None for a
    name that is not text or is longer than :data:`MAX_SUGGESTED_NAME`: the work stays bounded by the input."""
    if not isinstance(name, str) or not name or len(name) > MAX_SUGGESTED_NAME:
        return []
    names = list(candidates)
    folded = name.casefold()
    exact = [c for c in names if c.casefold() == folded]
    exact += [target for alias, target in (aliases or {}).items() if alias.casefold() == folded]
    if exact:  # only the case differs, or a known other name: that is the answer
        return list(dict.fromkeys(exact))[:_MAX_SUGGESTIONS]
    # A name is suggested from a fair likeness; an alias (often a short, common word) only from a close one.
    by_spelling = {c.casefold(): (c, 0.6) for c in names}
    for alias, target in (aliases or {}).items():
        by_spelling.setdefault(alias.casefold(), (target, 0.8))
    matcher = difflib.SequenceMatcher(b=folded)
    scored = []
    for key, (target, cutoff) in by_spelling.items():
        matcher.set_seq1(key)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            score = matcher.ratio()
            if score >= cutoff:
                scored.append((score, target))
    scored.sort(key=lambda pair: -pair[0])
    # Only the names about as close as the best one: "did you mean listMessage?", not three near misses.
    best = scored[0][0] if scored else 0.0
    close = [target for score, target in scored if score >= best - 0.05]
    return list(dict.fromkeys(close))[:_MAX_SUGGESTIONS]


def shown_name(name: object) -> str:
    """A name as an error message shows it: at most :data:`MAX_SUGGESTED_NAME` characters, quoted."""
    text = name if isinstance(name, str) else f"({type(name).__name__})"
    if len(text) > MAX_SUGGESTED_NAME:
        text = text[: MAX_SUGGESTED_NAME - 3] + "..."
    return repr(text)


def unknown_operation(
    name: object, operations: Mapping[str, OperationSpec], *, prefix: str = "", also: Iterable[str] = ()
) -> str:
    """The message for an operation that does not exist: the closest ones (by case, the spec's ``x-aliases``,
    spelling; ``also`` are other names that exist, such as ``each``), or where the list is. ``prefix`` goes
    before the names (``Twilio.`` from Lua)."""
    aliases = {alias: op.name for op in operations.values() for alias in op.aliases}
    guesses = suggestions(name, [*operations, *also], aliases)
    if isinstance(name, str):
        shown = prefix + (name if len(name) <= MAX_SUGGESTED_NAME else name[: MAX_SUGGESTED_NAME - 3] + "...")
    else:
        shown = shown_name(name)
    if guesses:
        return f"{shown} is not an operation; did you mean {_or([prefix + g for g in guesses])}?"
    return f"{shown} is not an operation; `twilio-lua ops` lists the {len(operations)} operations"


def _without_echoes(problems: list[tuple[str, str]], present: Mapping[Any, Any]) -> list[tuple[str, str]]:
    """Drop "X is required" when X was given under another case (``to=``): the unknown ``to`` already says
    "did you mean To?", and one mistake is reported once."""
    given = {name.casefold() for name in present if isinstance(name, str)}
    return [
        (name, message) for name, message in problems
        if not (message == "is required" and name.casefold() in given and name not in present)
    ] or problems


def _or(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def _and(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
