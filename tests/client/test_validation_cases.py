"""The table of validation cases in cases/validation.yaml, run through Dispatcher.call with HTTP stubbed."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tests.wire import WireMock

from adapter import Dispatcher, TwilioError
from adapter.client.spec import default_spec

from .support import fixture, load_cases

CASES: list[dict[str, Any]] = load_cases("validation.yaml")
SAMPLES: dict[str, dict[str, Any]] = load_cases("operations.yaml")


def test_case_table_is_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    for case in CASES:
        assert case["op"] in default_spec().operations, case["id"]
        assert ("ok" in case) != ("invalid" in case), case["id"]
        if "invalid" in case:
            assert case["invalid"] and case["message"], case["id"]
    # The table covers every operation that takes arguments beyond the credentials.
    assert {c["op"] for c in CASES} >= {"createCall", "postMessage", "listCall", "listMessage", "listMedia",
                                         "getCall", "getMessage", "getMedia", "deleteCall", "deleteMessage",
                                         "deleteMedia"}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_validation_case(dispatcher: Dispatcher, mocked: WireMock, case: dict[str, Any]) -> None:
    sample = SAMPLES[case["op"]]
    body = json.dumps(fixture(sample["fixture"])) if sample["fixture"] else ""
    mocked.add(sample["method"], re.compile("/.*"), body=body, status=sample["status"])

    if case.get("ok"):
        dispatcher.call(case["op"], case["args"])
        assert len(mocked.calls) == 1
        return

    with pytest.raises(TwilioError) as info:
        dispatcher.call(case["op"], case["args"])
    error = info.value
    assert len(mocked.calls) == 0, "an invalid call must send nothing"
    assert error.type == "validation"
    assert error.status == 400
    assert error.operation == case["op"]
    assert sorted(d["field"] for d in error.details) == sorted(case["invalid"])
    assert case["message"] in str(error)
    assert str(error).startswith(case["op"] + ": ")
    assert error.to_dict()["details"] == error.details
