"""The card sent when a new MQL waits too long for its first touch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from microsoft_teams.cards.core import CardElement

from cards import format as fmt
from cards.elements import (
    SHORT,
    badge,
    bullets,
    facts,
    finish,
    lead_facts,
    lead_header,
    open_in_tab,
    para,
    reason_lines,
    section,
    shown,
)
from cards.strings import text
from cards.views import SlaView


def sla_card(view: SlaView, locale: str, now: datetime) -> dict[str, Any]:
    """A nudge to the owner, or an escalation to the team lead when the nudge did not help."""
    del now  # hours_untouched is already measured in business hours by the caller
    lead = view.lead
    escalate = view.kind == "escalate"
    key = "sla.escalate" if escalate else "sla.nudge"
    title = text(locale, f"{key}.title")
    span = fmt.hours(view.hours_untouched, locale)
    owner = shown(view.owner_name or text(locale, "no_owner"), SHORT)
    badges = [badge("sla_badge", text(locale, "fact.overdue"), "attention" if escalate else "warning")]
    body: list[CardElement] = [
        lead_header(lead, badges, kicker=title),
        para(text(locale, f"{key}.intro", lead=shown(lead.name, SHORT), owner=owner, hours=span)),
        facts([(text(locale, "fact.untouched"), span), *lead_facts(lead, locale)]),
    ]
    drivers = reason_lines(lead.score.top_reasons, locale, 3)
    if drivers:
        body += [section(text(locale, "section.score")), bullets(drivers)]
    return finish(body, [open_in_tab(lead, locale)], fallback_text=title)
