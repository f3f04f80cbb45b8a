"""The vocabulary of lead nurturing, shared by the domain, the database and every transport."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    REP = "rep"
    LEAD = "lead"  # team lead
    MANAGER = "manager"
    ADMIN = "admin"


class Lifecycle(StrEnum):
    NEW = "new"
    MQL = "mql"
    SAL = "sal"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"
    RECYCLED = "recycled"
    DISQUALIFIED = "disqualified"


class BuyerStage(StrEnum):
    AWARENESS = "awareness"
    EVALUATION = "evaluation"
    DECISION = "decision"

    @property
    def rank(self) -> int:
        """Position in the buying journey; automatic changes may only raise it."""
        return _STAGE_RANK[self]


_STAGE_RANK = {BuyerStage.AWARENESS: 0, BuyerStage.EVALUATION: 1, BuyerStage.DECISION: 2}


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SNOOZED = "snoozed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"

    @property
    def is_active(self) -> bool:
        """Open and snoozed follow-ups both still wait on the rep; a lead has at most one."""
        return self in (FollowUpStatus.OPEN, FollowUpStatus.SNOOZED)


ACTIVE_FOLLOW_UP_STATUSES = (FollowUpStatus.OPEN, FollowUpStatus.SNOOZED)


class FollowUpKind(StrEnum):
    NURTURE = "nurture"  # regular value touch on the cadence
    REMINDER = "reminder"  # no reply yet: a helpful nudge, not the same message again
    ANSWER = "answer"  # the lead wrote: answer soon; a conversation, not contact pressure
    SIGNAL = "signal"  # a buying signal (demo request, pricing visits, a booked meeting): follow up now
    AWAITING_REPLY = "awaiting_reply"  # we wrote; a reply from the lead completes it
    DISCOVERY_CALL = "discovery_call"  # after a hand-off is accepted
    LONG_TERM = "long_term"  # parked in long-term nurture after too many unanswered touches
    SALES_STEP = "sales_step"  # from SAL on: the next step the rep agreed with the buyer, not a nurture touch
    FIX_ADDRESS = "fix_address"  # the e-mail bounced: find the right address before anything else


# The unsolicited touches of the nurture cadence: what the weekly contact cap limits.
PRESSURE_KINDS = frozenset({FollowUpKind.NURTURE, FollowUpKind.REMINDER, FollowUpKind.LONG_TERM})
# Every touch the cadence plans. Answers and buying-signal follow-ups respond to the lead's own move, so
# the cap never delays them, but they count in the week before the next unsolicited touch.
TOUCH_KINDS = PRESSURE_KINDS | {FollowUpKind.ANSWER, FollowUpKind.SIGNAL}


class FollowUpOutcome(StrEnum):
    REPLIED = "replied"
    NO_ANSWER = "no_answer"
    MEETING_BOOKED = "meeting_booked"
    NOT_INTERESTED = "not_interested"


class TouchpointKind(StrEnum):
    CALL = "call"
    MAIL = "mail"
    MEETING = "meeting"
    CHAT = "chat"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageSource(StrEnum):
    """Where a stored conversation message came from."""

    MAIL = "mail"
    CHAT = "chat"


class HandOffStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the lead left the funnel (recycled, disqualified) before anyone decided


class RecycleReason(StrEnum):
    """Why sales sent a lead back (or out): each code decides how long the lead is nurtured first."""

    NO_BUDGET = "no_budget"  # until the next fiscal year starts
    BAD_TIMING = "bad_timing"  # until a date the rep names, or the tenant's default
    NO_AUTHORITY = "no_authority"  # find the decision-maker; a short nurture
    UNDER_CONTRACT = "under_contract"  # with a competitor until a date: come back before it ends
    NOT_INTERESTED = "not_interested"  # said no for now: the tenant's default nurture
    NO_RESPONSE = "no_response"  # never answered sales: the tenant's default nurture
    NOT_A_FIT = "not_a_fit"  # disqualified, never nurtured again

    @property
    def disqualifies(self) -> bool:
        """Not a fit ends nurturing; every other reason nurtures until a date."""
        return self is RecycleReason.NOT_A_FIT


class AssignmentMethod(StrEnum):
    MANUAL = "manual"
    ROUND_ROBIN = "round_robin"
    RULE = "rule"
    IMPORT = "import"
    HANDOVER = "handover"  # the previous owner was deactivated
    FALLBACK = "fallback"  # no routing rule matched: the tenant's routing fallback


class EventKind(StrEnum):
    """Engagement event kinds the default rules know; integrations may send others."""

    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    EMAIL_REPLY = "email_reply"
    CHAT_REPLY = "chat_reply"
    PAGE_VIEW = "page_view"
    PRICING_VIEW = "pricing_view"
    CONTENT_DOWNLOAD = "content_download"
    WEBINAR_ATTENDED = "webinar_attended"
    DEMO_REQUEST = "demo_request"
    TRIAL_SIGNUP = "trial_signup"
    MEETING_BOOKED = "meeting_booked"
    FORM_SUBMIT = "form_submit"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


REPLY_EVENT_KINDS = frozenset({EventKind.EMAIL_REPLY, EventKind.CHAT_REPLY})
