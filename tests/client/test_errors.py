"""TwilioError: a data-carrying exception with a stable dict form."""

from __future__ import annotations

import copy
import pickle

import pytest

from adapter import TwilioError
from adapter.client.errors import ERROR_STATUS


@pytest.mark.parametrize("kind, status", [("validation", 400), ("network", 503), ("timeout", 504), ("config", 500),
                                          ("api", 500)])
def test_default_status_per_type(kind: str, status: int) -> None:
    assert TwilioError(kind, "x").status == status  # type: ignore[arg-type]


def test_error_status_table() -> None:
    assert ERROR_STATUS == {"validation": 400, "network": 503, "timeout": 504, "config": 500}


def test_to_dict_has_the_three_keys_and_only_known_extras() -> None:
    assert TwilioError("network", "Could not connect").to_dict() == {
        "type": "network", "error": "Could not connect", "status": 503}
    full = TwilioError("api", "Bad To", status=400, code=21211, more_info="https://www.twilio.com/docs/errors/21211",
                       details={"f": 1}, operation="postMessage", attempts=2)
    assert full.to_dict() == {
        "type": "api", "error": "Bad To", "status": 400, "code": 21211,
        "more_info": "https://www.twilio.com/docs/errors/21211", "details": {"f": 1}, "operation": "postMessage",
        "attempts": 2,
    }
    assert list(full.to_dict())[:3] == ["type", "error", "status"]


def test_str_and_repr() -> None:
    error = TwilioError("api", "Authenticate", status=401, code=20003, details={"long": "x" * 50})
    assert str(error) == "Authenticate"
    assert repr(error) == "TwilioError(type='api', status=401, code=20003, error='Authenticate')"
    assert repr(TwilioError("timeout", "slow")) == "TwilioError(type='timeout', status=504, error='slow')"
    assert error.args == ("Authenticate",)


def test_is_an_exception() -> None:
    with pytest.raises(Exception, match="boom"):
        raise TwilioError("config", "boom")


@pytest.mark.parametrize("error", [
    TwilioError("validation", "getCall: invalid argument: CallSid is required",
                details=[{"field": "CallSid", "error": "is required"}], operation="getCall"),
    TwilioError("api", "Too Many Requests", status=429, code=20429, more_info="https://x", attempts=4),
    TwilioError("timeout", "Twilio did not answer in time", attempts=1, operation="listCall"),
    TwilioError("config", "No Twilio credentials"),
])
def test_pickle_and_copy_round_trip(error: TwilioError) -> None:
    for clone in (pickle.loads(pickle.dumps(error, protocol=p)) for p in range(2, pickle.HIGHEST_PROTOCOL + 1)):
        assert type(clone) is TwilioError
        assert clone.to_dict() == error.to_dict()
        assert str(clone) == str(error) and repr(clone) == repr(error)
    assert copy.deepcopy(error).to_dict() == error.to_dict()
    assert copy.copy(error).to_dict() == error.to_dict()
