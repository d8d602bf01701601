"""The service layer directly, without HTTP: the same semantics on either store."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from werkzeug.datastructures import MultiDict

from adapter.simulator import Clock, MemoryStore, SqliteStore, Store, Timings, TwilioError
from adapter.simulator.service import KINDS, Service

from .conftest import Schemas

ACCOUNT = "AC" + "a" * 32
BASE = f"/2010-04-01/Accounts/{ACCOUNT}"


@pytest.fixture(params=["memory", "sqlite"])
def service(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Service]:
    store: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")
    yield Service(store, clock, Timings())
    store.close()


def sms(**fields: str | list[str]) -> MultiDict[str, str]:
    form: MultiDict[str, str] = MultiDict({"To": "+15558675310", "From": "+15005550006", "Body": "hi"})
    for key, value in fields.items():
        form.setlist(key, value if isinstance(value, list) else [value])
    return form


def test_kinds_table_matches_twilio_list_keys() -> None:
    assert {k.name: (k.collection, k.items_key) for k in KINDS.values()} == {
        "calls": ("Calls", "calls"),
        "messages": ("Messages", "messages"),
        "media": ("Media", "media_list"),
    }


def test_create_list_delete_round_trip(service: Service, clock: Clock, schemas: Schemas) -> None:
    message = service.create("messages", ACCOUNT, sms(MediaUrl=["https://example.com/a.png", "https://example.com/b"]))
    schemas.check("message", message)
    listing = service.list("messages", ACCOUNT, {}, f"{BASE}/Messages.json")
    schemas.check("messages", listing)
    assert [m["sid"] for m in listing["messages"]] == [message["sid"]]
    media_path = f"{BASE}/Messages/{message['sid']}/Media.json"
    media = service.list("media", ACCOUNT, {}, media_path, message["sid"])["media_list"]
    assert sorted(m["content_type"] for m in media) == ["application/octet-stream", "image/png"]
    with pytest.raises(TwilioError) as caught:
        service.delete("messages", ACCOUNT, message["sid"], "/x")
    assert (caught.value.code, caught.value.status) == (20009, 400)
    clock.advance(2)
    service.delete("messages", ACCOUNT, message["sid"], "/x")
    with pytest.raises(TwilioError) as gone:
        service.list("media", ACCOUNT, {}, media_path, message["sid"])
    assert (gone.value.code, gone.value.status, gone.value.message) == (
        20404, 404, f"The requested resource {media_path} was not found"
    )


def test_media_cannot_be_created(service: Service) -> None:
    with pytest.raises(TwilioError) as caught:
        service.create("media", ACCOUNT, sms())
    assert (caught.value.code, caught.value.status) == (20004, 405)


def test_other_accounts_resources_are_invisible(service: Service) -> None:
    sid = service.create("calls", ACCOUNT, MultiDict({"To": "+15558675310", "From": "+15005550006", "Twiml": "<Response/>"}))["sid"]
    with pytest.raises(TwilioError) as caught:
        service.fetch("calls", "AC" + "b" * 32, sid, "/x")
    assert caught.value.code == 20404
    assert service.list("calls", "AC" + "b" * 32, {}, "/x")["calls"] == []


def test_validation_errors_store_nothing(service: Service) -> None:
    with pytest.raises(TwilioError) as caught:
        service.create("messages", ACCOUNT, sms(To="+15005550004"))
    assert caught.value.code == 21610
    assert service.list("messages", ACCOUNT, {}, "/x")["messages"] == []
