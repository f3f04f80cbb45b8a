"""Pacing for proactive sends, so Teams never has to answer 429.

Teams limits each bot per conversation (7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour) and each app
per tenant (about 50 a second). Teams counts arrivals, and we only know that a request arrived somewhere
between the moment we sent it and the moment its answer came; so every rule is kept on the answer times
of finished sends, and a send still in flight counts as inside every window. Times are monotonic
seconds, passed in."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

CONVERSATION_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
IN_FLIGHT_POLL = 0.01  # how soon to look again when the send in the way has not been answered yet


@dataclass(slots=True)
class Send:
    """One request: when it left, and when its answer came (None while in flight)."""

    started: float
    answered: float | None = None


@dataclass(slots=True)
class SlidingWindows:
    """Several "at most N in T seconds" rules for one key. ``margin`` stretches each window a little."""

    limits: tuple[tuple[float, int], ...] = CONVERSATION_LIMITS
    margin: float = 0.01  # answer times already bound arrivals; this only absorbs clock rounding
    _sends: deque[Send] = field(default_factory=deque)
    _blocked_until: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until one more send keeps every rule, whenever its request arrives."""
        longest = max(window for window, _ in self.limits) * (1 + self.margin)
        while self._sends:
            first = self._sends[0].answered
            if first is None or first > now - longest:
                break
            self._sends.popleft()
        delay = max(0.0, self._blocked_until - now)
        for window, most in self.limits:
            span = window * (1 + self.margin)
            # The sends that may still be inside this window when the new one arrives.
            inside = sorted(
                (s.answered for s in self._sends if s.answered is None or s.answered > now - span),
                key=lambda answered: float("inf") if answered is None else answered,
            )
            excess = len(inside) - (most - 1)
            if excess > 0:
                leaving = inside[excess - 1]  # once this one has left, enough room is free
                delay = max(delay, IN_FLIGHT_POLL if leaving is None else leaving + span - now)
        return delay

    def record(self, now: float) -> Send:
        """A send starts at ``now``; pass it to ``answered`` when the answer is in."""
        send = Send(started=now)
        self._sends.append(send)
        return send

    @staticmethod
    def answered(send: Send, now: float) -> None:
        """The answer to ``send`` came at ``now`` (success or failure alike)."""
        send.answered = now

    def block(self, until: float) -> None:
        """Teams said 429: nothing goes to this key before ``until``."""
        self._blocked_until = max(self._blocked_until, until)


@dataclass(slots=True)
class Pacer:
    """Per-conversation windows plus one per tenant."""

    tenant_rate: float
    limits: tuple[tuple[float, int], ...] = CONVERSATION_LIMITS
    _conversations: dict[str, SlidingWindows] = field(default_factory=dict)
    _tenants: dict[str, SlidingWindows] = field(default_factory=dict)

    def conversation(self, key: str) -> SlidingWindows:
        """The windows of one conversation."""
        windows = self._conversations.get(key)
        if windows is None:
            windows = self._conversations[key] = SlidingWindows(self.limits)
        return windows

    def tenant(self, tenant_id: str) -> SlidingWindows:
        """The one-second window of one tenant."""
        windows = self._tenants.get(tenant_id)
        if windows is None:
            windows = self._tenants[tenant_id] = SlidingWindows(((1.0, max(1, int(self.tenant_rate))),))
        return windows
