"""Spec loading, on tiny inline OpenAPI fragments (plus a few checks of the packaged spec)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from adapter.client.spec import ArgumentSpec, OperationSpec, ServiceSpec, build_spec, default_spec, load_spec

SID = {"type": "string", "format": "thing-sid"}


def fragment(**overrides: Any) -> dict[str, Any]:
    """A one-path spec: POST creates a Thing (form body), GET fetches it by SID."""
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Things"},
        "servers": [{"url": "https://things.example"}],
        "x-argument-formats": {
            "thing-sid": {"pattern": "^TH[0-9a-f]{4}$", "says": "a Thing SID"},
            "e164": {"pattern": "^\\+[1-9][0-9]{1,14}$", "says": "an E.164 number"},
        },
        "x-retry-policy": {"max_retries": 1, "rules": [{"when": "status", "statuses": [429], "methods": ["get"]}]},
        "paths": {
            "/Accounts/{AccountSid}/Things.json": {
                "summary": "not an operation",
                "parameters": [],
                "post": {
                    "operationId": "createThing",
                    "tags": ["Things"],
                    "summary": "Make a thing",
                    "description": "  Makes\n a thing.  ",
                    "x-lua-example": "Twilio.createThing({})\n\n",
                    "parameters": [{"$ref": "#/components/parameters/AccountSid"}],
                    "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                        "type": "object",
                        "required": ["To"],
                        "x-require-one-of": [["Body", "Media"]],
                        "x-mutually-exclusive": [["Body", "Template"]],
                        "x-requires": {"Template": ["Vars"]},
                        "properties": {
                            "To": {"type": "string", "format": "e164", "description": "Who\n   gets it."},
                            "Body": {"type": "string", "maxLength": 5},
                            "Media": {"type": "array", "maxItems": 2, "x-accept-single": True,
                                      "items": {"type": "string", "format": "e164"}},
                            "Template": {"type": "string", "pattern": "^T[0-9]$", "format": "e164"},
                            "Vars": {"type": "string", "x-accept-object": True},
                            "Old": {"type": "string", "enum": ["Yes"], "x-wire-name": "New",
                                    "x-wire-values": {"Yes": "On"}},
                            "Count": {"type": "integer", "minimum": 1, "maximum": 9, "default": 3},
                        },
                    }}}},
                    "responses": {"201": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Thing"}}}}},
                },
            },
            "/Accounts/{AccountSid}/Things/{ThingSid}.json": {
                "get": {
                    "operationId": "getThing",
                    "x-items-key": "things",
                    "parameters": [
                        {"$ref": "#/components/parameters/AccountSid"},
                        {"$ref": "#/components/parameters/AuthToken"},
                        {"name": "ThingSid", "in": "path", "required": True, "schema": SID},
                        {"name": "Since<", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {"404": {"description": "no"}, "200": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Thing"}}}}},
                },
                "delete": {
                    "operationId": "deleteThing",
                    "parameters": [{"name": "ThingSid", "in": "path", "required": True, "schema": SID}],
                    "responses": {"204": {"description": "gone"}},
                },
            },
        },
        "components": {
            "parameters": {
                "AccountSid": {"name": "AccountSid", "in": "path", "required": True, "x-credential": "account",
                               "schema": {"type": "string", "pattern": "^AC[0-9a-f]{32}$"}},
                "AuthToken": {"name": "AuthToken", "in": "header", "x-credential": "token",
                              "schema": {"type": "string"}},
            },
            "schemas": {
                "Thing": {"type": "object", "properties": {"sid": {"type": "string"},
                                                           "owner": {"$ref": "#/components/schemas/Owner"}}},
                "Owner": {"type": "object", "properties": {"name": {"type": "string", "nullable": True}}},
            },
        },
    }
    doc.update(overrides)
    return doc


@pytest.fixture
def service() -> ServiceSpec:
    return build_spec(fragment())


def test_operations_are_read_from_every_method_of_every_path(service: ServiceSpec) -> None:
    assert list(service.operations) == ["createThing", "getThing", "deleteThing"]
    create = service.operation("createThing")
    assert (create.method, create.path) == ("POST", "/Accounts/{AccountSid}/Things.json")
    assert service.operation("getThing").method == "GET"
    assert service.operation("deleteThing").method == "DELETE"
    assert service.title == "Things"
    assert service.default_server == "https://things.example"


def test_operation_metadata(service: ServiceSpec) -> None:
    create = service.operation("createThing")
    assert create.tag == "Things"
    assert create.summary == "Make a thing"
    assert create.description == "Makes\n a thing."
    assert create.lua_example == "Twilio.createThing({})\n"
    assert service.operation("getThing").lua_example == ""
    assert service.operation("getThing").tag == ""
    assert service.operation("getThing").items_key == "things"
    assert create.items_key is None


def test_refs_are_resolved_in_parameters_and_schemas(service: ServiceSpec) -> None:
    get = service.operation("getThing")
    assert list(get.arguments) == ["AccountSid", "AuthToken", "ThingSid", "Since<"]
    assert get.arguments["AccountSid"].pattern == "^AC[0-9a-f]{32}$"
    schema = get.response_schema
    assert schema == {"type": "object", "properties": {
        "sid": {"type": "string"}, "owner": {"type": "object", "properties": {"name": {"type": "string",
                                                                                       "nullable": True}}}}}
    assert "$ref" not in repr(service.schemas)
    # Each use is its own copy: changing one resolved schema leaves the others alone.
    assert schema is not service.operation("createThing").response_schema


def test_cyclic_ref_is_an_error() -> None:
    doc = fragment()
    doc["components"]["schemas"]["Owner"]["properties"]["thing"] = {"$ref": "#/components/schemas/Thing"}
    with pytest.raises(ValueError, match="cyclic"):
        build_spec(doc)


def test_named_formats_become_patterns_and_an_explicit_pattern_wins(service: ServiceSpec) -> None:
    args = service.operation("createThing").arguments
    assert args["To"].pattern == "^\\+[1-9][0-9]{1,14}$"
    assert args["To"].format == "e164"
    assert args["To"].format_description == "an E.164 number"
    assert args["Template"].pattern == "^T[0-9]$"
    assert args["Body"].pattern is None and args["Body"].format_description is None
    media = args["Media"]
    assert media.type == "array" and media.items is not None
    assert media.items.pattern == "^\\+[1-9][0-9]{1,14}$"
    assert media.max_items == 2 and media.accept_single
    path_sid = service.operation("getThing").arguments["ThingSid"]
    assert (path_sid.pattern, path_sid.format_description) == ("^TH[0-9a-f]{4}$", "a Thing SID")


def test_locations_required_and_credentials(service: ServiceSpec) -> None:
    create = service.operation("createThing")
    get = service.operation("getThing")
    assert create.required == ("To",)
    assert {a.name: a.location for a in create.arguments.values()} == {
        "AccountSid": "credential", "To": "form", "Body": "form", "Media": "form", "Template": "form",
        "Vars": "form", "Old": "form", "Count": "form"}
    account = get.arguments["AccountSid"]
    # The account is in the path, but it defaults to the dispatcher's, so it is never required.
    assert (account.location, account.required, account.credential) == ("credential", False, "account")
    assert get.arguments["AuthToken"].credential == "token"
    assert get.arguments["ThingSid"].location == "path" and get.arguments["ThingSid"].required
    assert get.arguments["Since<"].location == "query" and not get.arguments["Since<"].required
    assert get.required == ("ThingSid",)


def test_argument_details(service: ServiceSpec) -> None:
    args = service.operation("createThing").arguments
    assert args["To"].description == "Who gets it."
    assert args["Body"].max_length == 5
    assert args["Count"] == ArgumentSpec(name="Count", location="form", type="integer", minimum=1, maximum=9,
                                         default=3)
    assert args["Old"].enum == ("Yes",)
    assert args["Old"].sent_as == "New" and args["Old"].wire_values == {"Yes": "On"}
    assert args["To"].sent_as == "To"
    assert args["Vars"].accept_object


def test_rule_groups(service: ServiceSpec) -> None:
    create = service.operation("createThing")
    assert create.require_one_of == (("Body", "Media"),)
    assert create.mutually_exclusive == (("Body", "Template"),)
    assert create.requires == {"Template": ("Vars",)}


@pytest.mark.parametrize("rule, value", [
    ("x-require-one-of", [["Body", "Nope"]]),
    ("x-mutually-exclusive", [["Nope", "Body"]]),
    ("x-requires", {"Nope": ["Body"]}),
    ("x-requires", {"Body": ["Nope"]}),
])
def test_rules_naming_unknown_arguments_are_errors(rule: str, value: Any) -> None:
    doc = fragment()
    schema = doc["paths"]["/Accounts/{AccountSid}/Things.json"]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"]["schema"]
    schema[rule] = value
    with pytest.raises(ValueError, match=r"createThing: rule names unknown arguments \['Nope'\]"):
        build_spec(doc)


def test_success_status_and_response(service: ServiceSpec) -> None:
    assert service.operation("createThing").success_status == 201
    get = service.operation("getThing")
    assert get.success_status == 200 and not get.returns_nothing
    delete = service.operation("deleteThing")
    assert delete.success_status == 204 and delete.returns_nothing and delete.response_schema is None


def test_operation_without_success_response_is_an_error() -> None:
    doc = fragment()
    doc["paths"]["/Accounts/{AccountSid}/Things/{ThingSid}.json"]["delete"]["responses"] = {"404": {}}
    with pytest.raises(ValueError, match="deleteThing: no success response"):
        build_spec(doc)


def test_duplicate_operation_id_is_an_error() -> None:
    doc = fragment()
    doc["paths"]["/Accounts/{AccountSid}/Things/{ThingSid}.json"]["delete"]["operationId"] = "getThing"
    with pytest.raises(ValueError, match="operation getThing is defined twice"):
        build_spec(doc)


def test_argument_both_parameter_and_form_field_is_an_error() -> None:
    doc = fragment()
    post = doc["paths"]["/Accounts/{AccountSid}/Things.json"]["post"]
    post["parameters"].append({"name": "To", "in": "query", "schema": {"type": "string"}})
    with pytest.raises(ValueError, match="createThing: argument To is defined twice"):
        build_spec(doc)


def test_retry_policy_is_passed_through(service: ServiceSpec) -> None:
    assert service.retry_policy["max_retries"] == 1


def test_defaults_when_optional_sections_are_missing() -> None:
    doc = fragment()
    for key in ("servers", "x-retry-policy", "x-argument-formats", "info"):
        del doc[key]
    service = build_spec(doc)
    assert service.default_server == "https://api.twilio.com"
    assert service.retry_policy == {}
    assert service.title == ""
    # An unknown format leaves the argument without a pattern rather than failing.
    assert service.operation("createThing").arguments["To"].pattern is None


def test_build_spec_does_not_change_its_input() -> None:
    doc = fragment()
    before = copy.deepcopy(doc)
    build_spec(doc)
    assert doc == before


def test_specs_are_read_only(service: ServiceSpec) -> None:
    with pytest.raises(AttributeError):
        service.operation("getThing").method = "POST"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        service.operation("getThing").arguments["ThingSid"].pattern = ".*"  # type: ignore[misc]


def test_load_spec_reads_a_file(tmp_path) -> None:
    path = tmp_path / "things.yaml"
    path.write_text(yaml.safe_dump(fragment(), sort_keys=False), encoding="utf-8")
    assert list(load_spec(path).operations) == ["createThing", "getThing", "deleteThing"]
    assert list(load_spec(str(path)).operations) == ["createThing", "getThing", "deleteThing"]


# --- the packaged spec ----------------------------------------------------------------------------------------

def test_packaged_spec_has_the_sixteen_operations() -> None:
    spec = default_spec()
    assert sorted(spec.operations) == sorted([
        "createCall", "getCall", "listCall", "deleteCall", "getMedia", "listMedia", "deleteMedia",
        "postMessage", "getMessage", "listMessage", "deleteMessage", "updateCall", "updateMessage",
        "lookupPhoneNumber", "createVerification", "checkVerification"])
    assert default_spec() is spec  # read once
    assert list(load_spec().operations) == list(spec.operations)
    assert all(isinstance(op, OperationSpec) for op in spec.operations.values())


def test_packaged_spec_every_path_argument_and_sid_has_a_pattern() -> None:
    for op in default_spec().operations.values():
        for arg in op.arguments.values():
            if arg.location == "path" or arg.name.endswith("Sid"):
                assert arg.pattern and arg.pattern.startswith("^") and arg.pattern.endswith("$"), (op.name, arg.name)
            if arg.format:
                assert arg.pattern and arg.format_description, (op.name, arg.name, "unknown format")
            if arg.type == "array":
                assert arg.items is not None and arg.max_items, (op.name, arg.name)


def test_packaged_spec_every_placeholder_is_an_argument() -> None:
    import string
    for op in default_spec().operations.values():
        slots = [f for _, f, _, _ in string.Formatter().parse(op.path) if f]
        # Only API v2010 has the account in its paths (the credential slot); Lookup and Verify do not.
        assert (slots[0] == "AccountSid") == (op.server == "https://api.twilio.com"), op.name
        for slot in slots:
            assert slot in op.arguments, (op.name, slot)
        path_args = set(slots[1:]) if slots[0] == "AccountSid" else set(slots)
        assert {a.name for a in op.arguments.values() if a.location == "path"} == path_args, op.name


def test_refs_follow_json_pointer_escapes() -> None:
    doc = fragment()
    doc["components"]["schemas"]["a/b~c"] = {"type": "object", "properties": {"x": {"type": "integer"}}}
    get = doc["paths"]["/Accounts/{AccountSid}/Things/{ThingSid}.json"]["get"]
    get["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/a~1b~0c"}
    # A parameter shared by reference to another path's parameter list (the path key holds slashes).
    delete = doc["paths"]["/Accounts/{AccountSid}/Things/{ThingSid}.json"]["delete"]
    delete["parameters"].append({"$ref": "#/paths/~1Accounts~1{AccountSid}~1Things~1{ThingSid}.json/get/parameters/3"})
    service = build_spec(doc)
    assert service.operation("getThing").response_schema == {"type": "object", "properties": {"x": {"type": "integer"}}}
    assert service.operation("deleteThing").arguments["Since<"].location == "query"


def test_dangling_ref_is_a_clear_error() -> None:
    doc = fragment()
    doc["paths"]["/Accounts/{AccountSid}/Things.json"]["post"]["parameters"] = [
        {"$ref": "#/components/parameters/Nope"}]
    with pytest.raises(ValueError, match="#/components/parameters/Nope"):
        build_spec(doc)
