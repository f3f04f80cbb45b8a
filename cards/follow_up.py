"""The follow-up card a rep acts on."""

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
    TimeInput,
)

from cards import contract, markdown
from cards import format as fmt
from cards.elements import (
    LONG,
    MEDIUM,
    SHORT,
    action_row,
    badge,
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
from cards.views import Banner, ExchangeView, FollowUpView

CLOSED_STATUSES = frozenset({"done", "skipped", "cancelled"})
OVERDUE_BADGE_ID = "overdue_badge"


def is_closed(view: FollowUpView) -> bool:
    """Closed follow-ups keep their card but lose every action that would change them."""
    return view.status in CLOSED_STATUSES


def _data(view: FollowUpView, **extra: str) -> dict[str, Any]:
    return lead_data(view.lead, **{contract.DATA_FOLLOW_UP_ID: view.id}, **extra)


SALES_LIFECYCLES = ("sal", "sql", "opportunity")


def _done_action(view: FollowUpView, locale: str) -> ShowCardAction:
    outcome = ChoiceSetInput(
        id=contract.INPUT_OUTCOME,
        label=text(locale, "input.outcome"),
        style="expanded",
        value=contract.DEFAULT_OUTCOME,
        choices=[Choice(title=label(locale, "outcome", value), value=value) for value in contract.OUTCOMES],
    )
    mark = execute(text(locale, "btn.mark_done"), contract.FOLLOW_UP_DONE, _data(view), style="positive")
    if view.lead.lifecycle not in SALES_LIFECYCLES:
        return ShowCardAction(title=text(locale, "btn.done"), card=sub_card([outcome], [mark]))
    # A sales-owned lead leaves sales only with a coded reason, so "not interested" asks for one here.
    why_not = ChoiceSetInput(
        id=contract.INPUT_RECYCLE_REASON,
        label=text(locale, "input.recycle_reason.optional"),
        choices=[
            Choice(title=label(locale, "recycle_reason", value), value=value)
            for value in contract.RECYCLE_REASONS
        ],
    )
    until = DateInput(id=contract.INPUT_RECYCLE_UNTIL, label=text(locale, "input.recycle_until"))
    return ShowCardAction(title=text(locale, "btn.done"), card=sub_card([outcome, why_not, until], [mark]))


def _snooze_action(view: FollowUpView, locale: str) -> ShowCardAction:
    choices = [
        execute(text(locale, f"btn.snooze.{option}"), contract.FOLLOW_UP_SNOOZE, _data(view, snooze=option))
        for option in contract.SNOOZE_OPTIONS
    ]
    hint = para(text(locale, "follow_up.snooze.hint"), subtle=True)
    return ShowCardAction(title=text(locale, "btn.snooze"), card=sub_card([hint], choices))


def _reschedule_action(view: FollowUpView, now: datetime, locale: str) -> ShowCardAction:
    # Dates are picked in the rep's zone; the bot combines date and time with the same zone.
    due_date = DateInput(
        id=contract.INPUT_DUE_DATE,
        label=text(locale, "input.due_date"),
        is_required=True,
        error_message=text(locale, "input.due_date.error"),
        value=fmt.iso_date(max(view.due_at, now), view.time_zone),
        min=fmt.iso_date(now, view.time_zone),
    )
    due_time = TimeInput(
        id=contract.INPUT_DUE_TIME,
        label=text(locale, "input.due_time"),
        value=fmt.time_of_day(view.due_at, view.time_zone),
    )
    save = execute(text(locale, "btn.save_date"), contract.FOLLOW_UP_RESCHEDULE, _data(view))
    return ShowCardAction(title=text(locale, "btn.reschedule"), card=sub_card([due_date, due_time], [save]))


def _log_action(view: FollowUpView, locale: str) -> ShowCardAction:
    kind = ChoiceSetInput(
        id=contract.INPUT_TOUCH_KIND,
        label=text(locale, "input.touch_kind"),
        style="expanded",
        value=contract.TOUCH_KINDS[0],
        choices=[
            Choice(title=label(locale, "touch_kind", value), value=value) for value in contract.TOUCH_KINDS
        ],
    )
    summary = TextInput(
        id=contract.INPUT_SUMMARY,
        label=text(locale, "input.summary"),
        placeholder=text(locale, "input.summary.placeholder"),
        is_multiline=True,
        is_required=True,
        max_length=contract.SUMMARY_MAX_LENGTH,
        error_message=text(locale, "input.summary.error"),
    )
    save = execute(text(locale, "btn.save_log"), contract.FOLLOW_UP_LOG, _data(view))
    return ShowCardAction(title=text(locale, "btn.log"), card=sub_card([kind, summary], [save]))


def _propose_action(view: FollowUpView, locale: str) -> ShowCardAction:
    note = TextInput(
        id=contract.INPUT_HANDOFF_NOTE,
        label=text(locale, "input.handoff_note"),
        placeholder=text(locale, "input.handoff_note.placeholder"),
        is_multiline=True,
        max_length=contract.HANDOFF_NOTE_MAX_LENGTH,
    )
    send = execute(text(locale, "btn.send_proposal"), contract.HAND_OFF_PROPOSE, _data(view))
    hint = para(text(locale, "follow_up.propose.hint"), subtle=True)
    return ShowCardAction(title=text(locale, "btn.propose"), card=sub_card([hint, note], [send]))


def exchange_line(exchange: ExchangeView, now: datetime, locale: str) -> str:
    """``← From the lead: mail, 3 days ago``."""
    return text(
        locale,
        "follow_up.exchange",
        direction=label(locale, "direction", exchange.direction),
        channel=label(locale, "channel", exchange.channel),
        when=fmt.ago(exchange.at, now, locale),
    )


def exchange_block(exchange: ExchangeView, now: datetime, locale: str, *, limit: int = MEDIUM) -> Container:
    """One exchange: who wrote through which channel and when, then a snippet of it."""
    return Container(
        items=[
            TextBlock(text=exchange_line(exchange, now, locale), is_subtle=True, size="Small", wrap=True),
            TextBlock(text=shown(exchange.summary, limit), wrap=True, spacing="None", max_lines=4),
        ]
    )


def _suggestion(view: FollowUpView, locale: str) -> list[CardElement]:
    lines: list[str] = []
    if view.suggested_channel:
        channel = label(locale, "channel", view.suggested_channel)
        lines.append(text(locale, "follow_up.suggested.channel", channel=channel))
    if view.content is not None:
        lines.append(
            text(
                locale,
                "follow_up.suggested.content",
                link=markdown.link(shown(view.content.title, SHORT), view.content.url),
                kind=label(locale, "content", view.content.kind),
            )
        )
    elif view.suggested_channel:
        lines.append(text(locale, "follow_up.suggested.no_content"))
    if not lines:
        return []
    return [section(text(locale, "section.suggested")), para("\n\n".join(lines), spacing=True)]


def _due_fact(view: FollowUpView, now: datetime, locale: str) -> tuple[str, str]:
    when = fmt.day_time(view.due_at, view.time_zone, locale)
    if view.status == "snoozed":
        return text(locale, "fact.snoozed_until"), when
    if view.overdue and not is_closed(view):
        late = text(locale, "follow_up.overdue_since", duration=fmt.duration(now - view.due_at, locale))
        return text(locale, "fact.due"), f"{when} ({late})"
    return text(locale, "fact.due"), when


def _closed_line(view: FollowUpView, locale: str) -> str:
    if view.status == "done":
        if view.outcome:
            return text(locale, "follow_up.closed.done", outcome=label(locale, "outcome", view.outcome))
        return text(locale, "follow_up.closed.done_plain")
    return text(locale, f"follow_up.closed.{view.status}")


def follow_up_body(view: FollowUpView, locale: str, now: datetime) -> list[CardElement]:
    """Everything on a follow-up card except its buttons; the lead card and ownership card reuse parts."""
    closed = is_closed(view)
    badges = []
    if view.overdue and not closed:
        badges.append(badge(OVERDUE_BADGE_ID, text(locale, "badge.overdue"), "attention"))
    elif view.status == "snoozed":
        badges.append(badge("snoozed_badge", text(locale, "badge.snoozed"), "emphasis"))
    kicker_key = (
        f"follow_up.title.{view.kind}"
        if view.kind in ("discovery_call", "sales_step", "fix_address", "answer", "signal")
        else "follow_up.title"
    )
    body: list[CardElement] = [lead_header(view.lead, badges, kicker=text(locale, kicker_key))]
    if closed:
        body.append(
            Container(
                id="closed_state",
                style="emphasis",
                items=[
                    TextBlock(text=_closed_line(view, locale), weight="Bolder", wrap=True),
                    para(text(locale, "follow_up.closed.hint"), subtle=True),
                ],
            )
        )
    body.append(facts([_due_fact(view, now, locale), *lead_facts(view.lead, locale)]))
    if not closed:
        why = reason_lines(view.why_now, locale, 4)
        if why:
            body += [section(text(locale, "section.why_now")), bullets(why)]
        drivers = reason_lines(view.lead.score.top_reasons, locale, 3)
        if drivers:
            body += [section(text(locale, "section.score")), bullets(drivers)]
        body += _suggestion(view, locale)
    body.append(section(text(locale, "section.last_exchange")))
    if view.last_exchange is not None:
        body.append(exchange_block(view.last_exchange, now, locale, limit=MEDIUM if not closed else SHORT))
    else:
        body.append(para(text(locale, "follow_up.no_exchange"), subtle=True, spacing=True))
    return body


def follow_up_card(
    view: FollowUpView, locale: str, now: datetime, banner: Banner | None = None
) -> dict[str, Any]:
    """The card for one due follow-up, with the rep's actions unless it is already closed."""
    body: list[CardElement] = []
    if banner is not None:
        body.append(banner_element(banner, locale, view.time_zone))
    body += follow_up_body(view, locale, now)
    body.append(action_row(open_in_tab(view.lead, locale)))
    actions: list[Action] = []
    if not is_closed(view):
        actions = [
            _done_action(view, locale),
            _snooze_action(view, locale),
            _reschedule_action(view, now, locale),
            _log_action(view, locale),
            _propose_action(view, locale),
        ]
    fallback = clip(f"{text(locale, 'follow_up.title')}: {view.lead.name}", LONG)
    return finish(body, actions, fallback_text=fallback)
