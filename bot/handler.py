"""The Teams activity handler: installation events, commands and card actions."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo, teams_get_channel_id
from botbuilder.schema import Activity, Attachment, ChannelAccount
from botbuilder.schema.teams import TeamInfo
from sqlmodel.ext.asyncio.session import AsyncSession

import cards
from app.db import SessionMaker, transaction
from app.keys import Clock
from app.models import Member
from app.services import card_reads, conversations
from app.services.access import Caller, acting_member
from app.services.errors import NotAllowed
from app.services.lead_queries import LeadFilter, list_leads
from app.services.tenant_config import load_config
from bot.card_actions import ActionRunner, BadPayload, CardAction, Invocation, pipeline_card_for
from bot.card_views import Links, ViewReader
from bot.commands import Command, parse
from bot.connector_client import BotConnector
from cards.views import Banner

log = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_CARDS_PER_ANSWER = 5


def card_attachment(card: dict[str, Any]) -> Attachment:
    """An Adaptive Card as a message attachment."""
    return Attachment(content_type=CARD_CONTENT_TYPE, content=card)


def locale_of(activity: Activity, member: Member | None = None) -> str:
    """German when Teams (or, failing that, the member's profile) says so; English otherwise."""
    raw = activity.locale or (member.locale if member else "") or ""
    return "de" if raw.lower().startswith("de") else "en"


def tenant_of(activity: Activity) -> str | None:
    """The Entra ID tenant the activity comes from."""
    if activity.conversation is not None and activity.conversation.tenant_id:
        return str(activity.conversation.tenant_id)
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else None
    return str(tenant["id"]) if tenant and tenant.get("id") else None


def _is_execute(value: object) -> bool:
    action = value.get("action") if isinstance(value, dict) else None
    return isinstance(action, dict) and action.get("type") == "Action.Execute"


def scope_of(activity: Activity) -> str:
    """personal, groupChat or channel."""
    kind = (activity.conversation.conversation_type if activity.conversation else None) or "personal"
    return "channel" if kind == "channel" else kind


def _channel_id(activity: Activity) -> str:
    """The channel a message came from; a reply in a thread adds ";messageid=" to the conversation id."""
    channel: str | None = teams_get_channel_id(activity)
    return channel or str(activity.conversation.id).split(";messageid=")[0]


class NurtureBot(TeamsActivityHandler):
    """Everything people do with the bot inside Teams."""

    def __init__(
        self, *, sessions: SessionMaker, clock: Clock, links: Links, connector: BotConnector | None = None
    ) -> None:
        super().__init__()
        self._sessions = sessions
        self._connector = connector
        self._clock = clock
        self._links = links
        self._runner = ActionRunner(sessions=sessions, links=links)

    # --- who is talking -----------------------------------------------------------------------------

    async def _who(self, turn_context: TurnContext) -> Member | None:
        activity = turn_context.activity
        tenant_id = tenant_of(activity)
        object_id = activity.from_property.aad_object_id if activity.from_property else None
        if not tenant_id or not object_id:
            return None
        async with self._sessions() as session:
            member = await conversations.member_by_object_id(
                session=session, tenant_id=tenant_id, object_id=object_id
            )
        if member is not None:
            return member
        email = await self._email_of(turn_context)
        async with transaction(self._sessions) as session:
            return await conversations.link_object_id(
                session=session, tenant_id=tenant_id, object_id=object_id, email=email
            )

    async def _email_of(self, turn_context: TurnContext) -> str | None:
        # First contact only: Teams knows the address, the activity does not carry it.
        try:
            account = await TeamsInfo.get_member(turn_context, turn_context.activity.from_property.id)
        except Exception:  # noqa: BLE001 - no roster (e.g. the Emulator): the person stays unknown
            log.info("could not read the sender's Teams profile")
            return None
        return getattr(account, "email", None) or getattr(account, "user_principal_name", None)

    async def _known_sender(self, session: AsyncSession, turn_context: TurnContext) -> Member | None:
        """The member who sent this, with their chat remembered; None for someone not linked yet."""
        activity = turn_context.activity
        tenant_id = tenant_of(activity)
        object_id = activity.from_property.aad_object_id if activity.from_property else None
        if not tenant_id or not object_id:
            return None
        member = await conversations.member_by_object_id(
            session=session, tenant_id=tenant_id, object_id=object_id
        )
        if member is not None:
            await self._remember_in(session, turn_context, member)
        return member

    async def _first_contact(self, turn_context: TurnContext) -> Member | None:
        """The slower path for a sender not linked yet, which may ask Teams for their address."""
        member = await self._who(turn_context)
        if member is not None:
            await self._remember(turn_context, member)
        return member

    async def _remember(self, turn_context: TurnContext, member: Member | None) -> None:
        async with transaction(self._sessions) as session:
            await self._remember_in(session, turn_context, member)

    async def _remember_in(
        self, session: AsyncSession, turn_context: TurnContext, member: Member | None
    ) -> None:
        activity = turn_context.activity
        tenant_id = tenant_of(activity)
        if not tenant_id or activity.conversation is None:
            return
        reference = TurnContext.get_conversation_reference(activity)
        await conversations.remember(
            session=session,
            tenant_id=tenant_id,
            conversation_id=activity.conversation.id,
            scope=scope_of(activity),
            service_url=activity.service_url,
            reference=reference.serialize(),
            member_id=member.id if member is not None and scope_of(activity) == "personal" else None,
            now=self._clock(),
        )

    async def _send_card(self, turn_context: TurnContext, card: dict[str, Any]) -> str | None:
        response = await turn_context.send_activity(MessageFactory.attachment(card_attachment(card)))
        return response.id if response is not None else None

    async def _post_card(self, turn_context: TurnContext, card: dict[str, Any]) -> str | None:
        """A large card into this turn's chat, posted as JSON: botbuilder's reply path deep-copies the
        activity and walks every node of the card through msrest, which costs more than the turn's own
        work for a list card; the message is the same (the chat's reference, the card attachment)."""
        if self._connector is None:
            return await self._send_card(turn_context, card)
        reference = TurnContext.get_conversation_reference(turn_context.activity).serialize()
        return await self._connector.send(reference, [{"contentType": CARD_CONTENT_TYPE, "content": card}])

    # --- installation ---------------------------------------------------------------------------------

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        member = await self._who(turn_context)
        await self._remember(turn_context, member)
        await self._send_card(
            turn_context,
            cards.welcome_card(locale_of(turn_context.activity, member), scope_of(turn_context.activity)),
        )

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        tenant_id = tenant_of(activity)
        if tenant_id and activity.conversation is not None:
            async with transaction(self._sessions) as session:
                await conversations.forget(
                    session=session, tenant_id=tenant_id, conversation_ids=[activity.conversation.id]
                )

    async def on_teams_members_added(
        self,
        teams_members_added: Sequence[ChannelAccount],
        team_info: TeamInfo | None,
        turn_context: TurnContext,
    ) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(account.id == bot_id for account in teams_members_added):
            # The bot itself joined this chat or team. Teams also sends installationUpdate, which says
            # hello; here the reference is kept, so a conversationUpdate alone still makes the chat known.
            await self._remember(turn_context, await self._who(turn_context))
            return
        if scope_of(activity) == "personal":
            await self._remember(turn_context, await self._who(turn_context))

    # --- messages -------------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        text = TurnContext.remove_recipient_mention(activity) if activity.entities else activity.text
        parsed = parse(text)
        scope = scope_of(activity)
        now = self._clock()
        async with transaction(self._sessions) as session:
            member = await self._known_sender(session, turn_context)
            if member is not None and parsed.command is Command.MY_FOLLOW_UPS and scope == "personal":
                # The busiest command runs in the sender's transaction: one connection for the turn.
                await self._my_follow_ups(session, turn_context, member, locale_of(activity, member), now)
                return
        member = member or await self._first_contact(turn_context)
        locale = locale_of(activity, member)
        if member is None:
            await self._send_card(turn_context, cards.error_card(Banner("error", "not_allowed"), locale))
            return
        if parsed.command is Command.MY_FOLLOW_UPS and scope == "personal":
            async with transaction(self._sessions) as session:
                await self._my_follow_ups(session, turn_context, member, locale, now)
        elif parsed.command is Command.LEAD and parsed.argument:
            await self._lead(turn_context, member, parsed.argument, locale, now)
        elif parsed.command is Command.DIGEST:
            async with self._sessions() as session:
                config = await load_config(session=session, tenant_id=member.tenant_id)
                reader = ViewReader(session=session, tenant_id=member.tenant_id, links=self._links, now=now)
                view = await reader.digest(member, config)
            await self._send_card(turn_context, cards.digest_card(view, locale, now))
        elif parsed.command is Command.PIPELINE:
            async with self._sessions() as session:
                reader = ViewReader(session=session, tenant_id=member.tenant_id, links=self._links, now=now)
                team = await reader.team_for_channel(_channel_id(activity)) if scope == "channel" else None
                try:
                    card = await pipeline_card_for(reader, member, team, locale)
                except NotAllowed:
                    card = cards.pipeline_roles_only_card(locale)
            await self._send_card(turn_context, card)
        else:
            await self._send_card(turn_context, cards.help_card(locale, scope))

    async def _my_follow_ups(
        self, session: AsyncSession, turn_context: TurnContext, member: Member, locale: str, now: datetime
    ) -> None:
        # One list card, not a card per follow-up: one outgoing call whatever the rep has on their plate.
        # The same transaction reads the page and, once Teams has given the message its id, remembers
        # where the list sits (so a change made in the tab refreshes it in place). Reads take no lock
        # while the card goes out (only a chat's first message, which stores its reference, holds
        # SQLite's write lock that long); PostgreSQL's reads under READ COMMITTED block nobody.
        reader = ViewReader(session=session, tenant_id=member.tenant_id, links=self._links, now=now)
        view = await reader.follow_up_list(member)
        activity_id = await self._post_card(turn_context, cards.follow_up_list_card(view, locale, now))
        if activity_id and view.rows:
            await card_reads.remember_list_card(
                session,
                member.tenant_id,
                [uuid.UUID(row.id) for row in view.rows],
                activity_id,
                turn_context.activity.conversation.id,
            )

    async def _lead(
        self, turn_context: TurnContext, member: Member, query: str, locale: str, now: datetime
    ) -> None:
        async with self._sessions() as session:
            page = await list_leads(
                session=session,
                caller=Caller.of(member, now),
                where=LeadFilter(search=query),
                limit=MAX_CARDS_PER_ANSWER,
            )
            reader = ViewReader(session=session, tenant_id=member.tenant_id, links=self._links, now=now)
            if len(page.items) == 1:
                lead = page.items[0]
                config = await load_config(session=session, tenant_id=member.tenant_id)
                active = await reader.active_follow_up(lead.id)
                follow_up = await reader.follow_up(active, lead, config) if active else None
                last = await reader.last_exchange(lead.id)
                card = cards.lead_card(
                    await reader.lead(lead), follow_up, [last] if last else [], locale, now
                )
            else:
                matches = [await reader.lead(lead) for lead in page.items]
                card = cards.lead_matches_card(matches, query, locale)
        await self._send_card(turn_context, card)

    # --- card actions ---------------------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        if not _is_execute(activity.value):
            # The SDK would unpack any value with ** and answer a wrong shape with an error body that it
            # cannot serialise (a 500); a card that was not ours gets our error card instead.
            log.info("card action refused: the invoke value is not an Action.Execute")
            card = cards.error_card(
                Banner("error", "invalid_input", {"field": "action"}), locale_of(activity)
            )
        else:
            card = await self._card_action(turn_context, activity.value["action"])
        # The answer goes back as the JSON the card already is: the SDK's own path (an
        # AdaptiveCardInvokeResponse through its serializer) walks every node of the card through msrest.
        return InvokeResponse(status=200, body={"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card})

    async def _card_action(self, turn_context: TurnContext, raw_action: dict[str, Any]) -> dict[str, Any]:
        """The card that answers an ``Action.Execute``: the refreshed card, or one saying why not."""
        activity = turn_context.activity
        tenant_id = tenant_of(activity)
        object_id = activity.from_property.aad_object_id if activity.from_property else None
        try:
            action: CardAction | None = CardAction.parse(raw_action)
        except BadPayload:
            action = None
        if action is not None and tenant_id and object_id:
            # A known sender's action runs in the transaction that identifies them: one connection and
            # one commit for the turn. The member is still read before anything else is.
            card = await self._runner.run_identified(
                action, lambda session: self._invocation(session, turn_context, tenant_id, object_id)
            )
            if card is not None:
                return card
        # First contact (which may ask Teams for the address), a list card's action, or a bad payload.
        member = await self._who(turn_context)
        locale = locale_of(activity, member)
        if member is None or tenant_id is None:
            return cards.error_card(Banner("error", "not_allowed"), locale)
        try:
            action = CardAction.parse(raw_action)
        except BadPayload as error:
            return cards.error_card(Banner("error", "invalid_input", {"field": error.field}), locale)
        return await self._runner.run(action, self._call(turn_context, tenant_id, member))

    async def _invocation(
        self, session: AsyncSession, turn_context: TurnContext, tenant_id: str, object_id: str
    ) -> Invocation | None:
        member = await acting_member(session=session, tenant_id=tenant_id, object_id=object_id)
        if member is None:
            return None
        # The member outlives this transaction: a refused action rolls it back (which would expire every
        # object it loaded) and answers from a new session.
        session.expunge(member)
        return self._call(turn_context, tenant_id, member)

    def _call(self, turn_context: TurnContext, tenant_id: str, member: Member) -> Invocation:
        activity = turn_context.activity
        return Invocation(
            tenant_id=tenant_id,
            member=member,
            locale=locale_of(activity, member),
            now=self._clock(),
            card_activity_id=activity.reply_to_id,
            conversation_id=activity.conversation.id if activity.conversation else None,
        )
