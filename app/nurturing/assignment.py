"""Who gets a lead: capacity-weighted round-robin among available reps, and routing rules to teams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from app.nurturing.calendar import require_aware


@dataclass(frozen=True, slots=True)
class Candidate:
    member_id: str
    team_id: str | None
    active: bool
    away_until: datetime | None
    capacity: int
    open_leads: int
    last_assigned_at: datetime | None
    name: str = ""  # display name or e-mail: a tie-break people can follow


def eligible(c: Candidate, now: datetime) -> bool:
    """Active, not away, and with room for one more lead."""
    require_aware(now)
    away = c.away_until is not None and c.away_until > now
    return c.active and not away and c.capacity > 0 and c.open_leads < c.capacity


def _order(c: Candidate) -> tuple[float, int, float, str, str]:
    # Lowest share of capacity first; then whoever waited longest (never assigned first); then the name,
    # so that a tie goes the same way every time and a team lead can say why. The id only separates
    # two members of the same name.
    waited = c.last_assigned_at.timestamp() if c.last_assigned_at else float("-inf")
    never = 0 if c.last_assigned_at is None else 1
    return (c.open_leads / c.capacity, never, waited, c.name.casefold(), c.member_id)


def pick_round_robin(candidates: Sequence[Candidate], now: datetime) -> Candidate | None:
    """The next owner, or None when nobody eligible has room."""
    pool = [c for c in candidates if eligible(c, now)]
    return min(pool, key=_order) if pool else None


def distribute(lead_ids: Sequence[str], candidates: Sequence[Candidate], now: datetime) -> dict[str, str]:
    """Lead id to member id for a batch; leads nobody has room for are left out.

    A lead listed twice is one lead: it takes one place in someone's capacity."""
    pool = {c.member_id: c for c in candidates}
    plan: dict[str, str] = {}
    for lead_id in dict.fromkeys(lead_ids):
        chosen = pick_round_robin(list(pool.values()), now)
        if chosen is None:
            break
        plan[lead_id] = chosen.member_id
        pool[chosen.member_id] = replace(chosen, open_leads=chosen.open_leads + 1, last_assigned_at=now)
    return plan


RoutingField = Literal["country", "industry", "source"]


@dataclass(frozen=True, slots=True)
class RoutingRule:
    id: str
    priority: int
    field: RoutingField
    values: frozenset[str]
    team_id: str


def route(rules: Sequence[RoutingRule], facts: Mapping[str, object]) -> RoutingRule | None:
    """The first rule (by priority, then id) whose field matches the lead, compared case-insensitively."""
    for rule in sorted(rules, key=lambda r: (r.priority, r.id)):
        value = facts.get(rule.field)
        if value is None:
            continue
        if str(value).strip().casefold() in {v.strip().casefold() for v in rule.values}:
            return rule
    return None


@dataclass(frozen=True, slots=True)
class RoutingFallback:
    """Where a lead goes when no routing rule matches it: one team (round-robin there) or one member."""

    team_id: str | None = None
    member_id: str | None = None

    def __post_init__(self) -> None:
        if (self.team_id is None) == (self.member_id is None):
            raise ValueError("a routing fallback names either a team or a member")
