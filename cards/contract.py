"""The card action contract shared with the bot: verbs, data keys, input ids and choice values."""

from __future__ import annotations

from typing import Final

# Verbs of Action.Execute; the bot routes invokes through a verb -> handler table.
FOLLOW_UP_DONE: Final = "followup.done"
FOLLOW_UP_SNOOZE: Final = "followup.snooze"
FOLLOW_UP_RESCHEDULE: Final = "followup.reschedule"
FOLLOW_UP_LOG: Final = "followup.log"
FOLLOW_UP_SHOW: Final = "followup.show"
FOLLOW_UP_LIST: Final = "followup.list"  # a page of the list card
HAND_OFF_PROPOSE: Final = "handoff.propose"
HAND_OFF_ACCEPT: Final = "handoff.accept"
HAND_OFF_REJECT: Final = "handoff.reject"
PIPELINE_REFRESH: Final = "pipeline.refresh"

VERBS: Final = frozenset(
    {
        FOLLOW_UP_DONE,
        FOLLOW_UP_SNOOZE,
        FOLLOW_UP_RESCHEDULE,
        FOLLOW_UP_LOG,
        FOLLOW_UP_SHOW,
        FOLLOW_UP_LIST,
        HAND_OFF_PROPOSE,
        HAND_OFF_ACCEPT,
        HAND_OFF_REJECT,
        PIPELINE_REFRESH,
    }
)

# Keys of the fixed `data` object. The bot must still take tenant and user from the validated token and
# treat these as claims to check, never as identity.
DATA_TENANT_ID: Final = "tenant_id"
DATA_LEAD_ID: Final = "lead_id"
DATA_VERSION: Final = "version"
DATA_FOLLOW_UP_ID: Final = "follow_up_id"
DATA_HAND_OFF_ID: Final = "hand_off_id"
DATA_TEAM_ID: Final = "team_id"
DATA_SNOOZE: Final = "snooze"
# On an action from a row of the list card: the answer is that list again, from this row index on.
DATA_LIST_OFFSET: Final = "list_offset"

# Ids of inputs; Teams merges their values into `data` under these keys.
INPUT_OUTCOME: Final = "outcome"
INPUT_DUE_DATE: Final = "due_date"
INPUT_DUE_TIME: Final = "due_time"
INPUT_TOUCH_KIND: Final = "touch_kind"
INPUT_SUMMARY: Final = "summary"
INPUT_HANDOFF_NOTE: Final = "handoff_note"
INPUT_REJECT_REASON: Final = "reject_reason"  # the free-text note beside the coded reason
INPUT_RECYCLE_REASON: Final = "recycle_reason"
INPUT_RECYCLE_UNTIL: Final = "recycle_until"

OUTCOMES: Final = ("replied", "no_answer", "meeting_booked", "not_interested")
DEFAULT_OUTCOME: Final = "replied"
SNOOZE_OPTIONS: Final = ("1h", "tomorrow", "next_week")
TOUCH_KINDS: Final = ("call", "email")
SUMMARY_MAX_LENGTH: Final = 4000
HANDOFF_NOTE_MAX_LENGTH: Final = 1000
REJECT_REASON_MAX_LENGTH: Final = 500
# The coded reasons sales sends a lead back with (app.nurturing.enums.RecycleReason), in card order.
RECYCLE_REASONS: Final = (
    "no_budget",
    "bad_timing",
    "no_authority",
    "under_contract",
    "not_interested",
    "no_response",
    "not_a_fit",
)

# Which data keys each verb carries besides tenant, lead and version (pipeline.refresh and followup.list
# have no lead).
REQUIRED_DATA: Final[dict[str, frozenset[str]]] = {
    FOLLOW_UP_DONE: frozenset({DATA_FOLLOW_UP_ID}),
    FOLLOW_UP_SNOOZE: frozenset({DATA_FOLLOW_UP_ID, DATA_SNOOZE}),
    FOLLOW_UP_RESCHEDULE: frozenset({DATA_FOLLOW_UP_ID}),
    FOLLOW_UP_LOG: frozenset({DATA_FOLLOW_UP_ID}),
    FOLLOW_UP_SHOW: frozenset({DATA_FOLLOW_UP_ID}),
    FOLLOW_UP_LIST: frozenset({DATA_LIST_OFFSET}),
    HAND_OFF_PROPOSE: frozenset({DATA_FOLLOW_UP_ID}),
    HAND_OFF_ACCEPT: frozenset({DATA_HAND_OFF_ID}),
    HAND_OFF_REJECT: frozenset({DATA_HAND_OFF_ID}),
    PIPELINE_REFRESH: frozenset({DATA_TEAM_ID}),
}
LEAD_DATA: Final = frozenset({DATA_TENANT_ID, DATA_LEAD_ID, DATA_VERSION})
# A list row's Done and Snooze read their choice from an input of that row; input ids must be unique on a
# card, so each carries the row's follow-up id: "outcome.<follow_up_id>", "snooze.<follow_up_id>".
LIST_ROW_DATA: Final = frozenset({DATA_FOLLOW_UP_ID, DATA_LIST_OFFSET})


def row_input(name: str, follow_up_id: str) -> str:
    """The id of a list row's input ``name`` (INPUT_OUTCOME or DATA_SNOOZE)."""
    return f"{name}.{follow_up_id}"


# Rows per page of the list card: a full German page stays far below Teams' 28 KB.
LIST_PAGE_SIZE: Final = 8
