"""The simulator's notion of "now".

Resource lifecycles (a message going queued -> delivered, a call ringing then completing) are
derived from elapsed clock time whenever a resource is read, so tests that control the clock
control every status transition without sleeping or background threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

__all__ = ["Clock"]


def _to_epoch(when: datetime | float) -> float:
    if isinstance(when, datetime):
        if when.tzinfo is None:
            # Twilio speaks GMT only; a naive datetime is taken to already be UTC.
            when = when.replace(tzinfo=timezone.utc)
        return when.timestamp()
    return float(when)


class Clock:
    """Wall-clock time plus an adjustable offset, or a frozen instant under test control.

    ``Clock()`` follows real time (``advance`` still jumps it forward, handy for a human poking
    the CLI). ``Clock(start=...)`` is frozen: time only moves when the test calls ``advance`` or
    ``set``, which makes lifecycle assertions deterministic.
    """

    def __init__(self, start: datetime | float | None = None, *, frozen: bool | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen = start is not None if frozen is None else frozen
        self._base = _to_epoch(start) if start is not None else time.time()
        self._offset = 0.0
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every jump, pause or resume (the webhook worker waits on it)."""
        self._listeners.append(listener)

    def _moved(self) -> None:
        for listener in list(self._listeners):
            listener()

    @property
    def frozen(self) -> bool:
        return self._frozen

    def time(self) -> float:
        """Seconds since the epoch (UTC)."""
        with self._lock:
            base = self._base if self._frozen else time.time()
            return base + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            # Lifecycles assume time never runs backwards; a negative step would un-deliver SMS.
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        self._moved()

    def set(self, when: datetime | float) -> None:
        """Jump to an absolute instant (freezes the clock there)."""
        with self._lock:
            self._base = _to_epoch(when)
            self._offset = 0.0
            self._frozen = True
        self._moved()

    def pause(self) -> None:
        """Stop time where it is (a frozen clock stays frozen)."""
        with self._lock:
            if not self._frozen:
                self._base, self._offset, self._frozen = time.time() + self._offset, 0.0, True
        self._moved()

    def resume(self) -> None:
        """Let time run again from where it stands (a real-time clock keeps running)."""
        with self._lock:
            if self._frozen:
                self._offset = self._base + self._offset - time.time()
                self._frozen = False
        self._moved()

    def __repr__(self) -> str:
        mode = "frozen" if self._frozen else "real-time"
        return f"Clock({self.now().isoformat()}, {mode})"
