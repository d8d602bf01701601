"""Rendered resources against Twilio's own schemas, plus the computed fields."""

from __future__ import annotations

import jsonschema
import pytest

from adapter.simulator import Record
from adapter.simulator.lifecycle import Timings, call_timeline, message_timeline
from adapter.simulator.resources import (
    call_resource,
    content_type_for,
    format_number,
    media_resource,
    message_resource,
    num_segments,
)

from .conftest import Schemas

ACCOUNT = "AC" + "a" * 32
T0 = 1_714_564_800.0  # Wed, 01 May 2024 12:00:00 +0000


def sms(**data: object) -> Record:
    base = {
        "to": "+15558675310", "from": "+15005550006", "body": "hi", "messaging_service_sid": None,
        "num_media": 0, "num_segments": 1, "price": "-0.00750", "timeline": message_timeline(Timings()),
    }
    return Record("messages", "SM" + "b" * 32, ACCOUNT, T0, {**base, **data}, seq=1)


def call(**data: object) -> Record:
    base = {
        "to": "+14158675309", "from": "+15005550006", "parent_call_sid": None,
        "phone_number_sid": "PN" + "c" * 32, "machine_detection": None, "timeline": call_timeline(Timings()),
    }
    return Record("calls", "CA" + "d" * 32, ACCOUNT, T0, {**base, **data}, seq=1)


@pytest.mark.parametrize("elapsed", [0, 0.5, 1.0, 2.0, 3600])
def test_message_matches_twilio_schema_at_every_stage(schemas: Schemas, elapsed: float) -> None:
    schemas.check("message", message_resource(sms(), T0 + elapsed))


@pytest.mark.parametrize("elapsed", [0, 1, 2, 5, 3600])
def test_call_matches_twilio_schema_at_every_stage(schemas: Schemas, elapsed: float) -> None:
    schemas.check("call", call_resource(call(), T0 + elapsed))


def test_media_matches_twilio_schema(schemas: Schemas) -> None:
    record = Record("media", "ME" + "e" * 32, ACCOUNT, T0, {"content_type": "image/png"}, parent_sid="SM" + "b" * 32)
    body = media_resource(record, T0)
    schemas.check("media", body)
    assert body["uri"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM{'b' * 32}/Media/ME{'e' * 32}.json"


def test_every_schema_property_is_rendered(schemas: Schemas) -> None:
    assert set(message_resource(sms(), T0)) == schemas.properties("message")
    assert set(call_resource(call(), T0)) == schemas.properties("call")


def test_schema_check_really_checks(schemas: Schemas) -> None:
    body = message_resource(sms(), T0)
    for broken in ({**body, "num_media": 0}, {**body, "date_created": "2024-05-01T12:00:00Z"}, {**body, "extra": 1}):
        with pytest.raises(jsonschema.ValidationError, match="."):
            schemas.check("message", broken)
    missing = dict(body)
    del missing["price"]
    with pytest.raises(jsonschema.ValidationError, match="price"):
        schemas.check("message", missing)


def test_message_lifecycle_fields() -> None:
    queued = message_resource(sms(), T0)
    assert (queued["status"], queued["price"], queued["price_unit"], queued["date_sent"]) == ("queued", None, None, None)
    assert queued["date_created"] == queued["date_updated"] == "Wed, 01 May 2024 12:00:00 +0000"
    assert queued["num_segments"] == "1" and queued["num_media"] == "0"
    assert queued["uri"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM{'b' * 32}.json"
    assert queued["subresource_uris"] == {
        "media": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM{'b' * 32}/Media.json",
        "feedback": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM{'b' * 32}/Feedback.json",
    }
    sent = message_resource(sms(), T0 + 1.2)
    assert sent["status"] == "sent" and sent["price"] is None
    assert sent["date_sent"] == "Wed, 01 May 2024 12:00:01 +0000"
    delivered = message_resource(sms(), T0 + 2)
    assert (delivered["status"], delivered["price"], delivered["price_unit"]) == ("delivered", "-0.00750", "USD")
    assert delivered["date_updated"] == "Wed, 01 May 2024 12:00:02 +0000"
    assert delivered["date_sent"] == "Wed, 01 May 2024 12:00:01 +0000"
    assert delivered["error_code"] is None


def test_messaging_service_reports_zero_segments_until_a_sender_is_chosen() -> None:
    record = sms(**{"from": None, "messaging_service_sid": "MG" + "f" * 32,
                    "timeline": message_timeline(Timings(), via_service=True)})
    assert message_resource(record, T0)["status"] == "accepted"
    assert message_resource(record, T0)["num_segments"] == "0"
    assert message_resource(record, T0 + 0.5)["num_segments"] == "1"


def test_call_lifecycle_fields() -> None:
    queued = call_resource(call(), T0)
    assert queued["status"] == "queued"
    assert (queued["start_time"], queued["end_time"], queued["duration"], queued["price"]) == (None, None, None, None)
    assert queued["to_formatted"] == "(415) 867-5309"
    assert queued["direction"] == "outbound-api" and queued["api_version"] == "2010-04-01"
    assert set(queued["subresource_uris"]) == {
        "events", "notifications", "payments", "recordings", "siprec", "streams", "transcriptions",
        "user_defined_message_subscriptions", "user_defined_messages",
    }
    assert queued["subresource_uris"]["recordings"] == f"/2010-04-01/Accounts/{ACCOUNT}/Calls/CA{'d' * 32}/Recordings.json"
    ringing = call_resource(call(), T0 + 1)
    assert ringing["status"] == "ringing"
    assert ringing["start_time"] == "Wed, 01 May 2024 12:00:01 +0000" and ringing["queue_time"] == "1000"
    done = call_resource(call(), T0 + 5)
    assert done["status"] == "completed"
    assert done["end_time"] == "Wed, 01 May 2024 12:00:05 +0000"
    assert (done["duration"], done["price"], done["price_unit"]) == ("4", "-0.01300", "USD")


def test_answered_by_only_with_machine_detection() -> None:
    assert call_resource(call(), T0 + 3)["answered_by"] is None
    assert call_resource(call(machine_detection="Enable"), T0 + 1)["answered_by"] is None
    assert call_resource(call(machine_detection="Enable"), T0 + 3)["answered_by"] == "human"


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension-table characters cost two septets
        ("€" * 81, 2),
        ("é" * 160, 1),  # in the GSM basic alphabet
        ("ж" * 70, 1),  # outside GSM: UCS-2
        ("ж" * 71, 2),
        ("ж" * 134, 2),
        ("ж" * 135, 3),
        ("👍" * 35, 1),  # two UTF-16 code units each
        ("👍" * 36, 2),
    ],
)
def test_num_segments(body: str, segments: int) -> None:
    assert num_segments(body) == segments


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("https://example.com/cat.jpg", "image/jpeg"),
        ("https://example.com/cat.JPEG?size=2", "image/jpeg"),
        ("https://example.com/a/b.png", "image/png"),
        ("https://example.com/anim.gif", "image/gif"),
        ("https://example.com/doc.pdf", "application/pdf"),
        ("https://example.com/clip.mp4", "video/mp4"),
        ("https://example.com/card.vcf", "text/vcard"),
        ("https://example.com/media/12345", "application/octet-stream"),
        ("https://example.com/file.unknownext", "application/octet-stream"),
    ],
)
def test_content_type_guess(url: str, content_type: str) -> None:
    assert content_type_for(url) == content_type


def test_format_number() -> None:
    assert format_number("+13051416799") == "(305) 141-6799"
    assert format_number("+442071838750") == "+442071838750"
    assert format_number("client:alice") == "client:alice"
    assert format_number(None) is None


@pytest.mark.parametrize(
    "record",
    [
        sms(),
        sms(timeline=message_timeline(Timings(), via_service=True)),
        sms(timeline=message_timeline(Timings(), via_service=True, send_after=3600.25)),
        call(),
        call(timeline=call_timeline(Timings(call_ringing=0.75, call_in_progress=61.5))),
        Record("media", "ME" + "e" * 32, ACCOUNT, T0 + 0.6, {"content_type": "image/png", "url": "u"}, "SM" + "b" * 32, 2),
    ],
    ids=["sms", "service", "scheduled", "call", "long-call", "media"],
)
def test_probes_agree_with_the_rendered_resource(record: Record) -> None:
    # Lists filter on probes without rendering; a probe that drifted from its renderer would make a
    # filter disagree with the very resource it returns.
    from adapter.simulator.dates import parse_rfc2822
    from adapter.simulator.service import KINDS

    kind = KINDS[record.kind]
    for elapsed in (0, 0.25, 0.5, 0.99, 1.0, 1.5, 2.0, 2.5, 4.9, 5.0, 62.5, 3600, 3600.3, 3602.5, 86400):
        now = record.created + elapsed
        rendered = kind.render(record, now)
        for flt in kind.filters:
            if flt.probe is None:
                assert record.data[flt.field] == rendered[flt.field], flt
            elif flt.dated:
                epoch = flt.probe(record, now)
                shown = parse_rfc2822(rendered[flt.field])
                assert (None if epoch is None else int(epoch)) == (None if shown is None else int(shown.timestamp())), (flt, elapsed)
            else:
                assert flt.probe(record, now) == rendered[flt.field], (flt, elapsed)
