"""The lead card (`lead <name>`) and the list shown when a search finds none or several leads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from microsoft_teams.cards.core import Action, CardElement, TextBlock

from cards import contract, markdown
from cards import format as fmt
from cards.elements import (
    SHORT,
    bullets,
    clip,
    execute,
    facts,
    finish,
    heading,
    lead_data,
    lead_facts,
    lead_header,
    open_in_tab,
    para,
    reason_lines,
    section,
    shown,
)
from cards.follow_up import exchange_block, is_closed
from cards.strings import label, text
from cards.views import ExchangeView, FollowUpView, LeadView

RECENT_LIMIT = 5
MATCH_LIMIT = 10


def lead_card(
    lead: LeadView, follow_up: FollowUpView | None, recent: Sequence[ExchangeView], locale: str, now: datetime
) -> dict[str, Any]:
    """One lead at a glance: score and why, the next follow-up, and the latest conversation."""
    body: list[CardElement] = [
        lead_header(lead),
        facts([(text(locale, "fact.email"), shown(lead.email, SHORT)), *lead_facts(lead, locale)]),
    ]
    drivers = reason_lines(lead.score.top_reasons, locale, 3)
    if drivers:
        body += [section(text(locale, "section.score")), bullets(drivers)]
    body.append(section(text(locale, "section.next_follow_up")))
    actions: list[Action] = []
    if follow_up is not None and not is_closed(follow_up):
        due = fmt.day_time(follow_up.due_at, follow_up.time_zone, locale)
        why = reason_lines(follow_up.why_now, locale, 1)
        line = f"**{due}**" + (f" · {why[0]}" if why else "")
        if follow_up.overdue:
            line += f" · {text(locale, 'badge.overdue')}"
        body.append(para(line, spacing=True))
        data = lead_data(lead, **{contract.DATA_FOLLOW_UP_ID: follow_up.id})
        actions.append(execute(text(locale, "btn.open_follow_up"), contract.FOLLOW_UP_SHOW, data))
    else:
        body.append(para(text(locale, "lead.no_follow_up"), subtle=True, spacing=True))
    body.append(section(text(locale, "section.recent")))
    ordered = sorted(recent, key=lambda exchange: exchange.at, reverse=True)[:RECENT_LIMIT]
    if ordered:
        body += [exchange_block(exchange, now, locale) for exchange in ordered]
    else:
        body.append(para(text(locale, "lead.no_recent"), subtle=True, spacing=True))
    actions.append(open_in_tab(lead, locale))
    return finish(body, actions, fallback_text=clip(lead.name, SHORT))


def _match_line(lead: LeadView, locale: str) -> str:
    parts = [markdown.link(shown(lead.name, SHORT), lead.tab_url)]
    if lead.company:
        parts.append(shown(lead.company, SHORT))
    parts += [shown(lead.email, SHORT), label(locale, "stage", lead.stage)]
    return " · ".join(parts)


def lead_matches_card(matches: Sequence[LeadView], query: str, locale: str) -> dict[str, Any]:
    """What `lead <query>` answers when it finds no lead or more than one."""
    shown_query = shown(query, SHORT)
    if not matches:
        headline = text(locale, "matches.none", query=shown_query)
        body: list[CardElement] = [
            heading(headline),
            para(text(locale, "matches.none.hint"), subtle=True),
        ]
        return finish(body, fallback_text=headline)
    headline = text(locale, "matches.several", count=len(matches), query=shown_query)
    body = [heading(headline), bullets(_match_line(lead, locale) for lead in matches[:MATCH_LIMIT])]
    if len(matches) > MATCH_LIMIT:
        body.append(para(text(locale, "matches.more", more=len(matches) - MATCH_LIMIT), subtle=True))
    body.append(TextBlock(text=text(locale, "matches.hint"), is_subtle=True, wrap=True, spacing="Medium"))
    return finish(body, fallback_text=headline)
