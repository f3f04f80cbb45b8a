"""Turn one outbox row into the card to send and the chat to send it to, from fresh data."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botbuilder.schema import Attachment
from sqlmodel.ext.asyncio.session import AsyncSession

import cards
from app.models import (
    Member,
    OutboxMessage,
)
from app.nurturing.enums import FollowUpStatus
from app.services import card_reads, conversations
from app.services.outbox import Notice
from app.services.tenant_config import TenantConfig, load_config
from bot.card_actions import pipeline_card_for
from bot.card_views import Links, ViewReader
from bot.handler import card_attachment
from cards.views import UnroutedView

AfterSend = Callable[[AsyncSession, str | None], Awaitable[None]]


async def _nothing(_session: AsyncSession, _activity_id: str | None) -> None:
    return None


@dataclass(slots=True)
class Rendered:
    attachment: Attachment | None = None
    reference: dict[str, Any] | None = None
    conversation_id: str = ""
    update_activity_id: str | None = None
    skip_reason: str | None = None
    undeliverable: str | None = None
    after_send: AfterSend = field(default=_nothing)
    # The follow-up whose card this is, remembered with the activity id once sent; the dispatcher records
    # these for a group of sends in one statement (``card_reads.remember_cards``).
    card_of: uuid.UUID | None = None


def _skip(reason: str) -> Rendered:
    return Rendered(skip_reason=reason)


async def _any_active(session: AsyncSession, tenant_id: str, follow_up_ids: list[uuid.UUID]) -> bool:
    return await card_reads.count_active(session, tenant_id, follow_up_ids) > 0


async def _personal(session: AsyncSession, member: Member | None, card: dict[str, Any]) -> Rendered:
    if member is None:
        return Rendered(undeliverable="no recipient")
    ahead = card_reads.read_ahead_of(session)
    if ahead is not None and member.id in ahead.personal_chats:
        reference = ahead.personal_chats[member.id]
    else:
        reference = await conversations.personal_reference(
            session=session, tenant_id=member.tenant_id, member_id=member.id
        )
    if reference is None:
        # Recorded on the row, where the member's team lead sees it in the tab.
        return Rendered(undeliverable=f"{member.display_name} has not installed the Nurture app")
    return Rendered(
        attachment=card_attachment(card),
        reference=reference.reference,
        conversation_id=reference.conversation_id,
    )


async def render_notice(
    *,
    session: AsyncSession,
    message: OutboxMessage,
    links: Links,
    now: datetime,
    config: TenantConfig | None = None,
) -> Rendered:
    """The card and destination for one notice; notices that went stale are skipped, not sent.

    ``config`` is the tenant's settings when the caller has them already (the dispatcher reads them once
    per batch)."""
    tenant_id = message.tenant_id
    payload = message.payload
    reader = ViewReader(session=session, tenant_id=tenant_id, links=links, now=now)
    recipient = await reader.member(message.member_id)
    locale = recipient.locale if recipient else "en"
    kind = Notice(message.kind)

    if kind in (Notice.FOLLOW_UP_DUE, Notice.FOLLOW_UP_CHANGED):
        follow_up = await card_reads.follow_up(session, tenant_id, uuid.UUID(payload["follow_up_id"]))
        if follow_up is None:
            return _skip("follow-up no longer exists")
        lead = await card_reads.lead(session, tenant_id, follow_up.lead_id)
        if lead is None:
            return _skip("lead no longer exists")
        if kind is Notice.FOLLOW_UP_DUE and not FollowUpStatus(follow_up.status).is_active:
            return _skip(f"follow-up already {follow_up.status}")
        owner = await reader.member(follow_up.owner_id)
        locale = owner.locale if owner else locale
        if kind is Notice.FOLLOW_UP_CHANGED:
            sent = card_reads.sent_card(follow_up)
            if sent is None or not follow_up.conversation_id:
                return _skip("no card to update")
            row = await card_reads.conversation(session, tenant_id, follow_up.conversation_id)
            if row is None:
                return Rendered(undeliverable="the chat with the card is gone")
            activity_id, is_list = sent
            if is_list:
                # The follow-up is a row of a list card: refresh that list for the rep it belongs to.
                if owner is None:
                    return _skip("the list's rep no longer exists")
                card = cards.follow_up_list_card(await reader.follow_up_list(owner), locale, now)
            else:
                config = config or await load_config(session=session, tenant_id=tenant_id)
                card = cards.follow_up_card(await reader.follow_up(follow_up, lead, config), locale, now)
            return Rendered(
                attachment=card_attachment(card),
                reference=row.reference,
                conversation_id=row.conversation_id,
                update_activity_id=activity_id,
            )
        config = config or await load_config(session=session, tenant_id=tenant_id)
        card = cards.follow_up_card(await reader.follow_up(follow_up, lead, config), locale, now)
        rendered = await _personal(session, owner, card)
        # Remembered once sent, so that Done in the tab can update this card in place later.
        rendered.card_of = follow_up.id
        return rendered

    if kind is Notice.FOLLOW_UP_DUE_LIST:
        if recipient is None:
            return _skip("member no longer exists")
        ids = [uuid.UUID(value) for value in payload["follow_up_ids"]]
        # The card lists all the rep has due, these included; it is news only while one of these is open.
        if not await _any_active(session, tenant_id, ids):
            return _skip("every follow-up of the notice was worked off")
        listed = await reader.follow_up_list(recipient)
        rendered = await _personal(session, recipient, cards.follow_up_list_card(listed, locale, now))
        shown_ids = [uuid.UUID(row.id) for row in listed.rows]

        async def remember_list(inner: AsyncSession, activity_id: str | None) -> None:
            if activity_id:
                await card_reads.remember_list_card(
                    inner, tenant_id, shown_ids, activity_id, rendered.conversation_id
                )

        rendered.after_send = remember_list
        return rendered

    if kind in (Notice.OWNER_ASSIGNED, Notice.OWNER_RELEASED):
        change = await card_reads.ownership_change(session, tenant_id, uuid.UUID(payload["change_id"]))
        if change is None:
            return _skip("ownership change no longer exists")
        config = config or await load_config(session=session, tenant_id=tenant_id)
        ownership = await reader.ownership(change, config)
        if ownership is None:
            return _skip("lead no longer exists")
        card = (
            cards.ownership_card(ownership, locale, now)
            if kind is Notice.OWNER_ASSIGNED
            else cards.ownership_fyi_card(ownership, locale)
        )
        return await _personal(session, recipient, card)

    if kind in (Notice.HAND_OFF_PROPOSED, Notice.HAND_OFF_DECIDED):
        hand_off = await card_reads.hand_off(session, tenant_id, uuid.UUID(payload["hand_off_id"]))
        if hand_off is None:
            return _skip("hand-off no longer exists")
        hand_off_view = await reader.hand_off(hand_off)
        if hand_off_view is None:
            return _skip("lead no longer exists")
        if kind is Notice.HAND_OFF_PROPOSED:
            if hand_off_view.status != "proposed":
                return _skip(f"hand-off already {hand_off_view.status}")
            recipient = await card_reads.first_team_lead(session, tenant_id, message.team_id)
            locale = recipient.locale if recipient else locale
        return await _personal(session, recipient, cards.hand_off_card(hand_off_view, locale, now))

    if kind in (Notice.SLA_NUDGE, Notice.SLA_ESCALATE):
        lead = await card_reads.lead(session, tenant_id, uuid.UUID(payload["lead_id"]))
        if lead is None:
            return _skip("lead no longer exists")
        if lead.first_touch_at is not None and lead.mql_at is not None and lead.first_touch_at >= lead.mql_at:
            return _skip("lead was touched in the meantime")
        if kind is Notice.SLA_ESCALATE and message.member_id is None:
            # Queued before escalations were addressed to a person.
            recipient = await card_reads.first_team_lead(session, tenant_id, message.team_id)
            locale = recipient.locale if recipient else locale
        sla_view = await reader.sla(lead, "nudge" if kind is Notice.SLA_NUDGE else "escalate")
        return await _personal(session, recipient, cards.sla_card(sla_view, locale, now))

    if kind is Notice.LEAD_UNROUTED:
        ids = [uuid.UUID(lead_id) for lead_id in payload["lead_ids"]]
        leads = list((await card_reads.leads_by_id(session, tenant_id, ids)).values())
        if payload["cause"] != "fallback":
            # Only the leads still waiting for an owner are news.
            leads = [lead for lead in leads if lead.owner_id is None]
        if not leads:
            return _skip("every lead has an owner now")
        leads.sort(key=lambda lead: str(lead.id))
        team = await card_reads.team(session, tenant_id, message.team_id)
        view = UnroutedView(
            cause=payload["cause"],
            count=int(payload["count"]),
            leads=tuple([await reader.lead(lead) for lead in leads]),
            team_name=team.name if team is not None else None,
        )
        return await _personal(session, recipient, cards.unrouted_card(view, locale))

    if kind is Notice.DIGEST:
        if recipient is None:
            return _skip("member no longer exists")
        config = config or await load_config(session=session, tenant_id=tenant_id)
        digest = await reader.digest(recipient, config)
        if not digest.top and not digest.overdue:
            return _skip("nothing due today")
        return await _personal(session, recipient, cards.digest_card(digest, locale, now))

    if kind is Notice.PIPELINE_POST:
        team = await card_reads.team(session, tenant_id, message.team_id)
        if team is None:
            return _skip("team no longer exists")
        reference = await conversations.team_reference(session=session, tenant_id=tenant_id, team_id=team.id)
        if reference is None:
            return Rendered(undeliverable=f"no channel carries the pipeline of {team.name}")
        viewer = await card_reads.first_team_lead(
            session, tenant_id, team.id
        ) or await card_reads.first_team_lead(session, tenant_id, None)
        if viewer is None:
            return _skip("team has nobody to read it")
        card = await pipeline_card_for(reader, viewer, team, viewer.locale)
        return Rendered(
            attachment=card_attachment(card),
            reference=reference.reference,
            conversation_id=reference.conversation_id,
        )

    return _skip(f"unknown notice {message.kind}")


# Notices whose data ``card_reads.read_ahead`` reads for many at once: the due follow-up cards, which are
# nearly all of what the dispatcher sends.
READ_AHEAD_KINDS = frozenset({Notice.FOLLOW_UP_DUE.value})


async def render_notices(
    *,
    session: AsyncSession,
    messages: Sequence[OutboxMessage],
    links: Links,
    now: datetime,
    config: TenantConfig,
) -> list[Rendered | Exception]:
    """Notices of one tenant rendered in one read transaction, their data read at once.

    Each card is built exactly as ``render_notice`` builds it alone. A notice that fails ends the run:
    its exception is the last item, and the notices after it are left out (a failed statement may have
    spoilt the transaction), to be rendered on their own."""
    if not messages:
        return []
    tenant_id = messages[0].tenant_id
    follow_up_ids = [
        uuid.UUID(message.payload["follow_up_id"]) for message in messages if message.kind in READ_AHEAD_KINDS
    ]
    recipients = [message.member_id for message in messages if message.member_id is not None]
    await card_reads.read_ahead(session, tenant_id, follow_up_ids, recipients)
    results: list[Rendered | Exception] = []
    try:
        for message in messages:
            try:
                results.append(
                    await render_notice(session=session, message=message, links=links, now=now, config=config)
                )
            except Exception as error:  # noqa: BLE001 - handed to the caller, which settles that notice
                results.append(error)
                break
    finally:
        card_reads.forget_read_ahead(session)
    return results
