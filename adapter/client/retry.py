"""When a failed attempt is tried again: the policy is data (``x-retry-policy`` in the spec)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = ["Outcome", "RetryPolicy"]

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
    def from_spec(cls, data: dict[str, Any], **overrides: Any) -> "RetryPolicy":
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

    def with_changes(self, **overrides: Any) -> "RetryPolicy":
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
