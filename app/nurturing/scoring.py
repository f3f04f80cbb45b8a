"""Lead scoring: fit plus decaying engagement, minus negative signals, always with its explanation."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from app.nurturing.calendar import require_aware

FitOperator = Literal[
    "eq", "neq", "in", "not_in", "contains", "contains_any", "words_any", "gte", "lte", "exists"
]
NegativeSignal = Literal["unsubscribed", "bounced", "competitor", "student"]
Category = Literal["fit", "engagement"]


@dataclass(frozen=True, slots=True)
class FitRule:
    id: str
    label: str
    property: str
    operator: FitOperator
    value: Any
    points: int
    # Whole-word terms that void a match: "Assistant to the CTO" names the CTO but does not decide.
    unless: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BehaviourRule:
    id: str
    label: str
    event_kind: str
    points: int
    cap: int
    half_life_days: float
    property_filter: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Negative behaviour would make decay raise a score; negatives belong in NegativeRule.
        if self.points < 0 or self.cap < 0:
            raise ValueError("behaviour rules give points; use a negative rule to subtract")
        if self.half_life_days <= 0:
            raise ValueError("half-life must be positive")


@dataclass(frozen=True, slots=True)
class NegativeRule:
    id: str
    label: str
    signal: NegativeSignal
    points: int

    def __post_init__(self) -> None:
        if self.points > 0:
            raise ValueError("negative rules subtract points")


@dataclass(frozen=True, slots=True)
class ScoringModel:
    fit_rules: tuple[FitRule, ...]
    behaviour_rules: tuple[BehaviourRule, ...]
    negative_rules: tuple[NegativeRule, ...]
    competitor_domains: frozenset[str] = frozenset()
    student_domain_suffixes: tuple[str, ...] = (".edu", ".ac.uk", ".edu.au", ".ac.at", ".students.example")
    # Each part is bounded and together they make 0-100, the scale HubSpot and Marketo users read.
    fit_max: int = 50
    engagement_max: int = 50

    def __post_init__(self) -> None:
        if self.fit_max < 0 or self.engagement_max < 0 or self.fit_max + self.engagement_max > 100:
            raise ValueError("fit_max and engagement_max must be >= 0 and add up to at most 100")


@dataclass(frozen=True, slots=True)
class Signal:
    kind: str
    occurred_at: datetime
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LeadFacts:
    email: str
    properties: Mapping[str, object] = field(default_factory=dict)

    @property
    def domains(self) -> set[str]:
        """The e-mail domain and the company domain, lower-case."""
        found = {self.email.rpartition("@")[2].lower()} if "@" in self.email else set()
        company = self.properties.get("company_domain")
        if isinstance(company, str) and company:
            found.add(company.lower())
        return found


@dataclass(frozen=True, slots=True)
class Contribution:
    rule_id: str
    label: str
    category: Category
    points: int


@dataclass(frozen=True, slots=True)
class Score:
    fit: int
    engagement: int
    contributions: tuple[Contribution, ...]

    @property
    def total(self) -> int:
        """Fit plus engagement; equal to the sum of the contributions."""
        return self.fit + self.engagement

    def top(self, n: int = 3) -> tuple[Contribution, ...]:
        """The contributions that moved the score most, for cards."""
        return tuple(sorted(self.contributions, key=lambda c: (-abs(c.points), c.rule_id))[:n])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "fit": self.fit,
            "engagement": self.engagement,
            "contributions": [
                {"rule_id": c.rule_id, "label": c.label, "category": c.category, "points": c.points}
                for c in self.contributions
            ],
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Score:
        """The inverse of ``to_dict``."""
        return cls(
            fit=int(document["fit"]),
            engagement=int(document["engagement"]),
            contributions=tuple(Contribution(**c) for c in document["contributions"]),
        )


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return _parsed(value)
    return None


# Cached: every lead scored compares its country, industry and title with the same few rule values, and a
# failed float() raises, which costs more than the rest of a comparison.
@functools.lru_cache(maxsize=4096)
def _parsed(value: str) -> float | None:
    try:
        return float(value.strip())
    except ValueError:
        return None


def _text(value: object) -> str:
    if isinstance(value, str):
        return _folded(value)
    return str(value).strip().casefold()


@functools.lru_cache(maxsize=4096)
def _folded(value: str) -> str:
    return value.strip().casefold()


def _equal(actual: object, expected: object) -> bool:
    a, b = _number(actual), _number(expected)
    if a is not None and b is not None:
        return a == b
    return _text(actual) == _text(expected)


def _values(expected: object) -> list[object]:
    if isinstance(expected, list | tuple | set | frozenset):
        return list(expected)
    return [expected]


@functools.lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern[str]:
    # A leading "*" lets a term end a German compound: "*leiter" matches "Vertriebsleiter" and "Leiter".
    # Cached: a tenant has a handful of terms, and every lead scored matches them again.
    text = _text(term)
    body = r"\w*" + re.escape(text[1:]) if text.startswith("*") else re.escape(text)
    return re.compile(rf"(?<!\w){body}(?!\w)")


def matches_words(terms: object, value: object) -> bool:
    """Whether any term occurs in the value as whole words, ignoring case: "CTO" is not in "Director"."""
    text = _text(value)
    return any(_term_pattern(str(term)).search(text) for term in _values(terms) if str(term).strip())


def fit_rule_matches(rule: FitRule, properties: Mapping[str, object]) -> bool:
    """Whether the lead's property satisfies the rule; a missing property matches nothing."""
    actual = properties.get(rule.property)
    if actual is None or actual == "":
        return False
    if rule.unless and matches_words(rule.unless, actual):
        return False
    match rule.operator:
        case "exists":
            # 0 employees or a revenue of 0 is a known value; only an unset flag (False) is absent.
            return actual is not False
        case "eq":
            return _equal(actual, rule.value)
        case "neq":
            return not _equal(actual, rule.value)
        case "in":
            return any(_equal(actual, item) for item in _values(rule.value))
        case "not_in":
            return not any(_equal(actual, item) for item in _values(rule.value))
        case "contains":
            return _text(rule.value) in _text(actual)
        case "contains_any":
            return any(_text(item) in _text(actual) for item in _values(rule.value))
        case "words_any":
            return matches_words(rule.value, actual)
        case "gte" | "lte":
            a, b = _number(actual), _number(rule.value)
            if a is None or b is None:
                return False
            return a >= b if rule.operator == "gte" else a <= b
    return False


def _negative_applies(
    model: ScoringModel, rule: NegativeRule, facts: LeadFacts, signals: Sequence[Signal]
) -> bool:
    if rule.signal in ("unsubscribed", "bounced"):
        return bool(facts.properties.get(rule.signal)) or any(s.kind == rule.signal for s in signals)
    if rule.signal == "competitor":
        return bool(facts.domains & {d.lower() for d in model.competitor_domains})
    persona = _text(facts.properties.get("persona", ""))
    title = _text(facts.properties.get("title", ""))
    email_domain = facts.email.rpartition("@")[2].lower()
    return (
        persona == "student"
        or "student" in title
        or any(email_domain.endswith(suffix.lower()) for suffix in model.student_domain_suffixes)
    )


def _behaviour_points(rule: BehaviourRule, signals: Sequence[Signal], now: datetime) -> int:
    total = 0.0
    for signal in signals:
        if signal.kind != rule.event_kind:
            continue
        if any(signal.properties.get(key) != value for key, value in rule.property_filter.items()):
            continue
        age_days = max((now - signal.occurred_at) / timedelta(days=1), 0.0)
        total += rule.points * 0.5 ** (age_days / rule.half_life_days)
    # Flooring per rule keeps each contribution an integer, so the explanation adds up exactly.
    return math.floor(min(total, float(rule.cap)))


def _negative_category(negative: NegativeRule) -> Category:
    return "fit" if negative.signal in ("competitor", "student") else "engagement"


def _behaviour(model: ScoringModel, past: Sequence[Signal], now: datetime) -> list[Contribution]:
    # Each rule reads only its own kind of signal: grouped once, not scanned again per rule.
    by_kind: dict[str, list[Signal]] = {}
    for signal in past:
        by_kind.setdefault(signal.kind, []).append(signal)
    contributions: list[Contribution] = []
    for behaviour_rule in model.behaviour_rules:
        points = _behaviour_points(behaviour_rule, by_kind.get(behaviour_rule.event_kind, ()), now)
        if points:
            contributions.append(Contribution(behaviour_rule.id, behaviour_rule.label, "engagement", points))
    return contributions


def _past(signals: Sequence[Signal], now: datetime) -> list[Signal]:
    require_aware(now)
    return [signal for signal in signals if require_aware(signal.occurred_at) <= now]


def score_lead(model: ScoringModel, facts: LeadFacts, signals: Sequence[Signal], now: datetime) -> Score:
    """Score a lead as of ``now``; signals after ``now`` are ignored."""
    past = _past(signals, now)
    contributions: list[Contribution] = []
    for fit_rule in model.fit_rules:
        if fit_rule_matches(fit_rule, facts.properties) and fit_rule.points:
            contributions.append(Contribution(fit_rule.id, fit_rule.label, "fit", fit_rule.points))
    contributions.extend(_behaviour(model, past, now))
    for negative in model.negative_rules:
        if negative.points and _negative_applies(model, negative, facts, past):
            category = _negative_category(negative)
            contributions.append(Contribution(negative.id, negative.label, category, negative.points))
    fit = _bounded(contributions, "fit", model.fit_max)
    engagement = _bounded(contributions, "engagement", model.engagement_max)
    return Score(fit=fit, engagement=engagement, contributions=tuple(contributions))


def engagement_score(model: ScoringModel, facts: LeadFacts, signals: Sequence[Signal], now: datetime) -> int:
    """``score_lead(...).engagement`` without evaluating the fit rules, which it never depends on."""
    past = _past(signals, now)
    contributions = _behaviour(model, past, now)
    for negative in model.negative_rules:
        if (
            negative.points
            and _negative_category(negative) == "engagement"
            and _negative_applies(model, negative, facts, past)
        ):
            contributions.append(Contribution(negative.id, negative.label, "engagement", negative.points))
    return _bounded(contributions, "engagement", model.engagement_max)


_BOUND_LABELS = {
    ("fit", True): ("fit_cap", "fit capped at its maximum"),
    ("fit", False): ("fit_floor", "fit cannot fall below zero"),
    ("engagement", True): ("engagement_cap", "engagement capped at its maximum"),
    ("engagement", False): ("engagement_floor", "engagement cannot fall below zero"),
}


def _bounded(contributions: list[Contribution], category: Category, maximum: int) -> int:
    """Cap the points a part earns, then subtract its negatives and stop at zero.

    Capping before the negatives keeps a penalty meaningful for a lead far above the cap; each adjustment
    is itself a contribution, so the explanation still adds up exactly."""
    earned = sum(c.points for c in contributions if c.category == category and c.points > 0)
    lost = sum(c.points for c in contributions if c.category == category and c.points < 0)
    capped = min(earned, maximum)
    if capped != earned:
        rule_id, label = _BOUND_LABELS[(category, True)]
        contributions.append(Contribution(rule_id, label, category, capped - earned))
    value = max(capped + lost, 0)
    if value != capped + lost:
        rule_id, label = _BOUND_LABELS[(category, False)]
        contributions.append(Contribution(rule_id, label, category, value - (capped + lost)))
    return value


def engagement_trend(
    model: ScoringModel,
    facts: LeadFacts,
    signals: Sequence[Signal],
    now: datetime,
    window_days: float = 14,
    current: Score | None = None,
) -> float:
    """Engagement now minus engagement ``window_days`` ago; positive means rising.

    ``current`` is the lead's score as of ``now`` from the same model, facts and signals, when the caller
    has it already: scoring is the costly part, and a refresh scores every lead just before planning."""
    then = now - timedelta(days=window_days)
    current_engagement = (
        current.engagement if current is not None else engagement_score(model, facts, signals, now)
    )
    earlier = engagement_score(model, facts, [s for s in signals if s.occurred_at <= then], then)
    return float(current_engagement - earlier)


# Roles that influence a purchase, in English and German, matched as whole words (see ``matches_words``).
INFLUENCE_TITLES: tuple[str, ...] = (
    "chief",
    "ceo",
    "cto",
    "cio",
    "coo",
    "cfo",
    "cpo",
    "vp",
    "svp",
    "evp",
    "vice president",
    "president",
    "head",
    "head of",
    "director",
    "managing director",
    "owner",
    "founder",
    "partner",
    "procurement",
    "purchasing",
    "buyer",
    "geschäftsführer",
    "geschäftsführerin",
    "geschäftsleitung",
    "vorstand",
    "prokurist",
    "prokuristin",
    "inhaber",
    "inhaberin",
    "leiter",
    "leiterin",
    "*leiter",
    "*leiterin",
    "bereichsleiter",
    "einkauf",
    "einkäufer",
    "einkäuferin",
)
# Titles that name a role only to say the person assists it: "Assistant to the CTO" does not decide.
SUPPORTING_TITLES: tuple[str, ...] = (
    "assistant",
    "assistent",
    "assistentin",
    "intern",
    "praktikant",
    "praktikantin",
    "werkstudent",
    "werkstudentin",
    "trainee",
    "student",
)


def default_scoring_model() -> ScoringModel:
    """A B2B SaaS default: mid-size and large companies in DACH, UK and North America, decision makers."""
    fit = (
        FitRule("size_mid", "50+ employees", "employees", "gte", 50, 10),
        FitRule("size_large", "1,000+ employees", "employees", "gte", 1000, 5),
        FitRule(
            "icp_industry",
            "target industry",
            "industry",
            "in",
            ["manufacturing", "logistics", "energy", "automotive", "software", "finance", "healthcare"],
            15,
        ),
        FitRule(
            "icp_country", "served country", "country", "in", ["DE", "AT", "CH", "GB", "IE", "US", "CA"], 10
        ),
        FitRule(
            "decision_maker",
            "decision-making role",
            "title",
            "words_any",
            list(INFLUENCE_TITLES),
            10,
            unless=SUPPORTING_TITLES,
        ),
        FitRule(
            "buying_persona",
            "buying persona",
            "persona",
            "in",
            ["executive", "it_leader", "operations_leader", "procurement"],
            10,
        ),
        FitRule("warm_source", "warm source", "source", "in", ["referral", "trade_fair", "partner"], 5),
    )
    behaviour = (
        BehaviourRule("email_open", "opened e-mails", "email_open", 1, 5, 14),
        BehaviourRule("email_click", "clicked e-mail links", "email_click", 3, 9, 14),
        BehaviourRule("page_view", "visited the website", "page_view", 1, 5, 7),
        BehaviourRule("pricing_view", "visited pricing", "pricing_view", 10, 20, 14),
        BehaviourRule("content_download", "downloaded content", "content_download", 5, 15, 30),
        BehaviourRule("webinar", "attended a webinar", "webinar_attended", 8, 16, 30),
        BehaviourRule("demo_request", "requested a demo", "demo_request", 25, 25, 30),
        BehaviourRule("trial_signup", "started a trial", "trial_signup", 20, 20, 30),
        BehaviourRule("email_reply", "replied by e-mail", "email_reply", 15, 30, 21),
        BehaviourRule("chat_reply", "replied in chat", "chat_reply", 15, 30, 21),
        BehaviourRule("meeting_booked", "booked a meeting", "meeting_booked", 20, 20, 30),
        BehaviourRule("form_submit", "submitted a form", "form_submit", 5, 10, 30),
    )
    negative = (
        NegativeRule("unsubscribed", "unsubscribed", "unsubscribed", -30),
        NegativeRule("bounced", "e-mail bounced", "bounced", -20),
        NegativeRule("competitor", "works for a competitor", "competitor", -50),
        NegativeRule("student", "student", "student", -40),
    )
    return ScoringModel(fit_rules=fit, behaviour_rules=behaviour, negative_rules=negative)
