"""Fault injection so hosts can rehearse Twilio's bad days: latency, 429s, 503s, dropped sockets.

Random faults draw from one seedable ``random.Random``, so a test that fixes ``seed`` sees the same
sequence of failures on every run. ``drop_next``/``fail_next``/``throttle_next`` script exact
faults for the next requests when a test needs "the first attempt fails, the retry succeeds".
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import Enum

__all__ = ["Fault", "FaultInjector", "Verdict"]


class Fault(Enum):
    DROP = "drop"  # read the request, then close the connection without answering
    # Process the request (a message really is created), then close without answering: the
    # ambiguous failure that makes blind POST retries send duplicates.
    DROP_RESPONSE = "drop-response"
    FAIL = "fail"  # 503 with a Twilio error body
    THROTTLE = "throttle"  # 429 with Retry-After


@dataclass(frozen=True)
class Verdict:
    fault: Fault | None = None
    retry_after: int = 0


class FaultInjector:
    def __init__(
        self,
        latency_ms: float = 0,
        rate_limit: float | None = None,
        fail_rate: float = 0.0,
        drop_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        for name, rate in (("fail_rate", fail_rate), ("drop_rate", drop_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if rate_limit is not None and rate_limit <= 0:
            raise ValueError("rate_limit must be positive")
        if latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        self.latency_ms = latency_ms
        self.rate_limit = rate_limit
        self.fail_rate = fail_rate
        self.drop_rate = drop_rate
        # Whether random drops (drop_rate) happen after the request was processed rather than before.
        self.drop_after_processing = False
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._admitted: deque[float] = deque()
        self._scripted: deque[Fault] = deque()

    def drop_next(self, count: int = 1, *, after_processing: bool = False) -> None:
        self._script(Fault.DROP_RESPONSE if after_processing else Fault.DROP, count)

    def fail_next(self, count: int = 1) -> None:
        self._script(Fault.FAIL, count)

    def throttle_next(self, count: int = 1) -> None:
        self._script(Fault.THROTTLE, count)

    def _script(self, fault: Fault, count: int) -> None:
        with self._lock:
            self._scripted.extend([fault] * count)

    def delay(self) -> None:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000.0)

    def judge(self) -> Verdict:
        """Decide the fate of one incoming request (call once per request)."""
        with self._lock:
            if self._scripted:
                fault = self._scripted.popleft()
                return Verdict(fault, retry_after=1 if fault is Fault.THROTTLE else 0)
            if self.drop_rate and self._random.random() < self.drop_rate:
                return Verdict(Fault.DROP_RESPONSE if self.drop_after_processing else Fault.DROP)
            throttled = self._throttle()
            if throttled:
                return throttled
            if self.fail_rate and self._random.random() < self.fail_rate:
                return Verdict(Fault.FAIL)
            return Verdict()

    def _throttle(self) -> Verdict | None:
        # Sliding one-second window over admitted requests; a 429'd request is not admitted,
        # matching Twilio's promise that a throttled request was never processed.
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        while self._admitted and now - self._admitted[0] >= 1.0:
            self._admitted.popleft()
        if len(self._admitted) >= self.rate_limit:
            wait = 1.0 - (now - self._admitted[0])
            return Verdict(Fault.THROTTLE, retry_after=max(1, math.ceil(wait)))
        self._admitted.append(now)
        return None
