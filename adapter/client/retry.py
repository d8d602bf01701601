"""When a failed attempt is tried again: the policy is data (``x-retry-policy`` in the spec)."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .errors import TwilioError

__all__ = ["AttemptFailed", "Attempts", "Outcome", "RetryPolicy"]

log = logging.getLogger("adapter")
_monotonic = time.monotonic

# What went wrong with one attempt. ``connect_failed`` means the request provably never reached the server
# (refused, DNS failure, connect timeout); ``connection_lost`` and ``read_timeout`` mean it may have.
# ``unusable`` (an oversized answer, a malformed URL) is never retried: asking again cannot help.
Outcome = Literal["status", "connect_failed", "connection_lost", "read_timeout", "unusable"]


@dataclass(frozen=True)
class RetryRule:
    when: Outcome
    methods: frozenset[str]
    statuses: frozenset[int] = frozenset()


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    total_seconds: float = 30.0
    backoff_initial: float = 0.25
    backoff_multiplier: float = 2.0
    backoff_max: float = 8.0
    jitter: str = "full"
    retry_after_max: float = 10.0
    rules: tuple[RetryRule, ...] = ()
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    @classmethod
    def from_spec(cls, data: dict[str, Any], **overrides: Any) -> RetryPolicy:
        rules = tuple(
            RetryRule(
                when=rule["when"],
                methods=frozenset(m.upper() for m in rule.get("methods", ())),
                statuses=frozenset(int(s) for s in rule.get("statuses", ())),
            )
            for rule in data.get("rules", ())
        )
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k not in ("rules", "rng")}
        policy = cls(rules=rules, **known)
        return policy.with_changes(**overrides)

    def with_changes(self, **overrides: Any) -> RetryPolicy:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def applies(self, method: str, outcome: Outcome, status: int | None = None) -> bool:
        for rule in self.rules:
            if rule.when == outcome and method in rule.methods:
                if outcome != "status" or status in rule.statuses:
                    return True
        return False

    def delay(self, retry_number: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number ``retry_number`` (1-based)."""
        hinted = _seconds(retry_after)
        if hinted is not None:
            return min(hinted, self.retry_after_max)
        ceiling = min(self.backoff_max, self.backoff_initial * self.backoff_multiplier ** (retry_number - 1))
        if self.jitter == "full":
            return self.rng.uniform(0, ceiling)
        return ceiling

    def next_delay(
        self, method: str, outcome: Outcome, *, status: int | None, retries_done: int, elapsed: float,
        retry_after: str | None = None,
    ) -> float | None:
        """The wait before trying again, or None when this failure is final."""
        if retries_done >= self.max_retries or not self.applies(method, outcome, status):
            return None
        wait = self.delay(retries_done + 1, retry_after)
        if elapsed + wait > self.total_seconds:
            return None
        return wait


def _seconds(value: str | None) -> float | None:
    # Twilio sends delta-seconds when it sends Retry-After at all; an HTTP date is treated as "no hint".
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 and seconds == seconds else None


class AttemptFailed(Exception):
    """One attempt that got no usable answer: what kind of failure it was (which decides whether it may be
    retried) and the error the caller gets if it is final. Each transport maps its HTTP library's
    exceptions to this, in one table."""

    def __init__(self, outcome: Outcome, error: TwilioError) -> None:
        super().__init__(error.error)
        self.outcome = outcome
        self.error = error


class Attempts:
    """The retry decisions for one request, the same for every transport: a transport makes an attempt,
    tells this what happened (:meth:`failed` or :meth:`answered`) and sleeps (blocking or not) for the wait
    it gets back, or stops."""

    __slots__ = ("policy", "request", "number", "deadline", "_started", "_attempt_started", "_uncertain")

    def __init__(self, policy: RetryPolicy, request: dict[str, Any], deadline: float | None = None) -> None:
        self.policy = policy
        self.request = request
        self.number = 0
        #: A monotonic time after which no attempt starts and no attempt waits longer (the caller's deadline).
        self.deadline = deadline
        self._started = self._attempt_started = _monotonic()
        # An earlier attempt may have been carried out although its answer was lost.
        self._uncertain = False

    def start(self) -> None:
        self.number += 1
        self._attempt_started = _monotonic()

    def timeout(self, configured: tuple[float, float]) -> tuple[float, float] | None:
        """The (connect, read) timeouts for the attempt just started: None (the configured ones) without a
        deadline, else cut to the time left. Raises a ``timeout`` error when no time is left."""
        if self.deadline is None:
            return None
        left = self.deadline - self._attempt_started
        if left <= 0:
            raise TwilioError("timeout", "No answer from Twilio before the caller's deadline",
                              operation=self.request["operation"], attempts=(self.number - 1) or None)
        return (min(configured[0], left), min(configured[1], left))

    def failed(self, failure: AttemptFailed) -> float:
        """The wait before the next attempt; raises the failure's error when it is final."""
        request = self.request
        now = _monotonic()
        log.debug(
            "%s %s %s -> %s in %.1f ms (attempt %d)", request["operation"], request["method"], request["path"],
            failure.outcome, (now - self._attempt_started) * 1000, self.number,
        )
        wait = self.policy.next_delay(
            request["method"], failure.outcome, status=None, retries_done=self.number - 1,
            elapsed=now - self._started,
        )
        if wait is not None and self.deadline is not None and now + wait >= self.deadline:
            wait = None  # no time for another attempt before the caller's deadline
        if wait is None:
            failure.error.attempts = self.number
            failure.error.operation = request["operation"]
            raise failure.error from failure.__cause__
        self._log_retry(failure.outcome, wait)
        self._uncertain = self._uncertain or failure.outcome in ("connection_lost", "read_timeout")
        return wait

    def answered(self, response: dict[str, Any]) -> float | None:
        """The wait before the next attempt, or None when ``response`` is final (``attempts`` is then set in
        it, and a DELETE answered 404 after a lost answer reads as done)."""
        request = self.request
        status = response["status"]
        now = _monotonic()
        log.debug(
            "%s %s %s -> %d in %.1f ms (attempt %d)", request["operation"], request["method"], request["path"],
            status, (now - self._attempt_started) * 1000, self.number,
        )
        if status >= 400:
            wait = self.policy.next_delay(
                request["method"], "status", status=status, retries_done=self.number - 1,
                elapsed=now - self._started, retry_after=response["headers"].get("Retry-After"),
            )
            if wait is not None and self.deadline is not None and now + wait >= self.deadline:
                wait = None  # no time for another attempt: this answer is the result
            if wait is not None:
                self._log_retry(f"HTTP {status}", wait)
                self._uncertain = self._uncertain or status >= 500  # a 429 was not processed; a 5xx may have been
                return wait
            if request["method"] == "DELETE" and self._uncertain and status == 404:
                # The resource is gone, most likely deleted by the attempt whose answer was lost: the caller
                # asked for exactly that, so a retry must not turn it into a "not found" error.
                log.warning(
                    "%s %s %s answered 404 after an earlier attempt that may have deleted it; treating it as "
                    "deleted", request["operation"], request["method"], request["path"],
                )
                response.update(status=204, reason="No Content", body=b"")
        response["attempts"] = self.number
        return None

    def _log_retry(self, what: str, wait: float) -> None:
        request = self.request
        log.warning(
            "%s %s %s failed (%s) on attempt %d; retrying in %.2f s",
            request["operation"], request["method"], request["path"], what, self.number, wait,
        )
