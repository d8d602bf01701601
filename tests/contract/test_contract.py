"""Our spec checked against Twilio's official OpenAPI descriptions (twilio/twilio-oai, trimmed to our
operations; MIT, see LICENSE-twilio-oai): API v2010 (13 operations, api.twilio.com), Lookup v2 (1,
lookups.twilio.com) and Verify v2 (2, verify.twilio.com). Parametrized per operation: method, host, path,
parameters (place, type, enums, ranges, SID patterns, required), response status and schemas.

Where our spec knowingly differs from Twilio's description (none of these is a contract violation):
- IfMachine is our argument (the original platform's name, value Continue); it is sent as Twilio's
  MachineDetection=Enable (x-wire-name / x-wire-values), so the wire name and wire values are what is compared.
- Our path slots are named CallSid / MessageSid / MediaSid where Twilio says Sid; paths are compared with the
  placeholders normalized and path parameters matched by position.
- AuthToken is ours: a per-call credential that becomes the HTTP Basic password, never a parameter.
- AccountSid is required in Twilio's path; for us it is an optional per-call override of the dispatcher's
  account (x-credential), so it is not "required" here although the path always carries one.
- We are stricter than Twilio's description in places Twilio leaves open: patterns for phone numbers, channel
  addresses, URLs, dates and page tokens (Twilio: format phone-number / endpoint / uri / date-time or nothing);
  ranges (Timeout 1-600, PageSize, ValidityPeriod 1-36000, ...); lengths (Body 1600, Twiml 4000); enums where
  Twilio has a free string (RecordingChannels, RecordingTrack, Trim, MachineDetection, StatusCallbackEvent and
  RecordingStatusCallbackEvent items).
- Twilio's date filters (StartTime, DateSent, DateCreated and their < > forms) are format date-time; ours take
  Twilio's documented YYYY-MM-DD, optionally with a time.
- We send a subset of Twilio's arguments (no AsyncAmd*, Byoc, CallReason, CallToken, ClientNotificationUrl,
  MachineDetectionSpeech*/Silence*, AddressRetention, ContentRetention, FallbackFrom, PersistentAction,
  RiskCheck, TrafficType).
- Twilio's list responses declare first_page_uri / next_page_uri / uri as format "uri" although they are paths
  relative to https://api.twilio.com; formats are not asserted.
- Lookup and Verify have no account in their paths: AccountSid there is only whose credentials sign the call.
- Lookup's Fields is a comma-separated string for Twilio; ours is a list (or one name) of Twilio's documented
  package names, joined with commas on the wire (x-wire-join), so the wire type is compared.
- Rules Twilio's description leaves out, refused before sending: updateCall needs one of Status, Url, Twiml,
  TimeLimit or StatusCallback, and Status excludes Url/Twiml; updateMessage needs Body (only "") or Status;
  checkVerification needs Code and one of To / VerificationSid (Twilio lists neither as required, but answers
  60200 without them).
- Lookup's and Verify's response objects are nullable where Twilio sends null (a data package not asked for,
  unknown caller name fields); Verify's Channel request values add auto, documented by Twilio for that field.
"""

from __future__ import annotations

import copy
import re
import string
from typing import Any

import jsonschema
import pytest

from adapter.client.spec import ArgumentSpec, OperationSpec, default_spec
from tests.client.support import fixture, load_cases

from .openapi_helpers import form_schema, success, to_json_schema, twilio_operation, twilio_operation_and_server

TWILIO_IDS = {
    "createCall": "CreateCall", "getCall": "FetchCall", "listCall": "ListCall", "deleteCall": "DeleteCall",
    "updateCall": "UpdateCall",
    "getMedia": "FetchMedia", "listMedia": "ListMedia", "deleteMedia": "DeleteMedia",
    "postMessage": "CreateMessage", "getMessage": "FetchMessage", "listMessage": "ListMessage",
    "deleteMessage": "DeleteMessage", "updateMessage": "UpdateMessage",
    "lookupPhoneNumber": "FetchPhoneNumber",
    "createVerification": "CreateVerification", "checkVerification": "CreateVerificationCheck",
}
HOSTS = {"https://api.twilio.com": 13, "https://lookups.twilio.com": 1, "https://verify.twilio.com": 2}
# Rules of ours that Twilio's description does not state (see the module docstring).
OUR_EXTRA_ONE_OF = {
    "updateCall": {("Status", "Url", "Twiml", "TimeLimit", "StatusCallback")},
    "checkVerification": {("To", "VerificationSid")},
}
OUR_EXTRA_REQUIRED = {"checkVerification": {"Code"}}
OURS = default_spec()
OPS = list(TWILIO_IDS)
SAMPLES = load_cases("operations.yaml")
COMPATIBLE_TYPES = {"string", "integer", "number", "boolean", "array"}


def ours(name: str) -> OperationSpec:
    return OURS.operation(name)


def theirs(name: str) -> tuple[str, str, dict[str, Any]]:
    return twilio_operation(TWILIO_IDS[name])


def slots(path: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(path) if field]


def normalized(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def twilio_argument(name: str, arg: ArgumentSpec) -> dict[str, Any] | None:
    """Twilio's schema for one of our arguments, in the same location: (location, schema)."""
    our_path, _, op = ours(name).path, None, theirs(name)[2]
    params = op.get("parameters", [])
    if arg.location in ("path", "credential"):
        if arg.credential == "token" or arg.name not in slots(our_path):
            return None
        position = slots(our_path).index(arg.name)
        their_slot = slots(theirs(name)[0])[position]
        matches = [p for p in params if p["in"] == "path" and p["name"] == their_slot]
    elif arg.location == "query":
        matches = [p for p in params if p["in"] == "query" and p["name"] == arg.sent_as]
    else:
        prop = form_schema(op).get("properties", {}).get(arg.sent_as)
        return {"schema": prop, "required": arg.sent_as in form_schema(op).get("required", [])} if prop else {}
    assert len(matches) <= 1
    return {"schema": matches[0]["schema"], "required": bool(matches[0].get("required"))} if matches else {}


def sendable(name: str) -> list[ArgumentSpec]:
    """Our arguments that reach the wire: the token never does, the account only where it is in the path."""
    return [a for a in ours(name).arguments.values()
            if a.credential != "token" and (a.credential is None or a.name in slots(ours(name).path))]


def test_every_operation_is_mapped() -> None:
    assert sorted(TWILIO_IDS) == sorted(OURS.operations)


def test_coverage_per_host() -> None:
    by_host: dict[str, int] = {}
    for name in OPS:
        host = twilio_operation_and_server(TWILIO_IDS[name])[3]
        by_host[host] = by_host.get(host, 0) + 1
    assert by_host == HOSTS


@pytest.mark.parametrize("name", OPS)
def test_method_host_and_path(name: str) -> None:
    path, method, _, server = twilio_operation_and_server(TWILIO_IDS[name])
    assert ours(name).method == method
    assert ours(name).server == server
    assert normalized(ours(name).path) == normalized(path)
    if server == "https://api.twilio.com":
        assert slots(ours(name).path)[0] == slots(path)[0] == "AccountSid"
    else:
        assert "AccountSid" not in slots(path)


@pytest.mark.parametrize("name", OPS)
def test_every_argument_exists_there_in_the_same_place_with_a_compatible_type(name: str) -> None:
    for arg in sendable(name):
        found = twilio_argument(name, arg)
        assert found, f"{name}: {arg.name} (sent as {arg.sent_as}, {arg.location}) is not in Twilio's {TWILIO_IDS[name]}"
        schema = found["schema"]
        assert arg.type in COMPATIBLE_TYPES
        wire_type = "string" if arg.wire_join else arg.type
        assert schema.get("type") == wire_type, f"{name}.{arg.name}: ours {wire_type}, Twilio's {schema.get('type')}"
        if arg.type == "array" and not arg.wire_join:
            assert arg.items is not None
            assert schema["items"].get("type") == arg.items.type, f"{name}.{arg.name} items"


@pytest.mark.parametrize("name", OPS)
def test_every_twilio_path_parameter_is_ours(name: str) -> None:
    path, _, op = theirs(name)
    their_path_params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
    assert sorted(their_path_params) == sorted(slots(path))
    ours_by_position = slots(ours(name).path)
    assert len(ours_by_position) == len(their_path_params)
    for slot in ours_by_position:
        assert slot in ours(name).arguments


def _wire_enum(arg: ArgumentSpec) -> set[Any] | None:
    if arg.enum is None:
        return None
    mapping = arg.wire_values or {}
    return {mapping.get(v, v) for v in arg.enum}


@pytest.mark.parametrize("name", OPS)
def test_our_enums_are_subsets_of_theirs(name: str) -> None:
    for arg in sendable(name):
        schema = twilio_argument(name, arg)["schema"]
        for mine, their in ((arg, schema), (arg.items, schema.get("items"))):
            if mine is None or their is None:
                continue
            values = _wire_enum(mine)
            if values is not None and "enum" in their:
                assert values <= set(their["enum"]), f"{name}.{arg.name}: {values - set(their['enum'])}"


@pytest.mark.parametrize("name", OPS)
def test_our_ranges_are_within_theirs(name: str) -> None:
    for arg in sendable(name):
        schema = twilio_argument(name, arg)["schema"]
        if "minimum" in schema:
            assert arg.minimum is not None and arg.minimum >= schema["minimum"], f"{name}.{arg.name}"
        if "maximum" in schema:
            assert arg.maximum is not None and arg.maximum <= schema["maximum"], f"{name}.{arg.name}"
        if "maxLength" in schema and arg.pattern is None:
            assert arg.max_length is not None and arg.max_length <= schema["maxLength"], f"{name}.{arg.name}"


@pytest.mark.parametrize("name", OPS)
def test_our_sid_patterns_equal_theirs(name: str) -> None:
    checked = []
    for arg in sendable(name):
        schema = twilio_argument(name, arg)["schema"]
        if "pattern" in schema:
            assert arg.pattern == schema["pattern"], f"{name}.{arg.name}"
            checked.append(arg.name)
    # Every path SID is among them, and so are the related SIDs of the create operations.
    assert set(checked) >= {a.name for a in sendable(name) if a.location in ("path", "credential")
                            and a.name.endswith("Sid")}
    expected_related = {"createCall": {"ApplicationSid"}, "listCall": {"ParentCallSid"},
                        "postMessage": {"ApplicationSid", "MessagingServiceSid", "ContentSid"},
                        "createVerification": {"TemplateSid"}, "checkVerification": {"VerificationSid"}}.get(name, set())
    assert set(checked) >= expected_related


@pytest.mark.parametrize("name", OPS)
def test_our_required_arguments_are_required_there(name: str) -> None:
    op = ours(name)
    in_rules = {n for group in op.require_one_of for n in group}
    for arg_name in op.required:
        arg = op.arguments[arg_name]
        if arg_name in OUR_EXTRA_REQUIRED.get(name, set()):
            continue
        assert twilio_argument(name, arg)["required"] or arg_name in in_rules, f"{name}.{arg_name}"
    # And what Twilio requires, we require (the account excepted: it defaults to the dispatcher's).
    _, _, their = theirs(name)
    their_required = {p for p in form_schema(their).get("required", [])}
    their_required |= {p["name"] for p in their.get("parameters", []) if p.get("required") and p["in"] != "path"}
    assert their_required <= set(op.required)


def _pascal(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


@pytest.mark.parametrize("name", OPS)
def test_our_either_or_rules_are_twilios_conditionals(name: str) -> None:
    conditional = theirs(name)[2].get("x-twilio", {}).get("conditional", [])
    theirs_groups = {tuple(_pascal(n) for n in group) for group in conditional}
    assert set(ours(name).require_one_of) == theirs_groups | OUR_EXTRA_ONE_OF.get(name, set())


@pytest.mark.parametrize("name", OPS)
def test_success_status(name: str) -> None:
    status, schema, _ = success(theirs(name)[2])
    assert ours(name).success_status == status
    assert (schema is None) == ours(name).returns_nothing


@pytest.mark.parametrize("name", [n for n in OPS if not ours(n).returns_nothing])
def test_our_response_schema_has_twilios_fields(name: str) -> None:
    _, schema, _ = success(theirs(name)[2])
    mine = ours(name).response_schema
    assert set(mine["properties"]) == set(schema["properties"])
    key = ours(name).items_key
    if key:
        assert schema["properties"][key]["type"] == "array"
        assert set(mine["properties"][key]["items"]["properties"]) == set(schema["properties"][key]["items"]["properties"])
        for field in ("next_page_uri", "previous_page_uri"):
            assert mine["properties"][field].get("nullable") is True


RESOURCE_OPS = [n for n in OPS if not ours(n).returns_nothing]


def their_response_schema(name: str) -> tuple[Any, dict[str, Any]]:
    """Twilio's success schema and examples. Lookup's description declares no property nullable, but its own
    examples (and the live API) send null for a package not asked for, for validation_errors and for a
    package's unknown fields: there every property is read as nullable."""
    _, schema, examples = success(theirs(name)[2])
    if name == "lookupPhoneNumber":
        schema = copy.deepcopy(schema)
        pending = [schema]
        while pending:
            for prop in pending.pop().get("properties", {}).values():
                prop["nullable"] = True
                pending.append(prop)
    return schema, examples


def _fixtures_for(name: str) -> list[str]:
    names = {SAMPLES[name]["fixture"]}
    # Every canned body of the same resource kind is checked against each schema that returns it.
    kind = ours(name).response_schema
    for other in RESOURCE_OPS:
        if ours(other).response_schema == kind:
            names.add(SAMPLES[other]["fixture"])
    return sorted(names)


@pytest.mark.parametrize("name", RESOURCE_OPS)
def test_our_canned_bodies_validate_against_twilios_response_schema(name: str) -> None:
    schema, _ = their_response_schema(name)
    validator = jsonschema.Draft7Validator(to_json_schema(schema))
    for file in _fixtures_for(name):
        body = fixture(file)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        assert not errors, f"{file}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors)
        # Realistic: every field of Twilio's schema is present, as Twilio always sends them (null when unknown).
        key = ours(name).items_key
        items = body[key] if key else [body]
        item_schema = schema["properties"][key]["items"] if key else schema
        assert set(body) >= set(schema["properties"])
        for item in items:
            assert set(item) == set(item_schema["properties"]), file


@pytest.mark.parametrize("name", RESOURCE_OPS)
def test_our_canned_bodies_validate_against_our_response_schema(name: str) -> None:
    validator = jsonschema.Draft7Validator(to_json_schema(ours(name).response_schema))
    for file in _fixtures_for(name):
        assert not list(validator.iter_errors(fixture(file))), file


@pytest.mark.parametrize("name", RESOURCE_OPS)
def test_twilios_examples_validate_against_our_response_schema(name: str) -> None:
    """Our response schemas are no stricter than what Twilio really sends."""
    schema, examples = their_response_schema(name)
    assert examples
    ours_validator = jsonschema.Draft7Validator(to_json_schema(ours(name).response_schema))
    theirs_validator = jsonschema.Draft7Validator(to_json_schema(schema))
    for label, example in examples.items():
        assert not list(theirs_validator.iter_errors(example)), f"Twilio's own example {label}"
        errors = list(ours_validator.iter_errors(example))
        assert not errors, f"{label}: " + "; ".join(e.message for e in errors)


# --- the helper itself ------------------------------------------------------------------------------------

def test_nullable_translation() -> None:
    schema = {"type": "object", "x-twilio": {}, "properties": {
        "a": {"type": "string", "nullable": True},
        "b": {"type": "string", "enum": ["x"], "nullable": True},
        "c": {"type": "integer"},
        "nullable": {"type": "array", "items": {"type": "string", "nullable": True}},
    }}
    out = to_json_schema(schema)
    assert out == {"type": "object", "properties": {
        "a": {"type": ["string", "null"]},
        "b": {"type": ["string", "null"], "enum": ["x", None]},
        "c": {"type": "integer"},
        "nullable": {"type": "array", "items": {"type": ["string", "null"]}},
    }}
    validator = jsonschema.Draft7Validator(out)
    assert validator.is_valid({"a": None, "b": None, "c": 1, "nullable": [None, "s"]})
    assert not validator.is_valid({"c": None})
    assert not validator.is_valid({"b": "y"})
