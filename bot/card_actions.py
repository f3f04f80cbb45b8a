"""`Action.Execute` from our cards: check tenant, actor, role and lead version, apply the change, and
answer with the refreshed card, which Teams puts in place of the old one at no extra call."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

import cards
from app.db import SessionMaker, transaction
from app.models import FollowUp, HandOff, Lead, Member, Team
from app.nurturing.enums import FollowUpOutcome, FollowUpStatus, RecycleReason, TouchpointKind
from app.nurturing.errors import DomainError
from app.services import card_reads, follow_ups, hand_offs
from app.services.access import Caller
from app.services.errors import (
    Conflict,
    FollowUpNotFound,
    InvalidInput,
    NotAllowed,
    NotFound,
    ReasonNeeded,
    StaleVersion,
)
from app.services.lead_queries import read_lead
from app.services.outbox import withdraw
from app.services.pipeline import pipeline_team
from app.services.planning import card_changed_key
from app.services.tenant_config import TenantConfig, cached_config
from bot.card_views import Links, ViewReader
from cards import contract, strings
from cards.format import day_time
from cards.views import Banner

log = logging.getLogger(__name__)

Card = dict[str, Any]
MAX_LIST_OFFSET = 10_000


class BadPayload(ValueError):
    """The invoke's data is not something our cards send: a tampered or truncated payload."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True, slots=True)
class CardAction:
    verb: str
    data: Mapping[str, Any]

    @classmethod
    def parse(cls, action: Mapping[str, Any] | None) -> CardAction:
        """The verb and data of an `adaptiveCard/action` invoke's ``value.action``."""
        if not isinstance(action, Mapping):
            raise BadPayload("action")
        verb, data = action.get("verb"), action.get("data")
        if verb not in contract.VERBS:
            raise BadPayload("verb")
        if not isinstance(data, Mapping):
            raise BadPayload("data")
        return cls(verb=str(verb), data=data)

    @property
    def on_list(self) -> bool:
        """Whether the action comes from the list card (a row's button, or another page)."""
        return self.verb == contract.FOLLOW_UP_LIST or contract.DATA_LIST_OFFSET in self.data

    def uuid(self, key: str) -> uuid.UUID:
        """A required id from the data."""
        try:
            return uuid.UUID(str(self.data[key]))
        except (KeyError, ValueError) as error:
            raise BadPayload(key) from error

    def version(self) -> int:
        """The lead version the card was built from."""
        try:
            return int(self.data[contract.DATA_VERSION])
        except (KeyError, TypeError, ValueError) as error:
            raise BadPayload(contract.DATA_VERSION) from error

    def list_offset(self) -> int:
        """Where the list card's page starts; only a row index our cards could have sent."""
        try:
            offset = int(self.data[contract.DATA_LIST_OFFSET])
        except (KeyError, TypeError, ValueError) as error:
            raise BadPayload(contract.DATA_LIST_OFFSET) from error
        if not 0 <= offset <= MAX_LIST_OFFSET:
            raise BadPayload(contract.DATA_LIST_OFFSET)
        return offset

    def row_choice(self, name: str) -> str | None:
        """A list row's own input (outcome or snooze), whose id names the row's follow-up."""
        value = self.data.get(contract.row_input(name, str(self.data.get(contract.DATA_FOLLOW_UP_ID))))
        return None if value is None or value == "" else str(value)

    def recycle_reason(self, *, required: bool) -> RecycleReason | None:
        """The coded reason a rep or team lead picked; a value our cards never offer is tampering."""
        value = self.data.get(contract.INPUT_RECYCLE_REASON)
        if value is None or value == "":
            if required:
                raise BadPayload(contract.INPUT_RECYCLE_REASON)
            return None
        try:
            return RecycleReason(str(value))
        except ValueError as error:
            raise BadPayload(contract.INPUT_RECYCLE_REASON) from error

    def until(self, time_zone: str) -> datetime | None:
        """The optional "until" date, as the start of that day in the actor's zone."""
        value = self.data.get(contract.INPUT_RECYCLE_UNTIL)
        if value is None or value == "":
            return None
        try:
            return datetime.combine(date.fromisoformat(str(value)), time(0, 0), ZoneInfo(time_zone))
        except ValueError as error:
            raise BadPayload(contract.INPUT_RECYCLE_UNTIL) from error

    def text(self, key: str, *, required: bool, limit: int) -> str | None:
        """A text input, trimmed; too long or missing-when-required is bad input."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise BadPayload(key)
            return None
        if not isinstance(value, str) or len(value) > limit:
            raise BadPayload(key)
        return value.strip()


@dataclass(frozen=True, slots=True)
class Invocation:
    tenant_id: str
    member: Member
    locale: str
    now: datetime
    card_activity_id: str | None  # the message the card sits in, when Teams tells us
    conversation_id: str | None = None  # the chat that message is in


Identify = Callable[[AsyncSession], Awaitable[Invocation | None]]
# What a service may refuse an action with; `_refused` answers each, in this order.
_REFUSALS = (
    StaleVersion,
    NotAllowed,
    NotFound,
    Conflict,
    ReasonNeeded,
    BadPayload,
    InvalidInput,
    DomainError,
)


def _claims(action: CardAction, call: Invocation) -> bool:
    """Whether the card names the caller's tenant, which comes from the validated activity."""
    return str(action.data.get(contract.DATA_TENANT_ID, "")) == call.tenant_id


def _tampered(action: CardAction, call: Invocation) -> Card:
    # A card claiming another tenant than the activity's was tampered with.
    log.warning("card action refused: tenant mismatch", extra={"verb": action.verb})
    return cards.error_card(Banner("error", "not_allowed"), call.locale)


def _label(group: str, value: str, locale: str) -> str:
    return strings.label(locale, group, value)


class ActionRunner:
    """Runs card actions against the services; one per bot."""

    def __init__(self, *, sessions: SessionMaker, links: Links) -> None:
        self._sessions = sessions
        self._links = links
        self._handlers: dict[str, Callable[[AsyncSession, CardAction, Invocation], Awaitable[Card]]] = {
            contract.FOLLOW_UP_DONE: self._done,
            contract.FOLLOW_UP_SNOOZE: self._snooze,
            contract.FOLLOW_UP_RESCHEDULE: self._reschedule,
            contract.FOLLOW_UP_LOG: self._log,
            contract.FOLLOW_UP_SHOW: self._show,
            contract.HAND_OFF_PROPOSE: self._propose,
            contract.HAND_OFF_ACCEPT: self._accept,
            contract.HAND_OFF_REJECT: self._reject,
            contract.PIPELINE_REFRESH: self._pipeline,
        }
        self._list_handlers: dict[
            str, Callable[[AsyncSession, CardAction, Invocation], Awaitable[Banner | None]]
        ] = {
            contract.FOLLOW_UP_DONE: self._list_done,
            contract.FOLLOW_UP_SNOOZE: self._list_snooze,
            contract.FOLLOW_UP_LIST: self._list_page,
        }

    async def run(self, action: CardAction, call: Invocation) -> Card:
        """Apply one action and return the card that replaces the one clicked."""
        if not _claims(action, call):
            return _tampered(action, call)
        if action.on_list:
            return await self._run_list(action, call)
        try:
            async with transaction(self._sessions) as session:
                return await self._handlers[action.verb](session, action, call)
        except _REFUSALS as refusal:
            return await self._refused(action, call, refusal)

    async def run_identified(self, action: CardAction, identify: Identify) -> Card | None:
        """``run`` for a single card's action, with the caller identified in the action's own transaction:
        one connection, one begin and one commit for the turn. None (nothing written) when ``identify``
        knows nobody, or for a list card's action, which runs as ``run`` does."""
        call: Invocation | None = None
        try:
            async with transaction(self._sessions) as session:
                call = await identify(session)
                if call is None or action.on_list:
                    return None
                if not _claims(action, call):
                    return _tampered(action, call)
                return await self._handlers[action.verb](session, action, call)
        except _REFUSALS as refusal:
            if call is None:
                raise
            return await self._refused(action, call, refusal)

    async def _refused(self, action: CardAction, call: Invocation, refusal: Exception) -> Card:
        """The answer to an action a service refused, once its transaction has rolled back."""
        if isinstance(refusal, StaleVersion):
            return await self._stale(action, call)
        if isinstance(refusal, NotAllowed):
            return cards.error_card(Banner("error", "not_allowed"), call.locale)
        if isinstance(refusal, NotFound):
            return cards.error_card(Banner("error", "not_found"), call.locale)
        if isinstance(refusal, Conflict):
            return await self._current(action, call, Banner("warning", "already_closed"))
        if isinstance(refusal, ReasonNeeded):
            return await self._current(action, call, Banner("warning", "reason_required"))
        field = refusal.field if isinstance(refusal, BadPayload) else "input"
        log.info("card action refused: %s", field, extra={"verb": action.verb})
        return await self._current(action, call, Banner("error", "invalid_input", {"field": field}))

    # --- follow-ups -------------------------------------------------------------------------------------

    def _reader(self, session: AsyncSession, call: Invocation) -> ViewReader:
        return ViewReader(session=session, tenant_id=call.tenant_id, links=self._links, now=call.now)

    async def _config(self, session: AsyncSession, call: Invocation) -> TenantConfig:
        # Read once per turn: the service and the card that follows both need the tenant's settings.
        cached = session.info.get("nurture.config")
        if cached is None:
            cached = await cached_config(session=session, tenant_id=call.tenant_id)
            session.info["nurture.config"] = cached
        return cast(TenantConfig, cached)

    async def _follow_up_card(
        self, session: AsyncSession, follow_up_id: uuid.UUID, call: Invocation, banner: Banner | None
    ) -> Card:
        config = await self._config(session, call)
        view = await self._reader(session, call).follow_up_by_id(follow_up_id, config)
        if view is None:
            return cards.error_card(Banner("error", "not_found"), call.locale)
        return cards.follow_up_card(view, call.locale, call.now, banner=banner)

    async def _settle_card(self, session: AsyncSession, follow_up: FollowUp, call: Invocation) -> None:
        # The invoke response updates this very card; a queued "update the card" notice would repeat it.
        if call.card_activity_id and follow_up.activity_id == call.card_activity_id:
            await withdraw(
                session=session, tenant_id=call.tenant_id, dedupe_key=card_changed_key(follow_up, call.now)
            )

    def _caller(self, call: Invocation) -> Caller:
        return Caller.of(call.member, call.now)

    async def _done(self, session: AsyncSession, action: CardAction, call: Invocation) -> Card:
        follow_up_id = action.uuid(contract.DATA_FOLLOW_UP_ID)
        try:
            try:
                outcome = FollowUpOutcome(
                    str(action.data.get(contract.INPUT_OUTCOME, contract.DEFAULT_OUTCOME))
                )
            except ValueError as error:
                raise BadPayload(contract.INPUT_OUTCOME) from error
            version = action.version()
            reason_code = action.recycle_reason(required=False)
            until = action.until(call.member.time_zone)
        except BadPayload:
            # Who may work this follow-up is settled before what they sent is judged.
            await self._owned_follow_up(session, follow_up_id, call)
            raise
        config = await self._config(session, call)
        # The service authorizes before it writes, and hands back what the refreshed card shows, so the
        # card is built without reading any of it again.
        try:
            done = await follow_ups.complete_follow_up(
                session=session,
                follow_up_id=follow_up_id,
                outcome=outcome,
                caller=self._caller(call),
                expected_version=version,
                config=config,
                reason_code=reason_code,
                until=until,
                answered_card=call.card_activity_id,
            )
        except FollowUpNotFound:
            # Hidden from this caller or gone: a card forwarded to another rep says "not allowed", as
            # every card action does when the follow-up exists.
            await self._owned_follow_up(session, follow_up_id, call)
            raise
        following = done.context.active_follow_up
        next_due = day_time(following.due_at, call.member.time_zone, call.locale) if following else "–"
        banner = Banner(
            "success",
            "done",
            {"outcome": _label("outcome", outcome.value, call.locale), "next_due": next_due},
        )
        view = await self._reader(session, call).completed(done, config)
        return cards.follow_up_card(view, call.locale, call.now, banner=banner)

    async def _snooze(self, session: AsyncSession, action: CardAction, call: Invocation) -> Card:
        follow_up_id = action.uuid(contract.DATA_FOLLOW_UP_ID)
        await self._owned_follow_up(session, follow_up_id, call)
        try:
            preset = follow_ups.SnoozePreset(str(action.data.get(contract.DATA_SNOOZE)))
        except ValueError as error:
            raise BadPayload(contract.DATA_SNOOZE) from error
        snoozed = await follow_ups.snooze_follow_up(
            session=session,
            follow_up_id=follow_up_id,
            preset=preset,
            caller=self._caller(call),
            expected_version=action.version(),
        )
        await self._settle_card(session, snoozed, call)
        until = day_time(snoozed.due_at, call.member.time_zone, call.locale)
        return await self._follow_up_card(
            session, follow_up_id, call, Banner("success", "snoozed", {"until": until})
        )

    async def _reschedule(self, session: AsyncSession, action: CardAction, call: Invocation) -> Card:
        follow_up_id = action.uuid(contract.DATA_FOLLOW_UP_ID)
        await self._owned_follow_up(session, follow_up_id, call)
        try:
            day = date.fromisoformat(str(action.data.get(contract.INPUT_DUE_DATE)))
        except ValueError as error:
            raise BadPayload(contract.INPUT_DUE_DATE) from error
        raw_time = action.data.get(contract.INPUT_DUE_TIME)
        when: date | datetime = day
        if raw_time:
            try:
                # The card's time input is the rep's wall clock.
                when = datetime.combine(
                    day, time.fromisoformat(str(raw_time)), ZoneInfo(call.member.time_zone)
                )
            except ValueError as error:
                raise BadPayload(contract.INPUT_DUE_TIME) from error
        moved = await follow_ups.reschedule_follow_up(
            session=session,
            follow_up_id=follow_up_id,
            when=when,
            caller=self._caller(call),
            expected_version=action.version(),
        )
        await self._settle_card(session, moved, call)
        until = day_time(moved.due_at, call.member.time_zone, call.locale)
        return await self._follow_up_card(
            session, follow_up_id, call, Banner("success", "rescheduled", {"until": until})
        )

    async def _log(self, session: AsyncSession, action: CardAction, call: Invocation) -> Card:
        follow_up_id = action.uuid(contract.DATA_FOLLOW_UP_ID)
        follow_up = await self._owned_follow_up(session, follow_up_id, call)
        raw_kind = str(action.data.get(contract.INPUT_TOUCH_KIND, "call"))
        if raw_kind not in contract.TOUCH_KINDS:
            raise BadPayload(contract.INPUT_TOUCH_KIND)
        kind = TouchpointKind.CALL if raw_kind == "call" else TouchpointKind.MAIL
        summary = action.text(contract.INPUT_SUMMARY, required=True, limit=contract.SUMMARY_MAX_LENGTH)
        await follow_ups.log_touchpoint(
            session=session,
            lead_id=follow_up.lead_id,
            kind=kind,
            summary=summary or "",
            caller=self._caller(call),
            expected_version=action.version(),
        )
        banner = Banner("success", "logged", {"kind": _label("touch_kind", raw_kind, call.locale)})
        return await self._follow_up_card(session, follow_up_id, call, banner)

    async def _show(self, session: AsyncSession, action: CardAction, call: Invocation) -> Card:
        follow_up_id = action.uuid(contract.DATA_FOLLOW_UP_ID)
        await follow_ups.visible_follow_up(
            session=session, caller=self._caller(call), follow_up_id=follow_up_id
        )
        return await self._follow_up_card(session, follow_up_id, call, None)

    async def _owned_follow_up(
        self, session: AsyncSession, follow_up_id: uuid.UUID, call: Invocation
    ) -> FollowUp:
        """The follow-up, once the caller is known to be allowed to work its lead."""
        return await follow_ups.workable_follow_up(
            session=session, caller=self._caller(call), follow_up_id=follow_up_id
        )

    async def _decidable_hand_off(
        self, session: AsyncSession, hand_off_id: uuid.UUID, call: Invocation
    ) -> HandOff:
        """The hand-off, once the caller is known to be allowed to decide it."""
        return await hand_offs.decidable_hand_off(
            session=session, caller=self._caller(call), hand_off_id=hand_off_id
        )

    # --- the list card ------------------------------------------------------------------------------------

    async def _run_list(self, action: CardAction, call: Invocation) -> Card:
        """A row's Done or Snooze, or another page: the answer is the list card again, refreshed in place."""
        handler = self._list_handlers.get(action.verb)
        try:
            if handler is None:
                raise BadPayload("verb")
            offset = action.list_offset()
            async with transaction(self._sessions) as session:
                banner = await handler(session, action, call)
                return await self._list_card(session, call, offset, banner, remember=True)
        except StaleVersion:
            async with self._sessions() as session:
                lead = await self._lead_behind(session, action, call)
                if lead is None:
                    return cards.error_card(Banner("error", "not_found"), call.locale)
                changes = await describe_changes(session, lead, action, call)
                banner = Banner("warning", "stale", {"changes": changes})
                return await self._list_card(session, call, offset, banner)
        except NotAllowed:
            return cards.error_card(Banner("error", "not_allowed"), call.locale)
        except NotFound:
            return cards.error_card(Banner("error", "not_found"), call.locale)
        except (Conflict, ReasonNeeded) as refusal:
            # Both come after the caller was found allowed to work the lead, so the list may be shown.
            code = "already_closed" if isinstance(refusal, Conflict) else "reason_required"
            async with self._sessions() as session:
                return await self._list_card(session, call, offset, Banner("warning", code))
        except (BadPayload, InvalidInput, DomainError) as error:
            field = error.field if isinstance(error, BadPayload) else "input"
            log.info("list card action refused: %s", field, extra={"verb": action.verb})
            return cards.error_card(Banner("error", "invalid_input", {"field": field}), call.locale)

    async def _list_card(
        self,
        session: AsyncSession,
        call: Invocation,
        offset: int,
        banner: Banner | None,
        *,
        remember: bool = False,
    ) -> Card:
        # Always the caller's own list: the member comes from the validated activity, never from the data.
        view = await self._reader(session, call).follow_up_list(call.member, offset)
        if remember and call.card_activity_id and call.conversation_id and view.rows:
            # Rows that came onto this card (another page, or the next ones moving up) now sit in it.
            await card_reads.remember_list_card(
                session,
                call.tenant_id,
                [uuid.UUID(row.id) for row in view.rows],
                call.card_activity_id,
                call.conversation_id,
            )
        return cards.follow_up_list_card(view, call.locale, call.now, banner=banner)

    async def _settle_list(self, session: AsyncSession, follow_up: FollowUp, call: Invocation) -> None:
        # As _settle_card, for a follow-up whose card is this list.
        if call.card_activity_id and follow_up.activity_id == card_reads.list_card_id(call.card_activity_id):
            await withdraw(
                session=session, tenant_id=call.tenant_id, dedupe_key=card_changed_key(follow_up, call.now)
            )

    async def _list_page(self, session: AsyncSession, action: CardAction, call: Invocation) -> Banner | None:
        del session, action, call  # paging changes nothing; the list is read afterwards
        return None

    async def _list_done(self, session: AsyncSession, action: CardAction, call: Invocation) -> Banner:
        follow_up_id = action.uuid(contract.DATA_FOLLOW_UP_ID)
        await self._owned_follow_up(session, follow_up_id, call)
        try:
            outcome = FollowUpOutcome(action.row_choice(contract.INPUT_OUTCOME) or contract.DEFAULT_OUTCOME)
        except ValueError as error:
            raise BadPayload(contract.INPUT_OUTCOME) from error
        done = await follow_ups.complete_follow_up(
            session=session,
            follow_up_id=follow_up_id,
            outcome=outcome,
            caller=self._caller(call),
            expected_version=action.version(),
            config=await self._config(session, call),
            # The invoke's answer refreshes the list this row sits in; no update of it is queued.
            answered_card=card_reads.list_card_id(call.card_activity_id) if call.card_activity_id else None,
        )
        following = done.context.active_follow_up
        next_due = following.due_at.isoformat() if following is not None else "–"
        lead = done.context.lead
        name = f"{lead.first_name} {lead.last_name}".strip() or lead.email
        return Banner("success", "list_done", {"lead": name, "outcome": outcome.value, "next_due": next_due})

    async def _list_snooze(self, session: AsyncSession, action: CardAction, call: Invocation) -> Banner:
        follow_up_id = action.uuid(contract.DATA_FOLLOW_UP_ID)
        follow_up = await self._owned_follow_up(session, follow_up_id, call)
        try:
            preset = follow_ups.SnoozePreset(action.row_choice(contract.DATA_SNOOZE) or "")
        except ValueError as error:
            raise BadPayload(contract.DATA_SNOOZE) from error
        snoozed = await follow_ups.snooze_follow_up(
            session=session,
            follow_up_id=follow_up_id,
            preset=preset,
            caller=self._caller(call),
            expected_version=action.version(),
        )
        await self._settle_list(session, snoozed, call)
        name = await self._lead_name(session, follow_up, call)
        return Banner("success", "list_snoozed", {"lead": name, "until": snoozed.due_at.isoformat()})

    async def _lead_name(self, session: AsyncSession, follow_up: FollowUp, call: Invocation) -> str:
        # The service has just loaded the lead; the session hands it back without a query.
        lead = await card_reads.lead(session, call.tenant_id, follow_up.lead_id)
        if lead is None:
            return "–"
        return f"{lead.first_name} {lead.last_name}".strip() or lead.email

    # --- hand-offs ----------------------------------------------------------------------------------------

    async def _propose(self, session: AsyncSession, action: CardAction, call: Invocation) -> Card:
        follow_up_id = action.uuid(contract.DATA_FOLLOW_UP_ID)
        follow_up = await self._owned_follow_up(session, follow_up_id, call)
        note = action.text(
            contract.INPUT_HANDOFF_NOTE, required=False, limit=contract.HANDOFF_NOTE_MAX_LENGTH
        )
        await hand_offs.propose_hand_off(
            session=session,
            lead_id=follow_up.lead_id,
            caller=self._caller(call),
            note=note,
            expected_version=action.version(),
        )
        return await self._follow_up_card(session, follow_up_id, call, Banner("success", "hand_off_proposed"))

    async def _hand_off_card(
        self, session: AsyncSession, hand_off_id: uuid.UUID, call: Invocation, banner: Banner | None
    ) -> Card:
        row = await card_reads.hand_off(session, call.tenant_id, hand_off_id)
        view = await self._reader(session, call).hand_off(row) if row else None
        if view is None:
            return cards.error_card(Banner("error", "not_found"), call.locale)
        return cards.hand_off_card(view, call.locale, call.now, banner=banner)

    async def _accept(self, session: AsyncSession, action: CardAction, call: Invocation) -> Card:
        hand_off_id = action.uuid(contract.DATA_HAND_OFF_ID)
        await self._decidable_hand_off(session, hand_off_id, call)
        await hand_offs.accept_hand_off(
            session=session,
            hand_off_id=hand_off_id,
            caller=self._caller(call),
        )
        banner = Banner("success", "hand_off_accepted", {"by": call.member.display_name})
        return await self._hand_off_card(session, hand_off_id, call, banner)

    async def _reject(self, session: AsyncSession, action: CardAction, call: Invocation) -> Card:
        hand_off_id = action.uuid(contract.DATA_HAND_OFF_ID)
        await self._decidable_hand_off(session, hand_off_id, call)
        code = action.recycle_reason(required=True)
        note = action.text(
            contract.INPUT_REJECT_REASON, required=False, limit=contract.REJECT_REASON_MAX_LENGTH
        )
        await hand_offs.reject_hand_off(
            session=session,
            hand_off_id=hand_off_id,
            reason_code=code,
            note=note,
            until=action.until(call.member.time_zone),
            caller=self._caller(call),
        )
        reason = _label("recycle_reason", code.value if code else "", call.locale)
        banner = Banner("success", "hand_off_rejected", {"by": call.member.display_name, "reason": reason})
        return await self._hand_off_card(session, hand_off_id, call, banner)

    # --- pipeline -----------------------------------------------------------------------------------------

    async def _pipeline(self, session: AsyncSession, action: CardAction, call: Invocation) -> Card:
        raw = action.data.get(contract.DATA_TEAM_ID)
        team: Team | None = None
        if raw:
            team_id = action.uuid(contract.DATA_TEAM_ID)
            team = await pipeline_team(session=session, caller=self._caller(call), team_id=team_id)
        return await pipeline_card_for(self._reader(session, call), call.member, team, call.locale)

    # --- refusals -----------------------------------------------------------------------------------------

    async def _current(self, action: CardAction, call: Invocation, banner: Banner) -> Card:
        """The card as it stands now, with a banner saying why nothing happened."""
        async with self._sessions() as session:
            for key, render in (
                (contract.DATA_FOLLOW_UP_ID, self._follow_up_card),
                (contract.DATA_HAND_OFF_ID, self._hand_off_card),
            ):
                raw = action.data.get(key)
                if raw is None:
                    continue
                try:
                    object_id = uuid.UUID(str(raw))
                except ValueError:
                    break
                card = await render(session, object_id, call, banner)
                if await self._visible(session, key, object_id, call):
                    return card
                return cards.error_card(Banner("error", "not_allowed"), call.locale)
        return cards.error_card(banner, call.locale)

    async def _visible(self, session: AsyncSession, key: str, object_id: uuid.UUID, call: Invocation) -> bool:
        # A refusal must not show another rep's lead to someone who tampered with the ids.
        row = await _row(session, key, object_id, call)
        if row is None:
            return False
        try:
            await read_lead(session=session, caller=self._caller(call), lead_id=row.lead_id)
        except NotFound:
            return False
        return True

    async def _stale(self, action: CardAction, call: Invocation) -> Card:
        async with self._sessions() as session:
            # The lead is the one behind the follow-up or hand-off the caller may see; the card's lead_id
            # is only a claim, and a tampered one must not turn the banner into a window on another lead.
            lead = await self._lead_behind(session, action, call)
            if lead is None:
                return cards.error_card(Banner("error", "not_found"), call.locale)
            changes = await describe_changes(session, lead, action, call)
        return await self._current(action, call, Banner("warning", "stale", {"changes": changes}))

    async def _lead_behind(self, session: AsyncSession, action: CardAction, call: Invocation) -> Lead | None:
        for key in (contract.DATA_FOLLOW_UP_ID, contract.DATA_HAND_OFF_ID):
            if action.data.get(key) is None:
                continue
            try:
                object_id = action.uuid(key)
            except BadPayload:
                return None
            if not await self._visible(session, key, object_id, call):
                return None
            row = await _row(session, key, object_id, call)
            return await card_reads.lead(session, call.tenant_id, row.lead_id) if row is not None else None
        return None


async def _row(
    session: AsyncSession, key: str, object_id: uuid.UUID, call: Invocation
) -> FollowUp | HandOff | None:
    """The follow-up or hand-off a card names, if it is of the caller's tenant."""
    if key == contract.DATA_FOLLOW_UP_ID:
        return await card_reads.follow_up(session, call.tenant_id, object_id)
    return await card_reads.hand_off(session, call.tenant_id, object_id)


async def describe_changes(session: AsyncSession, lead: Lead, action: CardAction, call: Invocation) -> str:
    """What a rep should know about the lead now, in a short sentence in their language."""
    parts: list[str] = []
    raw = action.data.get(contract.DATA_FOLLOW_UP_ID)
    if raw is not None:
        try:
            follow_up = await card_reads.follow_up(session, call.tenant_id, uuid.UUID(str(raw)))
        except ValueError:
            follow_up = None
        if (
            follow_up is not None
            and follow_up.lead_id == lead.id
            and not FollowUpStatus(follow_up.status).is_active
        ):
            parts.append(
                strings.text(
                    call.locale,
                    "change.follow_up_closed",
                    status=_label("status", follow_up.status.value, call.locale),
                )
            )
    if lead.owner_id != call.member.id:
        owner = await card_reads.member(session, call.tenant_id, lead.owner_id) if lead.owner_id else None
        parts.append(strings.text(call.locale, "change.owner", owner=owner.display_name if owner else "–"))
    parts.append(
        strings.text(
            call.locale,
            "change.state",
            stage=_label("stage", lead.stage.value, call.locale),
            lifecycle=_label("lifecycle", lead.lifecycle.value, call.locale),
            score=lead.total_score,
        )
    )
    return "; ".join(parts)


async def pipeline_card_for(reader: ViewReader, member: Member, team: Team | None, locale: str) -> Card:
    """The pipeline card for a team (or the whole tenant), refreshing for the people who read it."""
    if team is None and member.team_id is not None and member.role.value == "lead":
        team = await card_reads.team(reader.session, member.tenant_id, member.team_id)
    viewers = await reader.channel_viewers(team)
    view = await reader.pipeline(caller=Caller.of(member, reader.now), team=team, viewer_ids=viewers)
    return cards.pipeline_card(view, locale, reader.now)
