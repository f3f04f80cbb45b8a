"""Why the engine decided something, as a stable code plus plain parameters that cards can translate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ParamValue = str | int | float


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, stored with follow-ups and hand-offs."""
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Reason:
        """The inverse of ``to_dict``."""
        return cls(code=str(document["code"]), params=dict(document.get("params") or {}))


_ENGLISH: dict[str, str] = {
    "pricing_views": "visited pricing {count} times in the last {days} days",
    "pricing_viewed": "looked at pricing",
    "demo_requested": "requested a demo",
    "trial_started": "started a trial",
    "meeting_booked": "booked a meeting",
    "replied": "replied to us",
    "webinar_attended": "attended a webinar",
    "comparison_content": "read comparison or case-study content",
    "page_views": "viewed {count} pages in the last {days} days",
    "no_signals": "no buying signals yet",
    "contact_sales_form": "filled in the contact-sales form",
    "fit": "fits the ideal customer profile ({points} fit points)",
    "engagement": "is engaged ({points} engagement points)",
    "intent": "shows intent: {kind}",
    "cadence": "regular {stage} touch, every {days} days",
    "engagement_rising": "engagement is rising, so the next touch comes sooner",
    "engagement_falling": "engagement is falling, so we slow down and offer value",
    "no_reply_after": "no reply after {touches} touches: a helpful reminder, not the same message",
    "long_term_nurture": "no reply after {touches} touches: moved to long-term nurture",
    "reply_pull_forward": "the lead replied, so the next step comes sooner",
    "discovery_call": "hand-off accepted: book the discovery call",
    "stage_content": "fits the {stage} stage",
    "persona_match": "written for {persona}",
    "topic_match": "matches their interest in {topic}",
    "library_exhausted": "every fitting content item was already sent: a personal check-in",
    "call_decision": "they are deciding: a call answers timing and fit faster than mail",
    "call_after_reply": "they replied recently: keep the conversation going by phone",
    "sla_untouched": "new MQL untouched for {hours} business hours",
    "rep_override": "set by a rep",
    "rep_proposed": "proposed by the rep: {note}",
    "score_rule": "{label} ({points} points)",
    "score_threshold": "score reached the MQL threshold",
}


def describe_en(reason: Reason) -> str:
    """English text for a reason; an unknown code is shown as itself."""
    template = _ENGLISH.get(reason.code)
    if template is None:
        return reason.code
    try:
        return template.format(**reason.params)
    except (KeyError, IndexError, ValueError):
        return reason.code
