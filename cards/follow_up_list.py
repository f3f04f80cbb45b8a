"""One card for many follow-ups: a page of a rep's due and overdue work, each row with its own actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from microsoft_teams.cards.core import (
    Action,
    ActionSet,
    CardElement,
    Choice,
    ChoiceSetInput,
    Container,
    OpenUrlAction,
    ShowCardAction,
    TextBlock,
)

from cards import contract, markdown
from cards import format as fmt
from cards.elements import (
    SHORT,
    banner_element,
    execute,
    finish,
    heading,
    para,
    shown,
    sub_card,
)
from cards.strings import label, text
from cards.views import Banner, FollowUpListView, FollowUpRowView

SALES_LIFECYCLES = ("sal", "sql", "opportunity")
_TITLED_KINDS = ("discovery_call", "sales_step", "fix_address", "answer", "signal")


def _row_data(view: FollowUpListView, row: FollowUpRowView, **extra: str) -> dict[str, Any]:
    # The list offset tells the bot to answer with this list (the same page), not the single card.
    return {
        contract.DATA_TENANT_ID: view.tenant_id,
        contract.DATA_LEAD_ID: row.lead_id,
        contract.DATA_VERSION: row.lead_version,
        contract.DATA_FOLLOW_UP_ID: row.id,
        contract.DATA_LIST_OFFSET: view.offset,
        **extra,
    }


def _what(row: FollowUpRowView, locale: str) -> str:
    what = text(locale, f"follow_up.title.{row.kind}" if row.kind in _TITLED_KINDS else "follow_up.title")
    if row.suggested_channel:
        what += " · " + text(locale, "list.via", channel=label(locale, "channel", row.suggested_channel))
    return what


def _when(row: FollowUpRowView, time_zone: str, now: datetime, locale: str) -> str:
    when = fmt.day_time(row.due_at, time_zone, locale)
    if row.status == "snoozed":
        return text(locale, "list.snoozed", when=when)
    if row.overdue:
        return text(locale, "list.overdue", duration=fmt.duration(now - row.due_at, locale), when=when)
    return text(locale, "list.due", when=when)


def _done(view: FollowUpListView, row: FollowUpRowView, locale: str) -> ShowCardAction:
    outcome = ChoiceSetInput(
        id=contract.row_input(contract.INPUT_OUTCOME, row.id),
        label=text(locale, "input.outcome"),
        style="expanded",
        value=contract.DEFAULT_OUTCOME,
        choices=[
            Choice(title=label(locale, "outcome", value), value=value)
            for value in contract.OUTCOMES
            # A sales-owned lead leaves sales only with a coded reason, which the single card asks for.
            if not (value == "not_interested" and row.lifecycle in SALES_LIFECYCLES)
        ],
    )
    mark = execute(
        text(locale, "btn.mark_done"), contract.FOLLOW_UP_DONE, _row_data(view, row), style="positive"
    )
    return ShowCardAction(title=text(locale, "btn.done"), card=sub_card([outcome], [mark]))


def _snooze(view: FollowUpListView, row: FollowUpRowView, locale: str) -> ShowCardAction:
    # A choice and one button rather than a button per option: eight rows of three buttons, each with
    # its own copy of the ids, would spend a third of the card's size on snooze alone.
    until = ChoiceSetInput(
        id=contract.row_input(contract.DATA_SNOOZE, row.id),
        label=text(locale, "follow_up.snooze.hint"),
        style="expanded",
        value=contract.SNOOZE_OPTIONS[1],
        choices=[
            Choice(title=text(locale, f"btn.snooze.{option}"), value=option)
            for option in contract.SNOOZE_OPTIONS
        ],
    )
    save = execute(text(locale, "btn.snooze"), contract.FOLLOW_UP_SNOOZE, _row_data(view, row))
    return ShowCardAction(title=text(locale, "btn.snooze"), card=sub_card([until], [save]))


def _row(view: FollowUpListView, row: FollowUpRowView, now: datetime, locale: str) -> Container:
    name = shown(row.lead_name, SHORT)
    if row.company:
        name += f" · {shown(row.company, SHORT)}"
    open_lead = OpenUrlAction(title=text(locale, "btn.open"), url=markdown.safe_url(row.tab_url) or "")
    return Container(
        separator=True,
        spacing="Medium",
        items=[
            TextBlock(text=name, weight="Bolder", wrap=True),
            TextBlock(text=_what(row, locale), wrap=True, spacing="None"),
            TextBlock(
                text=_when(row, view.time_zone, now, locale),
                size="Small",
                color="Attention" if row.overdue and row.status != "snoozed" else None,
                is_subtle=None if row.overdue else True,
                wrap=True,
                spacing="None",
            ),
            ActionSet(actions=[_done(view, row, locale), _snooze(view, row, locale), open_lead]),
        ],
    )


def _page_action(view: FollowUpListView, offset: int, title: str) -> Action:
    data = {contract.DATA_TENANT_ID: view.tenant_id, contract.DATA_LIST_OFFSET: offset}
    return execute(title, contract.FOLLOW_UP_LIST, data)


def follow_up_list_card(
    view: FollowUpListView, locale: str, now: datetime, banner: Banner | None = None
) -> dict[str, Any]:
    """A page of the rep's due follow-ups with Done, Snooze and Open on each row, and "Show more"."""
    title = text(locale, "list.title")
    body: list[CardElement] = []
    if banner is not None:
        body.append(banner_element(banner, locale, view.time_zone))
    body.append(heading(title))
    if not view.rows:
        body.append(para(text(locale, "list.intro.none"), spacing=True))
        return finish(body, fallback_text=title)
    summary = text(
        locale,
        "list.summary",
        count=view.total,
        overdue=view.overdue,
        first=view.offset + 1,
        last=view.offset + len(view.rows),
    )
    body.append(para(summary, subtle=True))
    body += [_row(view, row, now, locale) for row in view.rows]
    actions: list[Action] = []
    following = view.offset + len(view.rows)
    if following < view.total:
        actions.append(_page_action(view, following, text(locale, "btn.show_more")))
    if view.offset > 0:
        actions.append(_page_action(view, 0, text(locale, "btn.first_page")))
    return finish(body, actions, fallback_text=f"{title}: {summary}")
