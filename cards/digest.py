"""The morning digest: what is due today, what is overdue, and where to start."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from microsoft_teams.cards.core import CardElement, Column, ColumnSet, Container, TextBlock

from cards import contract
from cards import format as fmt
from cards.elements import (
    SHORT,
    action_row,
    execute,
    facts,
    finish,
    heading,
    lead_data,
    lead_subtitle,
    para,
    reason_lines,
    section,
    shown,
)
from cards.strings import text
from cards.views import DigestView, FollowUpView

TOP_LIMIT = 3


def _item(view: FollowUpView, locale: str) -> Container:
    due = fmt.day_time(view.due_at, view.time_zone, locale)
    why = reason_lines(view.why_now, locale, 1)
    detail = text(locale, "digest.item", due=due, why=why[0]) if why else due
    if view.overdue:
        detail = f"{text(locale, 'badge.overdue')} · {detail}"
    data = lead_data(view.lead, **{contract.DATA_FOLLOW_UP_ID: view.id})
    return Container(
        separator=True,
        spacing="Medium",
        items=[
            ColumnSet(
                columns=[
                    Column(
                        width="stretch",
                        items=[
                            TextBlock(text=shown(view.lead.name, SHORT), weight="Bolder", wrap=True),
                            TextBlock(
                                text=lead_subtitle(view.lead), is_subtle=True, spacing="None", wrap=True
                            ),
                            TextBlock(
                                text=detail,
                                size="Small",
                                color="Attention" if view.overdue else None,
                                spacing="Small",
                                wrap=True,
                            ),
                        ],
                    ),
                    Column(
                        width="auto",
                        vertical_content_alignment="Center",
                        items=[action_row(execute(text(locale, "btn.open"), contract.FOLLOW_UP_SHOW, data))],
                    ),
                ]
            )
        ],
    )


def digest_card(view: DigestView, locale: str, now: datetime) -> dict[str, Any]:
    """A short morning card with counts and up to three follow-ups to open directly."""
    del now  # every time shown is an absolute due time in the follow-up's zone
    title = text(locale, "digest.title", name=shown(view.member_name, SHORT))
    body: list[CardElement] = [
        heading(title),
        para(fmt.day(view.day, locale), subtle=True),
        facts(
            [
                (text(locale, "fact.due_today"), str(view.due_today)),
                (text(locale, "fact.overdue"), str(view.overdue)),
            ]
        ),
    ]
    if view.top:
        body.append(section(text(locale, "digest.top")))
        body += [_item(item, locale) for item in view.top[:TOP_LIMIT]]
    elif view.due_today == 0 and view.overdue == 0:
        body.append(para(text(locale, "digest.nothing"), spacing=True))
    return finish(body, fallback_text=title)
