"""Date handling shared by resources (RFC 2822 output) and list filters (lenient input)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime

__all__ = ["DateBound", "format_iso", "format_rfc2822", "parse_filter_date", "parse_rfc2822"]

# Twilio's own examples filter with "06/11/2019 22:05:25 MST"; only the US zone abbreviations
# have a single unambiguous meaning, so those are the ones understood.
_ZONES: dict[str, int] = {
    "UTC": 0, "GMT": 0, "Z": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US_STYLE = re.compile(
    r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
    r"(?:\s+(?P<tz>[A-Za-z]{1,4}))?$"
)


def format_rfc2822(epoch: float | None) -> str | None:
    """``Tue, 31 Aug 2010 20:36:28 +0000`` (whole seconds, GMT), or None."""
    if epoch is None:
        return None
    moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return format_datetime(moment)


def format_iso(epoch: float, *, millis: bool = False) -> str:
    """``2015-07-30T20:00:00Z`` as the v2 APIs (Verify, Lookup) write dates; ``millis`` adds ``.000``."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc2822(text: str | None) -> datetime | None:
    if not text:
        return None
    return parsedate_to_datetime(text)


@dataclass(frozen=True)
class DateBound:
    """A filter operand: an instant, and whether the caller named only a calendar day.

    Twilio documents ``DateSent=YYYY-MM-DD`` as "sent on that day" and ``DateSent<=`` /
    ``DateSent>=`` as inclusive day bounds; when a full timestamp is given, the bounds compare
    instants instead.
    """

    moment: datetime
    day_only: bool

    def matches(self, value: datetime, op: str) -> bool:
        if op == "=" or self.day_only:
            left: date | datetime = value.date()
            right: date | datetime = self.moment.date()
        else:
            left, right = value, self.moment
        if op == "=":
            return left == right
        if op == "<":
            return left <= right
        return left >= right

    def seconds(self, op: str) -> tuple[float, float]:
        """The same test as ``matches`` as an inclusive range of whole epoch seconds: a resource date
        rendered from epoch ``e`` (RFC 2822 keeps ``int(e)``) matches iff ``lo <= int(e) <= hi``.

        Lists test this against every stored record, which is far cheaper than building a datetime
        for each."""
        if op == "=" or self.day_only:
            day = self.moment.date()
            first = (datetime(day.year, day.month, day.day, tzinfo=timezone.utc) - _EPOCH).days * 86400
            last = first + 86399
            if op == "=":
                return first, last
            return (-math.inf, last) if op == "<" else (first, math.inf)
        since = self.moment - _EPOCH  # exact: no float rounding of microseconds
        floor = since.days * 86400 + since.seconds
        if op == "<":  # value <= moment
            return -math.inf, floor
        return floor + (1 if since.microseconds else 0), math.inf  # value >= moment


def parse_filter_date(text: str) -> DateBound | None:
    """Parse the date formats Twilio accepts in list filters; None when unrecognised."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            return None
        return DateBound(day, day_only=True)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        moment = None
    if moment is None:
        us_style = _parse_us_style(text)
        if us_style is not None:
            return us_style
    if moment is None:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return DateBound(moment.astimezone(timezone.utc), day_only=False)


def _parse_us_style(text: str) -> DateBound | None:
    found = _US_STYLE.match(text)
    if not found:
        return None
    zone = (found["tz"] or "UTC").upper()
    if zone not in _ZONES:
        return None
    try:
        moment = datetime(
            int(found["y"]), int(found["m"]), int(found["d"]),
            int(found["H"] or 0), int(found["M"] or 0), int(found["S"] or 0),
            tzinfo=timezone(timedelta(hours=_ZONES[zone])),
        )
    except ValueError:
        return None
    return DateBound(moment.astimezone(timezone.utc), day_only=found["H"] is None)
