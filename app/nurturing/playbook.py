"""The playbook: the next touchpoint and the content that fits the lead's stage, persona and topics."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from app.nurturing.calendar import require_aware
from app.nurturing.enums import BuyerStage, EventKind, TouchpointKind
from app.nurturing.reasons import Reason
from app.nurturing.scoring import Signal

ContentKind = Literal[
    "article",
    "guide",
    "checklist",
    "case_study",
    "comparison",
    "webinar",
    "pricing",
    "demo",
    "roi_calculator",
    "video",
]
# Selling too early is the classic nurturing mistake: these never go to a lead still in awareness.
SALES_PUSH_KINDS: frozenset[str] = frozenset({"pricing", "demo"})
RECENT = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ContentItem:
    id: str
    title: str
    url: str
    kind: ContentKind
    stages: frozenset[BuyerStage]
    personas: frozenset[str] = frozenset()  # empty: for anyone
    topics: frozenset[str] = frozenset()
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Suggestion:
    channel: TouchpointKind
    content: ContentItem | None
    reasons: tuple[Reason, ...]


def _allowed(
    item: ContentItem, stage: BuyerStage, persona: str | None, already_sent: Collection[str]
) -> bool:
    if stage not in item.stages or item.id in already_sent:
        return False
    if stage is BuyerStage.AWARENESS and item.kind in SALES_PUSH_KINDS:
        return False
    if not item.personas:
        return True
    wanted = persona.strip().casefold() if persona else None
    return wanted is not None and wanted in {p.casefold() for p in item.personas}


# English is the fallback every B2B buyer here reads; content in a third language is never suggested.
FALLBACK_LANGUAGE = "en"


def _language(code: str | None) -> str:
    return (code or FALLBACK_LANGUAGE).split("-")[0].strip().casefold() or FALLBACK_LANGUAGE


def suggest_touchpoint(
    library: Sequence[ContentItem],
    *,
    stage: BuyerStage,
    persona: str | None,
    topics: Collection[str],
    already_sent: Collection[str],
    signals: Sequence[Signal],
    now: datetime,
    language: str = "en",
    mail_allowed: bool = True,
) -> Suggestion:
    """Pick the channel and the best unsent content item in the lead's language, and say why."""
    require_aware(now)
    recent = [s for s in signals if timedelta() <= now - s.occurred_at <= RECENT]
    reasons: list[Reason] = []
    pricing = sum(1 for s in recent if s.kind == EventKind.PRICING_VIEW)
    if pricing:
        reasons.append(Reason("pricing_views", {"count": pricing, "days": RECENT.days}))
    replied = any(s.kind in (EventKind.EMAIL_REPLY, EventKind.CHAT_REPLY) for s in recent)
    if stage is BuyerStage.DECISION:
        channel = TouchpointKind.CALL
        reasons.append(Reason("call_decision"))
    elif replied:
        channel = TouchpointKind.CALL
        reasons.append(Reason("call_after_reply"))
    elif not mail_allowed:
        # Unsubscribed: no marketing mail, ever; a call keeps the relationship without it.
        channel = TouchpointKind.CALL
        reasons.append(Reason("no_marketing_mail"))
    else:
        channel = TouchpointKind.MAIL

    lead_language = _language(language)
    readable = {lead_language, FALLBACK_LANGUAGE}
    wanted = {topic.casefold() for topic in topics}
    fitting = [item for item in library if _allowed(item, stage, persona, already_sent)]
    candidates = [item for item in fitting if _language(item.language) in readable]
    if not candidates:
        if fitting:
            # Content exists, just not in a language the lead reads: say so rather than send it.
            return Suggestion(
                channel, None, (*reasons, Reason("no_content_in_language", {"language": lead_language}))
            )
        return Suggestion(channel, None, (*reasons, Reason("library_exhausted")))

    def rank(item: ContentItem) -> tuple[int, int, int, str]:
        overlap = len({t.casefold() for t in item.topics} & wanted)
        return (int(_language(item.language) != lead_language), -overlap, -int(bool(item.personas)), item.id)

    best = min(candidates, key=rank)
    reasons.append(Reason("stage_content", {"stage": stage.value}))
    if _language(best.language) != lead_language:
        reasons.append(Reason("content_in_english", {"language": lead_language}))
    matched = sorted(t for t in best.topics if t.casefold() in wanted)
    if matched:
        reasons.append(Reason("topic_match", {"topic": matched[0]}))
    if best.personas and persona:
        reasons.append(Reason("persona_match", {"persona": persona}))
    return Suggestion(channel, best, tuple(reasons))


def default_content_library() -> tuple[ContentItem, ...]:
    """A starter library for a B2B software vendor, across the three stages."""
    A, E, D = BuyerStage.AWARENESS, BuyerStage.EVALUATION, BuyerStage.DECISION
    base = "https://example.com/resources"
    return (
        ContentItem(
            "guide-downtime",
            "Five causes of unplanned downtime",
            f"{base}/downtime-guide",
            "guide",
            frozenset({A}),
            topics=frozenset({"maintenance", "downtime"}),
        ),
        ContentItem(
            "checklist-digital",
            "Digitalisation readiness checklist",
            f"{base}/readiness-checklist",
            "checklist",
            frozenset({A}),
            topics=frozenset({"digitalisation"}),
        ),
        ContentItem(
            "article-oee",
            "How to measure OEE honestly",
            f"{base}/oee",
            "article",
            frozenset({A, E}),
            topics=frozenset({"oee", "production"}),
        ),
        ContentItem(
            "video-ops",
            "A day on a connected shop floor",
            f"{base}/shop-floor-video",
            "video",
            frozenset({A}),
            personas=frozenset({"operations_leader"}),
            topics=frozenset({"production"}),
        ),
        ContentItem(
            "webinar-predictive",
            "Webinar: predictive maintenance in practice",
            f"{base}/webinar-pm",
            "webinar",
            frozenset({A, E}),
            topics=frozenset({"maintenance"}),
        ),
        ContentItem(
            "leitfaden-iot",
            "Leitfaden: IIoT in der Fertigung",
            f"{base}/de/iiot-leitfaden",
            "guide",
            frozenset({A}),
            topics=frozenset({"digitalisation", "production"}),
            language="de",
        ),
        ContentItem(
            "case-automotive",
            "Case study: 23% less downtime at a tier-1 supplier",
            f"{base}/case-auto",
            "case_study",
            frozenset({E}),
            topics=frozenset({"maintenance", "automotive"}),
        ),
        ContentItem(
            "case-logistics",
            "Case study: real-time fleet visibility",
            f"{base}/case-logistics",
            "case_study",
            frozenset({E}),
            topics=frozenset({"logistics", "tracking"}),
        ),
        ContentItem(
            "comparison-build-buy",
            "Build or buy: an honest comparison",
            f"{base}/build-vs-buy",
            "comparison",
            frozenset({E}),
            personas=frozenset({"it_leader"}),
            topics=frozenset({"integration"}),
        ),
        ContentItem(
            "security-whitepaper",
            "Security and data residency whitepaper",
            f"{base}/security",
            "guide",
            frozenset({E, D}),
            personas=frozenset({"it_leader"}),
            topics=frozenset({"security"}),
        ),
        ContentItem(
            "roi-calculator",
            "ROI calculator",
            f"{base}/roi",
            "roi_calculator",
            frozenset({E, D}),
            personas=frozenset({"executive", "procurement"}),
        ),
        ContentItem(
            "fallstudie-maschinenbau",
            "Fallstudie: Maschinenbau senkt Stillstand",
            f"{base}/de/fallstudie",
            "case_study",
            frozenset({E}),
            topics=frozenset({"maintenance"}),
            language="de",
        ),
        ContentItem(
            "pricing-overview", "Pricing and packages", f"{base}/pricing", "pricing", frozenset({E, D})
        ),
        ContentItem("demo-booking", "Book a tailored demo", f"{base}/demo", "demo", frozenset({E, D})),
        ContentItem(
            "rollout-plan",
            "A 90-day rollout plan",
            f"{base}/rollout-plan",
            "guide",
            frozenset({D}),
            topics=frozenset({"integration", "rollout"}),
        ),
        ContentItem(
            "reference-call",
            "Talk to a reference customer",
            f"{base}/references",
            "case_study",
            frozenset({D}),
        ),
    )
