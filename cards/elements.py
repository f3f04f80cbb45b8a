"""Building blocks shared by the cards: the envelope, text, banners, lead headers and actions."""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from microsoft_teams.cards.core import (
    Action,
    ActionSet,
    ActionStyle,
    AdaptiveCard,
    CardElement,
    Column,
    ColumnSet,
    Container,
    ContainerStyle,
    ExecuteAction,
    Fact,
    FactSet,
    OpenUrlAction,
    RefreshDefinition,
    TeamsCardProperties,
    TextBlock,
    TextColor,
)

from app.nurturing.reasons import Reason, describe
from cards import contract, markdown
from cards import format as fmt
from cards.strings import has_text, label, text
from cards.views import Banner, LeadView, ParamValue, ReasonView

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
SCHEMA_VERSION = "1.5"
MAX_CARD_BYTES = 28 * 1024
MAX_USER_IDS = 60

# Free text from leads and reps is clipped so that no single field can push a card past the size limit.
SHORT = 120
MEDIUM = 300
LONG = 600


class CardTooLarge(ValueError):
    """A card came out above the size Teams accepts; raised rather than sending a card Teams rejects."""


def clip(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, with an ellipsis when something was dropped."""
    value = " ".join(value.split()) if limit <= SHORT else value.strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def shown(value: str, limit: int) -> str:
    """Text that someone typed (a lead, a company, a member, content, a message), clipped and escaped so
    that Teams shows it literally; every such value goes through here before it enters a card."""
    return markdown.escape(clip(value, limit))


def finish(
    body: Sequence[CardElement],
    actions: Sequence[Action] = (),
    *,
    refresh: RefreshDefinition | None = None,
    full_width: bool = False,
    fallback_text: str | None = None,
) -> dict[str, Any]:
    """Wrap a body in a schema 1.5 card and serialise it the way Teams expects."""
    # No `lang`: it only matters for DATE()/TIME() in text, which these cards do not use, and the JS
    # renderer checks it with a global regex whose lastIndex state rejects every other card.
    card = AdaptiveCard(
        version=SCHEMA_VERSION,
        body=list(body),
        actions=list(actions) or None,
        refresh=refresh,
        msteams=TeamsCardProperties(width="full") if full_width else None,
        fallback_text=fallback_text,
    )
    document: dict[str, Any] = {"$schema": SCHEMA_URL, **card.model_dump(by_alias=True, exclude_none=True)}
    size = len(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    if size >= MAX_CARD_BYTES:
        raise CardTooLarge(f"card is {size} bytes; the limit is {MAX_CARD_BYTES}")
    return document


def sub_card(body: Sequence[CardElement], actions: Sequence[Action] = ()) -> AdaptiveCard:
    """The card inside an Action.ShowCard."""
    return AdaptiveCard(body=list(body), actions=list(actions) or None)


def heading(value: str) -> TextBlock:
    """The card's bold title."""
    return TextBlock(text=value, size="Large", weight="Bolder", wrap=True, style="heading")


def section(value: str) -> TextBlock:
    """A small bold title above a block of content."""
    return TextBlock(text=value, weight="Bolder", wrap=True, spacing="Medium")


def para(
    value: str, *, subtle: bool = False, color: TextColor | None = None, spacing: bool = False
) -> TextBlock:
    """A wrapped paragraph."""
    return TextBlock(
        text=value,
        wrap=True,
        is_subtle=subtle or None,
        color=color,
        spacing="Small" if spacing else None,
    )


def bullets(lines: Iterable[str]) -> TextBlock:
    """A markdown bullet list, which Teams renders inside one TextBlock."""
    return TextBlock(text="\n".join(f"- {line}" for line in lines), wrap=True, spacing="Small")


def facts(pairs: Iterable[tuple[str, str]]) -> FactSet:
    """Label/value rows."""
    return FactSet(facts=[Fact(title=title, value=value) for title, value in pairs])


def reason_text(reason: ReasonView, locale: str) -> str:
    """A reason in the card's language."""
    # Reason parameters carry score-rule labels and notes that admins and reps typed.
    return shown(describe(Reason(reason.code, reason.params), locale), MEDIUM)


def reason_lines(reasons: Iterable[ReasonView], locale: str, limit: int) -> list[str]:
    """The first ``limit`` reasons as text."""
    return [reason_text(reason, locale) for reason in list(reasons)[:limit]]


_BANNER_STYLE: dict[str, ContainerStyle] = {"success": "good", "warning": "warning", "error": "attention"}
_BANNER_COLOR: dict[str, TextColor] = {"success": "Good", "warning": "Warning", "error": "Attention"}
# invalid_input names an input id; the banner shows the field's visible label instead.
_FIELD_LABELS = {
    contract.INPUT_OUTCOME: "input.outcome",
    contract.INPUT_DUE_DATE: "input.due_date",
    contract.INPUT_DUE_TIME: "input.due_time",
    contract.INPUT_TOUCH_KIND: "input.touch_kind",
    contract.INPUT_SUMMARY: "input.summary",
    contract.INPUT_HANDOFF_NOTE: "input.handoff_note",
    contract.INPUT_REJECT_REASON: "input.reject_reason",
}


def _when(value: ParamValue, time_zone: str | None, locale: str) -> str:
    # The bot passes due times as ISO strings; they are shown in the reader's zone like every other time.
    if isinstance(value, str):
        try:
            return fmt.day_time(datetime.fromisoformat(value), time_zone, locale)
        except ValueError:
            return shown(value, SHORT)
    return str(value)


def banner_text(banner: Banner, locale: str, time_zone: str | None = None) -> str:
    """The translated sentence for a banner code; an unknown code reads as a generic error."""
    params = dict(banner.params)
    key = f"banner.{banner.code}"
    if not has_text(key):
        return text(locale, "banner.error")
    values: dict[str, ParamValue] = {}
    for name, value in params.items():
        if name in ("next_due", "until"):
            values[name] = _when(value, time_zone, locale)
        elif name == "outcome":
            values[name] = label(locale, "outcome", str(value))
        elif name == "kind":
            values[name] = label(locale, "touch_kind", str(value))
        elif name == "field":
            field_key = _FIELD_LABELS.get(str(value))
            values[name] = text(locale, field_key) if field_key else shown(str(value), SHORT)
        else:
            values[name] = shown(str(value), MEDIUM)
    # A banner sent without some parameter still says what happened, with a dash for the missing value.
    for name in _placeholders(text(locale, key)):
        values.setdefault(name, text(locale, "none"))
    return text(locale, key, **values)


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def banner_element(banner: Banner, locale: str, time_zone: str | None = None) -> Container:
    """A coloured strip at the top of a card that says what just happened."""
    return Container(
        id="banner",
        style=_BANNER_STYLE.get(banner.kind, "attention"),
        bleed=True,
        items=[
            TextBlock(
                text=banner_text(banner, locale, time_zone),
                wrap=True,
                weight="Bolder",
                color=_BANNER_COLOR.get(banner.kind, "Attention"),
            )
        ],
    )


def badge(element_id: str, value: str, style: ContainerStyle) -> Container:
    """A small coloured tag; the Badge element is newer than schema 1.5, so a styled container stands in."""
    return Container(
        id=element_id,
        style=style,
        items=[TextBlock(text=value, weight="Bolder", size="Small", wrap=False)],
    )


def lead_subtitle(lead: LeadView) -> str:
    """``Head of Operations · Brenner Maschinenbau GmbH``, or whichever parts are known."""
    parts = [shown(part, SHORT) for part in (lead.title, lead.company) if part]
    return " · ".join(parts) if parts else shown(lead.email, SHORT)


def lead_header(
    lead: LeadView, badges: Sequence[Container] = (), *, kicker: str | None = None
) -> CardElement:
    """Name and role of the lead, with optional badges on the right."""
    left: list[CardElement] = []
    if kicker:
        left.append(TextBlock(text=kicker, is_subtle=True, size="Small", wrap=True, spacing="None"))
    left.append(
        TextBlock(text=shown(lead.name, SHORT), size="Large", weight="Bolder", wrap=True, spacing="None")
    )
    left.append(TextBlock(text=lead_subtitle(lead), is_subtle=True, wrap=True, spacing="None"))
    if not badges:
        return Container(items=left)
    return ColumnSet(
        columns=[
            Column(width="stretch", items=left),
            Column(width="auto", vertical_content_alignment="Top", items=list(badges)),
        ]
    )


def score_value(lead: LeadView, locale: str) -> str:
    """``72 (fit 40 · engagement 32)``."""
    score = lead.score
    return text(locale, "score.value", total=score.total, fit=score.fit, engagement=score.engagement)


def lead_facts(lead: LeadView, locale: str, *, owner: bool = True) -> list[tuple[str, str]]:
    """Stage, lifecycle, score and owner as fact rows."""
    rows = [
        (text(locale, "fact.stage"), label(locale, "stage", lead.stage)),
        (text(locale, "fact.lifecycle"), label(locale, "lifecycle", lead.lifecycle)),
        (text(locale, "fact.score"), score_value(lead, locale)),
    ]
    if owner:
        rows.append((text(locale, "fact.owner"), shown(lead.owner_name or text(locale, "no_owner"), SHORT)))
    return rows


def lead_data(lead: LeadView, **extra: ParamValue) -> dict[str, Any]:
    """The fixed `data` of an action about a lead: tenant, lead and the version the card was built from."""
    return {
        contract.DATA_TENANT_ID: lead.tenant_id,
        contract.DATA_LEAD_ID: lead.id,
        contract.DATA_VERSION: lead.version,
        **extra,
    }


def execute(
    title: str, verb: str, data: Mapping[str, Any], *, style: ActionStyle | None = None
) -> ExecuteAction:
    """An Action.Execute (Universal Action) so the bot can answer with the updated card in place."""
    return ExecuteAction(title=title, verb=verb, data=dict(data), style=style)


def open_in_tab(lead: LeadView, locale: str) -> OpenUrlAction:
    """A link to the lead in the Nurture tab."""
    return OpenUrlAction(title=text(locale, "btn.open_tab"), url=markdown.safe_url(lead.tab_url) or "")


def action_row(*items: Action) -> ActionSet:
    """Buttons inside the body, for actions that belong to one part of the card."""
    return ActionSet(actions=list(items))


def refresh_for(user_ids: Sequence[str], action: ExecuteAction) -> RefreshDefinition:
    """A refresh definition; Teams accepts at most 60 user ids, so the rest refresh by hand."""
    return RefreshDefinition(action=action, user_ids=list(dict.fromkeys(user_ids))[:MAX_USER_IDS])
