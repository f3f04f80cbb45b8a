"""Cards announcing an ownership change: context for the new owner, a short note for the previous one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from microsoft_teams.cards.core import Action, CardElement

from cards import contract, markdown
from cards import format as fmt
from cards.elements import (
    MEDIUM,
    SHORT,
    bullets,
    execute,
    facts,
    finish,
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
from cards.views import OwnershipView


def _change_facts(view: OwnershipView, locale: str) -> list[tuple[str, str]]:
    rows = []
    if view.previous_owner:
        rows.append((text(locale, "fact.previous_owner"), shown(view.previous_owner, SHORT)))
    if view.changed_by:
        rows.append((text(locale, "fact.changed_by"), shown(view.changed_by, SHORT)))
    if view.reason:
        rows.append((text(locale, "fact.reason"), shown(view.reason, MEDIUM)))
    return rows


def ownership_card(view: OwnershipView, locale: str, now: datetime) -> dict[str, Any]:
    """Sent to the new owner: who the lead is, why they matter, and the first step to take."""
    lead = view.lead
    owner = shown(view.new_owner, SHORT)
    title = text(locale, "ownership.title", owner=owner)
    body: list[CardElement] = [
        lead_header(lead, kicker=title),
        para(text(locale, "ownership.intro", lead=shown(lead.name, SHORT), owner=owner)),
        facts([*lead_facts(lead, locale, owner=False), *_change_facts(view, locale)]),
    ]
    drivers = reason_lines(lead.score.top_reasons, locale, 3)
    if drivers:
        body += [section(text(locale, "section.score")), bullets(drivers)]
    body.append(section(text(locale, "section.first_step")))
    actions: list[Action] = []
    step = view.first_step
    if step is not None and not is_closed(step):
        due = fmt.day_time(step.due_at, step.time_zone, locale)
        lines = [f"**{text(locale, 'fact.due')}: {due}**", *reason_lines(step.why_now, locale, 3)]
        if step.suggested_channel:
            channel = label(locale, "channel", step.suggested_channel)
            lines.append(text(locale, "follow_up.suggested.channel", channel=channel))
        if step.content is not None:
            lines.append(
                text(
                    locale,
                    "follow_up.suggested.content",
                    link=markdown.link(shown(step.content.title, SHORT), step.content.url),
                    kind=label(locale, "content", step.content.kind),
                )
            )
        body.append(bullets(lines))
        if step.last_exchange is not None:
            body += [
                section(text(locale, "section.last_exchange")),
                exchange_block(step.last_exchange, now, locale),
            ]
        data = lead_data(lead, **{contract.DATA_FOLLOW_UP_ID: step.id})
        actions.append(
            execute(text(locale, "btn.open_follow_up"), contract.FOLLOW_UP_SHOW, data, style="positive")
        )
    else:
        body.append(para(text(locale, "ownership.no_step"), subtle=True, spacing=True))
    actions.append(open_in_tab(lead, locale))
    return finish(body, actions, fallback_text=title)


def ownership_fyi_card(view: OwnershipView, locale: str) -> dict[str, Any]:
    """Sent to the previous owner, so they know the lead moved and to whom."""
    lead = view.lead
    title = text(locale, "ownership_fyi.title")
    body: list[CardElement] = [
        lead_header(lead, kicker=title),
        para(
            text(
                locale,
                "ownership_fyi.intro",
                lead=shown(lead.name, SHORT),
                owner=shown(view.new_owner, SHORT),
            )
        ),
    ]
    rows = [row for row in _change_facts(view, locale) if row[0] != text(locale, "fact.previous_owner")]
    if rows:
        body.append(facts(rows))
    return finish(body, [open_in_tab(lead, locale)], fallback_text=title)
