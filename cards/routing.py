"""The card that tells a team lead about leads no routing rule matched, or that nobody had room for."""

from __future__ import annotations

from typing import Any

from microsoft_teams.cards.core import CardElement

from cards.elements import SHORT, bullets, facts, finish, open_in_tab, para, shown
from cards.strings import text
from cards.views import UnroutedView

SHOWN = 5


def unrouted_card(view: UnroutedView, locale: str) -> dict[str, Any]:
    """Sent to the team lead (or, without one, the managers): who got these leads, or that nobody did."""
    key = "routing.fallback" if view.cause == "fallback" else "routing.unowned"
    title = text(locale, f"{key}.title", count=view.count)
    body: list[CardElement] = [para(f"**{title}**"), para(text(locale, f"{key}.intro", count=view.count))]
    lines = [
        text(
            locale,
            "routing.lead",
            lead=shown(lead.name, SHORT),
            owner=shown(lead.owner_name or text(locale, "no_owner"), SHORT),
        )
        for lead in view.leads[:SHOWN]
    ]
    if view.count > len(lines):
        lines.append(text(locale, "routing.more", count=view.count - len(lines)))
    body.append(bullets(lines))
    if view.team_name:
        body.append(facts([(text(locale, "fact.team"), shown(view.team_name, SHORT))]))
    actions = [open_in_tab(view.leads[0], locale)] if view.leads else []
    return finish(body, actions, fallback_text=title)
