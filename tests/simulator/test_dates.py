from __future__ import annotations

from datetime import datetime, timezone

import pytest

from adapter.simulator.dates import DateBound, format_rfc2822, parse_filter_date, parse_rfc2822


def test_format_rfc2822_matches_twilio_examples() -> None:
    assert format_rfc2822(datetime(2010, 8, 31, 20, 36, 28, tzinfo=timezone.utc).timestamp()) == (
        "Tue, 31 Aug 2010 20:36:28 +0000"
    )
    # Fractions are cut, never rounded up into the next second.
    assert format_rfc2822(1283286988.999) == "Tue, 31 Aug 2010 20:36:28 +0000"
    assert format_rfc2822(None) is None


def test_parse_rfc2822_round_trip() -> None:
    assert parse_rfc2822("Tue, 31 Aug 2010 20:36:28 +0000") == datetime(2010, 8, 31, 20, 36, 28, tzinfo=timezone.utc)
    assert parse_rfc2822(None) is None


@pytest.mark.parametrize(
    ("text", "moment", "day_only"),
    [
        ("2024-01-02", datetime(2024, 1, 2, tzinfo=timezone.utc), True),
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc), False),
        ("2024-01-02T03:04:05+02:00", datetime(2024, 1, 2, 1, 4, 5, tzinfo=timezone.utc), False),
        ("2019-06-11 22:05:25.000", datetime(2019, 6, 11, 22, 5, 25, tzinfo=timezone.utc), False),
        ("06/11/2019 22:05:25 MST", datetime(2019, 6, 12, 5, 5, 25, tzinfo=timezone.utc), False),
        ("06/11/2019", datetime(2019, 6, 11, tzinfo=timezone.utc), True),
        ("Wed, 19 Jun 2019 22:04:00 -0000", datetime(2019, 6, 19, 22, 4, tzinfo=timezone.utc), False),
    ],
)
def test_parse_filter_date_accepts_twilio_formats(text: str, moment: datetime, day_only: bool) -> None:
    assert parse_filter_date(text) == DateBound(moment, day_only)


@pytest.mark.parametrize("text", ["", "garbage", "2024-13-01", "06/11/2019 22:05:25 XYZ"])
def test_parse_filter_date_rejects_nonsense(text: str) -> None:
    assert parse_filter_date(text) is None


def test_day_bounds_are_inclusive_and_instant_bounds_precise() -> None:
    day = DateBound(datetime(2024, 1, 2, tzinfo=timezone.utc), day_only=True)
    late = datetime(2024, 1, 2, 23, 59, tzinfo=timezone.utc)
    assert day.matches(late, "=")
    assert day.matches(late, "<")  # "on or before" the day includes all of it
    assert day.matches(late, ">")
    assert not day.matches(datetime(2024, 1, 3, tzinfo=timezone.utc), "<")
    instant = DateBound(datetime(2024, 1, 2, 12, tzinfo=timezone.utc), day_only=False)
    assert not instant.matches(late, "<")
    assert instant.matches(late, ">")
    assert instant.matches(datetime(2024, 1, 2, 12, tzinfo=timezone.utc), "<")
    # Equality always compares calendar days, as Twilio documents for DateSent=.
    assert instant.matches(datetime(2024, 1, 2, 0, 5, tzinfo=timezone.utc), "=")


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01", "2024-05-02T08:00:01Z", "2024-05-02T08:00:01.5Z", "2024-05-01T23:59:59.999999+00:00",
        "06/11/2019 22:05:25 MST", "06/11/2019", "Wed, 01 May 2024 12:00:00 +0200", "1969-12-31T23:59:59.5Z",
    ],
)
def test_seconds_range_is_the_same_test_as_matches(text: str) -> None:
    # Lists compare whole epoch seconds against DateBound.seconds instead of building datetimes.
    bound = parse_filter_date(text)
    assert bound is not None
    base = bound.moment.timestamp()
    offsets = [d + f for d in (-86401, -86400, -86399, -3600, -2, -1, 0, 1, 2, 3600, 86399, 86400, 86401)
               for f in (-0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75)]
    for offset in offsets:
        epoch = base + offset
        rendered = parse_rfc2822(format_rfc2822(epoch))
        assert rendered is not None
        for op in "=<>":
            low, high = bound.seconds(op)
            assert bound.matches(rendered, op) == (low <= int(epoch) <= high), (text, offset, op)
