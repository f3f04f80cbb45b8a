"""Pacing for proactive sends, so Teams never has to answer 429.

Teams limits each bot per conversation (7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour) and each app
per tenant (about 50 a second). Times here are monotonic seconds, passed in."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

CONVERSATION_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))


@dataclass(slots=True)
class SlidingWindows:
    """Several "at most N in T seconds" rules for one key, checked on the send times themselves.

    ``margin`` stretches each window a little, because a request's arrival at Teams jitters relative to
    the moment we sent it."""

    limits: tuple[tuple[float, int], ...] = CONVERSATION_LIMITS
    margin: float = 0.05
    _sent: deque[list[float]] = field(default_factory=deque)  # one mutable cell per send
    _blocked_until: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until one more send keeps every rule."""
        longest = max(window for window, _ in self.limits) * (1 + self.margin)
        while self._sent and self._sent[0][0] <= now - longest:
            self._sent.popleft()
        delay = max(0.0, self._blocked_until - now)
        for window, most in self.limits:
            span = window * (1 + self.margin)
            if len(self._sent) >= most:
                # The send `most` places back must leave the window before another may go.
                oldest_in_way = self._sent[-most][0]
                delay = max(delay, oldest_in_way + span - now)
        return delay

    def record(self, now: float) -> list[float]:
        """A send starts at ``now``; pass the returned cell to ``finished`` when its answer is in."""
        cell = [now]
        self._sent.append(cell)
        return cell

    @staticmethod
    def finished(cell: list[float], now: float) -> None:
        """The send's answer came at ``now``. Teams saw it somewhere between start and answer, so later
        sends are spaced from the answer: that bounds the arrival times, not just our send times."""
        cell[0] = now

    def block(self, until: float) -> None:
        """Teams said 429: nothing goes to this key before ``until``."""
        self._blocked_until = max(self._blocked_until, until)


@dataclass(slots=True)
class TokenBucket:
    """A steady rate with a small burst; reservations are handed out in order."""

    rate: float
    burst: float = 1.0
    _tokens: float = 1.0
    _at: float | None = None

    def reserve(self, now: float) -> float:
        """Take one token; returns how long to wait before using it."""
        if self._at is None:
            self._at, self._tokens = now, self.burst
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


@dataclass(slots=True)
class Pacer:
    """Per-conversation windows plus one bucket per tenant."""

    tenant_rate: float
    limits: tuple[tuple[float, int], ...] = CONVERSATION_LIMITS
    _conversations: dict[str, SlidingWindows] = field(default_factory=dict)
    _tenants: dict[str, TokenBucket] = field(default_factory=dict)

    def conversation(self, key: str) -> SlidingWindows:
        """The windows of one conversation."""
        windows = self._conversations.get(key)
        if windows is None:
            windows = self._conversations[key] = SlidingWindows(self.limits)
        return windows

    def tenant(self, tenant_id: str) -> TokenBucket:
        """The bucket of one tenant."""
        bucket = self._tenants.get(tenant_id)
        if bucket is None:
            bucket = self._tenants[tenant_id] = TokenBucket(self.tenant_rate)
        return bucket
