"""Routing, authentication and the error shapes that go with them."""

from __future__ import annotations

import requests
from werkzeug.test import Client as WsgiClient

from adapter.simulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, Clock, Simulator

from .conftest import Api
from .test_http_messages import error_of

OTHER_SID = "AC" + "b" * 32
OTHER_TOKEN = "c" * 32

AUTHENTICATE = {
    "code": 20003,
    "message": "Authenticate",
    "more_info": "https://www.twilio.com/docs/errors/20003",
    "status": 401,
}


def test_default_credentials() -> None:
    sim = Simulator()
    assert (sim.account_sid, sim.auth_token) == (TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
    assert TEST_ACCOUNT_SID.startswith("AC") and len(TEST_ACCOUNT_SID) == 34
    int(TEST_ACCOUNT_SID[2:], 16)
    assert len(TEST_AUTH_TOKEN) == 32
    int(TEST_AUTH_TOKEN, 16)


def test_missing_credentials(api: Api) -> None:
    response = requests.get(api.url("Messages.json"), timeout=10)
    assert response.status_code == 401
    assert response.json() == AUTHENTICATE
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_wrong_token(api: Api) -> None:
    response = Api(api.sim, auth=(api.account_sid, "0" * 32)).post("Messages.json", {"To": "+15558675310"})
    assert response.status_code == 401 and response.json() == AUTHENTICATE
    assert api.sim.store.list("messages", api.account_sid) == []


def test_unknown_username(api: Api) -> None:
    response = Api(api.sim, auth=("AC" + "9" * 32, api.sim.auth_token)).get("Messages.json")
    assert response.json() == AUTHENTICATE


def test_accounts_are_isolated(clock: Clock) -> None:
    accounts = {TEST_ACCOUNT_SID: TEST_AUTH_TOKEN, OTHER_SID: OTHER_TOKEN}
    with Simulator(accounts=accounts, clock=clock) as sim:
        mine, theirs = Api(sim), Api(sim, OTHER_SID)
        sid = mine.send_sms()["sid"]
        assert theirs.send_sms()["account_sid"] == OTHER_SID
        # Right credentials, wrong account in the path: Twilio says 20003, not 404.
        crossing = Api(sim, OTHER_SID, auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN))
        assert crossing.get("Messages.json").json() == AUTHENTICATE
        assert error_of(theirs.get(f"Messages/{sid}.json")) == (404, 20404)
        assert [m["sid"] for m in mine.get("Messages.json").json()["messages"]] == [sid]
        assert len(theirs.get("Messages.json").json()["messages"]) == 1


def test_api_key_authentication(sim: Simulator) -> None:
    key_sid, secret = sim.add_api_key()
    assert key_sid.startswith("SK") and len(key_sid) == 34
    with_key = Api(sim, auth=(key_sid, secret))
    assert with_key.send_sms()["account_sid"] == sim.account_sid
    assert sim.requests[-1].username == key_sid
    assert Api(sim, auth=(key_sid, "wrong")).get("Messages.json").status_code == 401


def test_api_key_only_opens_its_own_account(clock: Clock) -> None:
    accounts = {TEST_ACCOUNT_SID: TEST_AUTH_TOKEN, OTHER_SID: OTHER_TOKEN}
    with Simulator(accounts=accounts, clock=clock) as sim:
        key_sid, secret = sim.add_api_key(OTHER_SID)
        assert Api(sim, OTHER_SID, auth=(key_sid, secret)).get("Messages.json").status_code == 200
        assert Api(sim, TEST_ACCOUNT_SID, auth=(key_sid, secret)).get("Messages.json").json() == AUTHENTICATE


def test_unknown_paths_are_twilio_404s(api: Api) -> None:
    for path in (
        "/",
        "/2010-04-01/Accounts.json",
        f"/2010-04-01/Accounts/{api.account_sid}/Recordings.json",
        f"/2010-04-01/Accounts/{api.account_sid}/Messages",
        f"/2010-04-01/Accounts/{api.account_sid}/Messages/SM123/Feedback.json",
    ):
        response = api.get(path)
        assert error_of(response) == (404, 20404), path
        assert response.json()["message"] == f"The requested resource {path} was not found"


def test_unknown_sid_message_names_the_resource(api: Api) -> None:
    path = f"/2010-04-01/Accounts/{api.account_sid}/Calls/CA{'0' * 32}.json"
    response = api.get(path)
    assert response.status_code == 404
    assert response.json() == {
        "code": 20404,
        "message": f"The requested resource {path} was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }


def test_unsupported_methods(api: Api) -> None:
    sid = api.send_sms(MediaUrl=["https://example.com/a.png"])["sid"]
    assert error_of(api.post(f"Messages/{sid}/Media.json", {})) == (405, 20004)
    assert error_of(api.session.put(api.url("Calls.json"), auth=api.auth, timeout=10)) == (405, 20004)
    # Authentication still comes first.
    assert requests.put(api.url("Calls.json"), timeout=10).status_code == 401


def test_requests_are_recorded(api: Api) -> None:
    api.sim.clear_requests()
    api.send_sms(MediaUrl=["https://example.com/a.png", "https://example.com/b.png"])
    api.get("Messages.json", PageSize=5, To="+15558675310")
    requests.get(api.url("Messages.json"), timeout=10)
    recorded = api.sim.requests
    assert [(r.method, r.status, r.dropped) for r in recorded] == [("POST", 201, False), ("GET", 200, False), ("GET", 401, False)]
    post, listing, anonymous = recorded
    assert post.path == f"/2010-04-01/Accounts/{api.account_sid}/Messages.json"
    assert post.form["To"] == "+15558675310"
    assert post.form.getlist("MediaUrl") == ["https://example.com/a.png", "https://example.com/b.png"]
    assert post.username == api.account_sid
    assert listing.query == {"PageSize": "5", "To": "+15558675310"}
    assert anonymous.username is None
    api.sim.clear_requests()
    assert api.sim.requests == []


def test_wsgi_app_in_process(clock: Clock) -> None:
    sim = Simulator(clock=clock)  # never started: the WSGI app works on its own
    client = WsgiClient(sim.wsgi_app)
    path = f"/2010-04-01/Accounts/{sim.account_sid}/Messages.json"
    response = client.post(
        path, data={"To": "+15558675310", "From": "+15005550006", "Body": "in process"},
        auth=(sim.account_sid, sim.auth_token),
    )
    assert response.status_code == 201
    assert response.get_json()["body"] == "in process"
    assert client.get(path).status_code == 401
    assert [r.status for r in sim.requests] == [201, 401]
