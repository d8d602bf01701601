"""OperationValidator on tiny inline spec fragments: each rule kind, its message naming the field, every
problem reported at once, unknown-argument suggestions."""

from __future__ import annotations

from typing import Any

import pytest

from adapter import TwilioError
from adapter.client.spec import OperationSpec, build_spec
from adapter.client.validation import OperationValidator

FORMATS = {
    "e164": {"pattern": "^\\+[1-9][0-9]{1,14}$", "says": "an E.164 phone number"},
    "thing-sid": {"pattern": "^TH[0-9a-f]{4}$", "says": "a Thing SID"},
    "sender": {"pattern": "^(?=[A-Za-z0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11}$", "says": "a sender ID"},
}


def operation(properties: dict[str, Any], *, required: tuple[str, ...] = (), parameters: list | None = None,
              **rules: Any) -> OperationSpec:
    schema: dict[str, Any] = {"type": "object", "required": list(required), "properties": properties}
    for key, value in rules.items():
        schema["x-" + key.replace("_", "-")] = value
    doc = {
        "x-argument-formats": FORMATS,
        "paths": {"/Things/{ThingSid}": {"post": {
            "operationId": "makeThing",
            "parameters": [{"name": "ThingSid", "in": "path", "required": True,
                            "schema": {"type": "string", "format": "thing-sid"}}] + (parameters or []),
            "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": schema}}},
            "responses": {"201": {"content": {"application/json": {"schema": {"type": "object"}}}}},
        }}},
    }
    return build_spec(doc).operation("makeThing")


def validator(properties: dict[str, Any], **kw: Any) -> OperationValidator:
    return OperationValidator(operation(properties, **kw))


SID = {"ThingSid": "TH00ff"}


def problems(v: OperationValidator, args: Any, **kw: Any) -> dict[str, str]:
    with pytest.raises(TwilioError) as info:
        v.validate(args, **kw)
    error = info.value
    assert error.type == "validation" and error.status == 400 and error.operation == "makeThing"
    return {d["field"]: d["error"] for d in error.details}


# --- single-argument rules ------------------------------------------------------------------------------

def test_valid_arguments_come_back_normalized_in_spec_order() -> None:
    v = validator({"B": {"type": "integer"}, "A": {"type": "string"}, "L": {"type": "array", "x-accept-single": True,
                                                                          "items": {"type": "string"}}})
    out = v.validate({"L": "one", "A": "x", "B": "7", "ThingSid": "TH00ff"})
    assert out == {"ThingSid": "TH00ff", "B": 7, "A": "x", "L": ["one"]}
    assert list(out) == ["ThingSid", "B", "A", "L"]


def test_required_argument_missing() -> None:
    v = validator({"To": {"type": "string"}}, required=("To",))
    assert problems(v, {}) == {"ThingSid": "is required", "To": "is required"}


def test_named_format_message_uses_its_description() -> None:
    v = validator({"To": {"type": "string", "format": "e164"}})
    assert problems(v, dict(SID, To="555")) == {"To": "must be an E.164 phone number"}


def test_pattern_without_description_names_the_pattern() -> None:
    v = validator({"Code": {"type": "string", "pattern": "^[A-Z]{3}$"}})
    assert problems(v, dict(SID, Code="abcd")) == {"Code": "must match ^[A-Z]{3}$"}


@pytest.mark.parametrize("value", ["TH00ff\n", "TH00ff\r\n", "\nTH00ff", "TH00ff/..", "TH00FF", " TH00ff"])
def test_anchored_patterns_match_the_whole_value(value: str) -> None:
    v = validator({})
    assert problems(v, {"ThingSid": value}) == {"ThingSid": "must be a Thing SID"}


def test_look_ahead_patterns_work() -> None:
    v = validator({"From": {"type": "string", "format": "sender"}})
    assert v.validate(dict(SID, From="ACME 2"))["From"] == "ACME 2"
    assert problems(v, dict(SID, From="12345")) == {"From": "must be a sender ID"}


def test_max_length() -> None:
    v = validator({"Body": {"type": "string", "maxLength": 3}})
    assert v.validate(dict(SID, Body="abc"))["Body"] == "abc"
    assert problems(v, dict(SID, Body="abcd")) == {"Body": "must have at most 3 characters"}


def test_enum() -> None:
    v = validator({"Method": {"type": "string", "enum": ["GET", "POST"]}})
    assert v.validate(dict(SID, Method="GET"))["Method"] == "GET"
    assert problems(v, dict(SID, Method="get")) == {"Method": "must be one of GET, POST"}
    assert problems(v, dict(SID, Method=1)) == {"Method": "must be one of GET, POST"}


@pytest.mark.parametrize("schema, value, message", [
    ({"minimum": 1, "maximum": 10}, 11, "must be between 1 and 10"),
    ({"minimum": 1, "maximum": 10}, 0, "must be between 1 and 10"),
    ({"minimum": 0}, -1, "must be at least 0"),
    ({"maximum": 5}, 6, "must be at most 5"),
    ({}, "ten", "must be a whole number"),
    ({}, 1.5, "must be a whole number"),
    ({}, True, "must be a number, not a boolean"),
    ({}, [1], "must be a whole number"),
])
def test_integer_rules(schema: dict[str, Any], value: Any, message: str) -> None:
    v = validator({"N": {"type": "integer", **schema}})
    assert problems(v, dict(SID, N=value)) == {"N": message}


def test_integer_accepts_numeric_text_and_whole_floats() -> None:
    v = validator({"N": {"type": "integer"}})
    assert v.validate(dict(SID, N="42"))["N"] == 42
    assert v.validate(dict(SID, N=42.0))["N"] == 42


@pytest.mark.parametrize("value, message", [
    ("cheap", "must be a number"),
    (False, "must be a number, not a boolean"),
    (float("nan"), "must be a finite number"),
    (float("inf"), "must be a finite number"),
    (-0.1, "must be at least 0"),
])
def test_number_rules(value: Any, message: str) -> None:
    v = validator({"Price": {"type": "number", "minimum": 0}})
    assert problems(v, dict(SID, Price=value)) == {"Price": message}


def test_number_accepts_text_and_integers() -> None:
    v = validator({"Price": {"type": "number", "minimum": 0}})
    assert v.validate(dict(SID, Price="0.0075"))["Price"] == 0.0075
    assert v.validate(dict(SID, Price=2))["Price"] == 2.0


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), ("true", True), ("false", False)])
def test_boolean_accepts(value: Any, expected: bool) -> None:
    v = validator({"Record": {"type": "boolean"}})
    assert v.validate(dict(SID, Record=value))["Record"] is expected


@pytest.mark.parametrize("value", ["maybe", 2, [True]])
def test_boolean_rejects(value: Any) -> None:
    v = validator({"Record": {"type": "boolean"}})
    assert problems(v, dict(SID, Record=value)) == {"Record": "must be true or false"}


@pytest.mark.parametrize("value", [5, 1.5, True, ["a"], {"a": 1}, None.__class__])
def test_string_rejects_other_types(value: Any) -> None:
    v = validator({"Body": {"type": "string"}})
    assert problems(v, dict(SID, Body=value)) == {"Body": "must be a string"}


def test_accept_object_encodes_a_table_as_compact_json() -> None:
    v = validator({"Vars": {"type": "string", "x-accept-object": True}})
    assert v.validate(dict(SID, Vars={"1": "Pump 3", "2": "é"}))["Vars"] == '{"1":"Pump 3","2":"é"}'
    assert v.validate(dict(SID, Vars='{"1":"x"}'))["Vars"] == '{"1":"x"}'
    assert problems(v, dict(SID, Vars={"1": float("nan")})) == {
        "Vars": "must be a JSON string or a table of plain values"}
    assert problems(v, dict(SID, Vars={"1": object()})) == {
        "Vars": "must be a JSON string or a table of plain values"}


def test_array_rules() -> None:
    v = validator({"Media": {"type": "array", "maxItems": 2, "x-accept-single": True,
                             "items": {"type": "string", "format": "e164"}}})
    assert v.validate(dict(SID, Media="+15551234567"))["Media"] == ["+15551234567"]
    assert v.validate(dict(SID, Media=("+15551234567", "+15551234568")))["Media"] == ["+15551234567",
                                                                                        "+15551234568"]
    assert problems(v, dict(SID, Media=["+15551234567"] * 3)) == {"Media": "must have at most 2 items"}
    assert problems(v, dict(SID, Media=[])) == {"Media": "must not be empty"}
    assert problems(v, dict(SID, Media={})) == {"Media": "must not be empty"}  # an empty Lua table
    assert problems(v, dict(SID, Media=["+15551234567", "x", "y"])) == {
        "Media[2]": "must be an E.164 phone number", "Media[3]": "must be an E.164 phone number"}
    assert problems(v, dict(SID, Media=["+15551234567", "x"])) == {"Media[2]": "must be an E.164 phone number"}
    assert problems(v, dict(SID, Media=[5])) == {"Media[1]": "must be a string"}


def test_array_without_accept_single_needs_a_list() -> None:
    v = validator({"Events": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}})
    assert v.validate(dict(SID, Events=["a", "b"]))["Events"] == ["a", "b"]
    assert problems(v, dict(SID, Events="a")) == {"Events": "must be a list"}
    assert problems(v, dict(SID, Events=["c"])) == {"Events[1]": "must be one of a, b"}


# --- rules across arguments -----------------------------------------------------------------------------

RULED = {"Url": {"type": "string"}, "Twiml": {"type": "string"}, "App": {"type": "string"},
         "SendAt": {"type": "string"}, "Type": {"type": "string"}, "Service": {"type": "string"}}


def ruled() -> OperationValidator:
    return validator(RULED, require_one_of=[["Url", "Twiml", "App"]], mutually_exclusive=[["Url", "Twiml", "App"]],
                     requires={"SendAt": ["Type", "Service"]})


def test_require_one_of() -> None:
    assert problems(ruled(), SID) == {"Url/Twiml/App": "one of Url, Twiml or App is required"}
    assert ruled().validate(dict(SID, Twiml="<Response/>"))["Twiml"] == "<Response/>"


def test_require_one_of_counts_none_as_absent() -> None:
    assert problems(ruled(), dict(SID, Url=None)) == {"Url/Twiml/App": "one of Url, Twiml or App is required"}


def test_mutually_exclusive_names_the_arguments_given() -> None:
    assert problems(ruled(), dict(SID, Url="u", App="a")) == {
        "Url/App": "only one of Url, Twiml or App may be given, not Url and App"}
    assert problems(ruled(), dict(SID, Url="u", Twiml="t", App="a")) == {
        "Url/Twiml/App": "only one of Url, Twiml or App may be given, not Url, Twiml and App"}


def test_requires_names_what_is_missing() -> None:
    assert problems(ruled(), dict(SID, Url="u", SendAt="now")) == {"SendAt": "needs Type and Service as well"}
    assert problems(ruled(), dict(SID, Url="u", SendAt="now", Type="fixed")) == {"SendAt": "needs Service as well"}
    assert ruled().validate(dict(SID, Url="u", SendAt="now", Type="fixed", Service="s"))["SendAt"] == "now"


def test_every_problem_is_reported_at_once() -> None:
    v = validator(dict(RULED, To={"type": "string", "format": "e164"}, N={"type": "integer", "maximum": 3}),
                  required=("To",), require_one_of=[["Url", "Twiml"]], requires={"SendAt": ["Type"]})
    with pytest.raises(TwilioError) as info:
        v.validate({"ThingSid": "bad", "N": 4, "SendAt": "x", "Bogus": 1})
    fields = [d["field"] for d in info.value.details]
    assert sorted(fields) == sorted(["ThingSid", "To", "N", "Bogus", "Url/Twiml", "SendAt"])
    message = str(info.value)
    assert message.startswith("makeThing: 6 invalid arguments: ")
    for field in fields:
        assert field in message


def test_single_problem_message() -> None:
    with pytest.raises(TwilioError) as info:
        validator({}).validate({})
    assert str(info.value) == "makeThing: invalid argument: ThingSid is required"
    assert info.value.details == [{"field": "ThingSid", "error": "is required"}]


# --- unknown arguments ------------------------------------------------------------------------------------

def test_unknown_argument_suggests_the_same_name_in_other_case() -> None:
    v = validator({"Body": {"type": "string"}, "BodyText": {"type": "string"}})
    message = problems(v, dict(SID, body="x"))["body"]
    assert message == "is not an argument of makeThing (did you mean Body?)"  # no list: one suggestion says it


def test_a_required_argument_given_in_another_case_is_one_problem() -> None:
    v = validator({"Body": {"type": "string"}})
    with pytest.raises(TwilioError) as info:
        v.validate({"thingsid": SID["ThingSid"]})
    assert str(info.value) == "makeThing: invalid argument: thingsid is not an argument of makeThing (did you mean ThingSid?)"


def test_the_lowercase_to_of_a_new_user_gives_a_short_message(spec) -> None:
    with pytest.raises(TwilioError) as info:
        OperationValidator(spec.operation("postMessage")).validate({"to": "+15558675310", "From": "+15005550006",
                                                                    "Body": "hi"})
    assert str(info.value) == "postMessage: invalid argument: to is not an argument of postMessage (did you mean To?)"


def test_many_unknown_arguments_without_a_close_name_never_list_every_argument(spec) -> None:
    with pytest.raises(TwilioError) as info:
        OperationValidator(spec.operation("postMessage")).validate(
            {"To": "+15558675310", "Body": "hi", "From": "+15005550006", "Zebra": 1, "Quux": 2})
    message = str(info.value)
    assert len(message) < 250 and "ValidityPeriod" not in message, message
    assert "`twilio-lua ops postMessage` lists its" in message


def test_a_huge_unknown_name_is_shown_short(spec) -> None:
    name = "x" * (16 << 20)
    with pytest.raises(TwilioError) as info:
        OperationValidator(spec.operation("postMessage")).validate(
            {"To": "+15558675310", "Body": "hi", "From": "+15005550006", name: 1})
    # Bounded work is shown by test_suggestions_do_not_run_difflib_on_a_long_name (no timing here: the
    # machine is shared); here, that nothing of the name beyond 64 characters is echoed.
    assert len(str(info.value)) < 250 and "did you mean" not in str(info.value)
    assert len(info.value.details[0]["field"]) == 64


@pytest.mark.parametrize("name, expected", [
    ("sendSms", ["postMessage"]), ("SENDSMS", ["postMessage"]), ("postmessage", ["postMessage"]),
    ("listMessages", ["listMessage"]), ("zzz", []), ("", []), ("x" * 65, []), (42, []),
])
def test_suggestions(spec, name: object, expected: list[str]) -> None:
    from adapter.client.validation import suggestions

    aliases = {alias: op.name for op in spec.operations.values() for alias in op.aliases}
    assert suggestions(name, spec.operations, aliases) == expected


def test_suggestions_do_not_run_difflib_on_a_long_name(spec, monkeypatch: pytest.MonkeyPatch) -> None:
    import difflib

    from adapter.client import validation

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("difflib ran on a name past the cap")

    monkeypatch.setattr(difflib, "SequenceMatcher", refuse)
    assert validation.suggestions("p" * (validation.MAX_SUGGESTED_NAME + 1), spec.operations) == []
    with pytest.raises(AssertionError):
        validation.suggestions("p" * validation.MAX_SUGGESTED_NAME, spec.operations)


def test_unknown_argument_suggests_a_close_name() -> None:
    v = validator({"StatusCallback": {"type": "string"}})
    assert "(did you mean StatusCallback?)" in problems(v, dict(SID, StatusCalback="x"))["StatusCalback"]


def test_unknown_argument_without_a_close_name() -> None:
    v = validator({"Body": {"type": "string"}})
    message = problems(v, dict(SID, Zebra="x"))["Zebra"]
    assert "did you mean" not in message
    assert message == "is not an argument of makeThing; valid arguments: Body, ThingSid"


def test_unknown_non_string_key() -> None:
    v = validator({})
    assert "1" in problems(v, {**SID, 1: "x"})  # type: ignore[dict-item]


# --- the argument table itself ---------------------------------------------------------------------------

def test_none_arguments_mean_no_arguments() -> None:
    v = validator({"Body": {"type": "string"}}, parameters=None)
    assert problems(v, None) == {"ThingSid": "is required"}


@pytest.mark.parametrize("args, kind", [("x", "a string"), (5, "a number"), ([1], "a list"), (True, "a boolean"),
                                        (object(), "a object")])
def test_arguments_must_be_a_mapping(args: Any, kind: str) -> None:
    assert problems(validator({}), args) == {"(arguments)": f"must be a table of named arguments, not {kind}"}


def test_forbidden_arguments_are_reported_with_the_rest() -> None:
    v = validator({"Token": {"type": "string"}})
    assert problems(v, {"Token": "x"}, forbidden=frozenset({"Token", "Other"})) == {
        "Token": "may not be set by scripts on this host", "ThingSid": "is required"}


def test_errors_never_echo_the_value() -> None:
    secret = "s3cret-Value-Never-Echoed"
    v = validator({"Code": {"type": "string", "pattern": "^[0-9]+$"}, "N": {"type": "integer"},
                   "M": {"type": "string", "enum": ["a"]}, "L": {"type": "string", "maxLength": 2}})
    with pytest.raises(TwilioError) as info:
        v.validate({"ThingSid": secret, "Code": secret, "N": secret, "M": secret, "L": secret})
    assert len(info.value.details) == 5
    for text in (str(info.value), repr(info.value), repr(info.value.to_dict())):
        assert secret not in text


def test_validator_is_reusable_and_thread_independent() -> None:
    v = validator({"N": {"type": "integer"}})
    assert v.validate(dict(SID, N=1)) == {"ThingSid": "TH00ff", "N": 1}
    with pytest.raises(TwilioError):
        v.validate(dict(SID, N="x"))
    assert v.validate(dict(SID, N=2)) == {"ThingSid": "TH00ff", "N": 2}
