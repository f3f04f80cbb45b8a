"""The hand-off card a team lead accepts or rejects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from microsoft_teams.cards.core import (
    Action,
    CardElement,
    Choice,
    ChoiceSetInput,
    Container,
    DateInput,
    ShowCardAction,
    TextBlock,
    TextInput,
)

from cards import contract
from cards import format as fmt
from cards.elements import (
    MEDIUM,
    SHORT,
    banner_element,
    bullets,
    clip,
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
    sub_card,
)
from cards.strings import label, text
from cards.views import Banner, HandOffView


def _decision(view: HandOffView, locale: str) -> Container | None:
    by = shown(view.decided_by or text(locale, "someone"), SHORT)
    if view.status == "accepted":
        items = [
            TextBlock(
                text=text(locale, "hand_off.accepted", by=by), weight="Bolder", color="Good", wrap=True
            ),
            para(text(locale, "hand_off.accepted.hint"), subtle=True),
        ]
    elif view.status == "rejected":
        items = [TextBlock(text=text(locale, "hand_off.rejected", by=by), weight="Bolder", wrap=True)]
        if view.reject_code:
            items.append(para(label(locale, "recycle_reason", view.reject_code)))
        if view.nurture_until is not None:
            day = fmt.long_day(view.nurture_until.date(), locale)
            items.append(para(text(locale, "hand_off.nurture_until", date=day), subtle=True))
        if view.reject_reason:
            items.append(para(f"“{shown(view.reject_reason, MEDIUM)}”"))
    elif view.status == "withdrawn":
        items = [TextBlock(text=text(locale, "hand_off.withdrawn"), weight="Bolder", wrap=True)]
    else:
        return None
    return Container(id="decision", style="emphasis", items=list(items))


def hand_off_card(
    view: HandOffView, locale: str, now: datetime, banner: Banner | None = None
) -> dict[str, Any]:
    """A proposed hand-off with the evidence; accept and reject only while it is still proposed."""
    del now  # the card shows no relative times yet; the parameter keeps every builder's signature alike
    lead = view.lead
    proposed_by = shown(view.proposed_by, SHORT)
    body: list[CardElement] = []
    if banner is not None:
        body.append(banner_element(banner, locale))
    pending = view.status == "proposed"
    kicker = text(locale, "hand_off.title" if pending else "hand_off.kicker")
    body.append(lead_header(lead, kicker=kicker))
    decision = _decision(view, locale)
    if decision is not None:
        body.append(decision)
    body.append(para(text(locale, "hand_off.intro", by=proposed_by, lead=shown(lead.name, SHORT))))
    if view.note:
        body.append(para(f"“{shown(view.note, MEDIUM)}”", subtle=True, spacing=True))
    body.append(facts(lead_facts(lead, locale)))
    evidence = reason_lines(view.evidence, locale, 6)
    if evidence:
        body += [section(text(locale, "section.evidence")), bullets(evidence)]
    actions: list[Action] = []
    if pending:
        data = lead_data(lead, **{contract.DATA_HAND_OFF_ID: view.id})
        code = ChoiceSetInput(
            id=contract.INPUT_RECYCLE_REASON,
            label=text(locale, "input.recycle_reason"),
            is_required=True,
            error_message=text(locale, "input.recycle_reason.error"),
            choices=[
                Choice(title=label(locale, "recycle_reason", value), value=value)
                for value in contract.RECYCLE_REASONS
            ],
        )
        until = DateInput(id=contract.INPUT_RECYCLE_UNTIL, label=text(locale, "input.recycle_until"))
        note = TextInput(
            id=contract.INPUT_REJECT_REASON,
            label=text(locale, "input.reject_reason"),
            placeholder=text(locale, "input.reject_reason.placeholder"),
            is_multiline=True,
            max_length=contract.REJECT_REASON_MAX_LENGTH,
        )
        confirm = execute(
            text(locale, "btn.confirm_reject"), contract.HAND_OFF_REJECT, data, style="destructive"
        )
        actions += [
            execute(text(locale, "btn.accept"), contract.HAND_OFF_ACCEPT, data, style="positive"),
            ShowCardAction(
                title=text(locale, "btn.reject"),
                card=sub_card([code, until, note], [confirm]),
            ),
        ]
    actions.append(open_in_tab(lead, locale))
    fallback = f"{text(locale, 'hand_off.title')}: {clip(lead.name, SHORT)}"
    return finish(body, actions, fallback_text=fallback)
