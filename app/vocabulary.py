"""Every code a person may see, as words in English and German: the one place the tab and the cards read.

Plain data, no I/O. Each group maps a code to its (English, German) label; the order of a group is the
order people read it in (the funnel, the buying journey). Sentence groups hold templates with ``{name}``
placeholders, for the lead page's activity and the effect of a reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from app.nurturing.enums import (
    AssignmentMethod,
    BuyerStage,
    Direction,
    EventKind,
    FollowUpKind,
    FollowUpOutcome,
    FollowUpStatus,
    HandOffStatus,
    Lifecycle,
    RecycleReason,
    Role,
    TouchpointKind,
)

Pair = tuple[str, str]
Group = Mapping[str, Pair]

STAGE: Final[Group] = {
    BuyerStage.AWARENESS: ("Awareness", "Orientierung"),
    BuyerStage.EVALUATION: ("Evaluation", "Evaluierung"),
    BuyerStage.DECISION: ("Decision", "Entscheidung"),
}

LIFECYCLE: Final[Group] = {
    Lifecycle.NEW: ("New", "Neu"),
    Lifecycle.MQL: ("MQL", "MQL"),
    Lifecycle.SAL: ("SAL", "SAL"),
    Lifecycle.SQL: ("SQL", "SQL"),
    Lifecycle.OPPORTUNITY: ("Opportunity", "Verkaufschance"),
    Lifecycle.WON: ("Won", "Gewonnen"),
    Lifecycle.LOST: ("Lost", "Verloren"),
    Lifecycle.RECYCLED: ("Recycled", "Zurück in Betreuung"),
    Lifecycle.DISQUALIFIED: ("Disqualified", "Disqualifiziert"),
}

FOLLOW_UP_STATUS: Final[Group] = {
    FollowUpStatus.OPEN: ("open", "offen"),
    FollowUpStatus.SNOOZED: ("snoozed", "zurückgestellt"),
    FollowUpStatus.DONE: ("done", "erledigt"),
    FollowUpStatus.SKIPPED: ("skipped", "übersprungen"),
    FollowUpStatus.CANCELLED: ("cancelled", "abgebrochen"),
}

OUTCOME: Final[Group] = {
    FollowUpOutcome.REPLIED: ("Replied", "Antwort erhalten"),
    FollowUpOutcome.NO_ANSWER: ("No answer", "Keine Antwort"),
    FollowUpOutcome.MEETING_BOOKED: ("Meeting booked", "Termin vereinbart"),
    FollowUpOutcome.NOT_INTERESTED: ("Not interested", "Kein Interesse"),
}

FOLLOW_UP_KIND: Final[Group] = {
    FollowUpKind.NURTURE: ("Nurture touch", "Pflegekontakt"),
    FollowUpKind.REMINDER: ("Reminder", "Erinnerung"),
    FollowUpKind.ANSWER: ("Answer to the lead", "Antwort an den Lead"),
    FollowUpKind.SIGNAL: ("Buying signal", "Kaufsignal"),
    FollowUpKind.AWAITING_REPLY: ("Awaiting a reply", "Antwort ausstehend"),
    FollowUpKind.DISCOVERY_CALL: ("Discovery call", "Erstgespräch"),
    FollowUpKind.LONG_TERM: ("Long-term touch", "Langzeitkontakt"),
    FollowUpKind.SALES_STEP: ("Sales step", "Vertriebsschritt"),
    FollowUpKind.FIX_ADDRESS: ("Fix the address", "Adresse korrigieren"),
}

EVENT_KIND: Final[Group] = {
    EventKind.EMAIL_OPEN: ("Mail opened", "Mail geöffnet"),
    EventKind.EMAIL_CLICK: ("Link in a mail clicked", "Link in einer Mail geklickt"),
    EventKind.EMAIL_REPLY: ("Reply by mail", "Antwort per Mail"),
    EventKind.CHAT_REPLY: ("Reply in chat", "Antwort im Chat"),
    EventKind.PAGE_VIEW: ("Page visit", "Seitenbesuch"),
    EventKind.PRICING_VIEW: ("Pricing visit", "Preisseite besucht"),
    EventKind.CONTENT_DOWNLOAD: ("Content download", "Inhalt heruntergeladen"),
    EventKind.WEBINAR_ATTENDED: ("Webinar attended", "Webinar besucht"),
    EventKind.DEMO_REQUEST: ("Demo request", "Demo-Anfrage"),
    EventKind.TRIAL_SIGNUP: ("Trial sign-up", "Testzugang"),
    EventKind.MEETING_BOOKED: ("Meeting booked", "Termin vereinbart"),
    EventKind.FORM_SUBMIT: ("Contact-sales form", "Vertriebsformular"),
    EventKind.UNSUBSCRIBED: ("Unsubscribed", "Abgemeldet"),
    EventKind.BOUNCED: ("Mail bounced", "Mail unzustellbar"),
}

ROLE: Final[Group] = {
    Role.REP: ("Sales rep", "Vertrieb"),
    Role.LEAD: ("Team lead", "Teamleitung"),
    Role.MANAGER: ("Manager", "Management"),
    Role.ADMIN: ("Admin", "Admin"),
}

TOUCHPOINT_KIND: Final[Group] = {
    TouchpointKind.CALL: ("Call", "Anruf"),
    TouchpointKind.MAIL: ("Mail", "Mail"),
    TouchpointKind.MEETING: ("Meeting", "Meeting"),
    TouchpointKind.CHAT: ("Chat", "Chat"),
}

DIRECTION: Final[Group] = {
    Direction.INBOUND: ("From the lead", "Vom Lead"),
    Direction.OUTBOUND: ("To the lead", "An den Lead"),
}

HAND_OFF_STATUS: Final[Group] = {
    HandOffStatus.PROPOSED: ("proposed", "vorgeschlagen"),
    HandOffStatus.ACCEPTED: ("accepted", "angenommen"),
    HandOffStatus.REJECTED: ("rejected", "abgelehnt"),
    HandOffStatus.WITHDRAWN: ("withdrawn", "zurückgezogen"),
}

RECYCLE_REASON: Final[Group] = {
    RecycleReason.NO_BUDGET: ("No budget yet", "Noch kein Budget"),
    RecycleReason.BAD_TIMING: ("Bad timing", "Falscher Zeitpunkt"),
    RecycleReason.NO_AUTHORITY: (
        "No authority: find the decision-maker",
        "Keine Entscheidungsbefugnis: Entscheider finden",
    ),
    RecycleReason.UNDER_CONTRACT: ("Under contract until a date", "Vertraglich gebunden bis zu einem Datum"),
    RecycleReason.NOT_INTERESTED: ("Not interested for now", "Derzeit kein Interesse"),
    RecycleReason.NO_RESPONSE: ("No response", "Keine Rückmeldung"),
    RecycleReason.NOT_A_FIT: ("Not a fit: disqualify", "Passt nicht: disqualifizieren"),
}

ASSIGNMENT_METHOD: Final[Group] = {
    AssignmentMethod.MANUAL: ("by hand", "von Hand"),
    AssignmentMethod.ROUND_ROBIN: ("round-robin", "reihum"),
    AssignmentMethod.RULE: ("by a routing rule", "per Routing-Regel"),
    AssignmentMethod.IMPORT: ("by the import", "beim Import"),
    AssignmentMethod.HANDOVER: ("as the previous owner left", "weil die bisherige Person ausgeschieden ist"),
    AssignmentMethod.FALLBACK: ("by the routing fallback", "per Routing-Fallback"),
}

# Why a notification did not reach its person (app.services.outbox.Delivery).
DELIVERY_STATUS: Final[Group] = {
    "failed": ("Failed after several tries", "Nach mehreren Versuchen gescheitert"),
    "blocked": ("Blocked or removed the bot", "Hat den Bot blockiert oder entfernt"),
    "undeliverable": ("Nobody to deliver to", "Niemand zum Zustellen"),
}

CONTENT_KIND: Final[Group] = {
    "article": ("article", "Artikel"),
    "guide": ("guide", "Leitfaden"),
    "checklist": ("checklist", "Checkliste"),
    "case_study": ("case study", "Fallstudie"),
    "comparison": ("comparison", "Vergleich"),
    "webinar": ("webinar", "Webinar"),
    "pricing": ("pricing", "Preise"),
    "demo": ("demo", "Demo"),
    "roi_calculator": ("ROI calculator", "ROI-Rechner"),
    "video": ("video", "Video"),
}

# The sections of GET /api/v1/settings, as an admin reads them.
SETTINGS_SECTION: Final[Group] = {
    "scoring": ("Scoring rules", "Scoring-Regeln"),
    "thresholds": ("Thresholds", "Schwellen"),
    "cadence": ("Cadence", "Kadenz"),
    "sla": ("First-touch service level", "Servicelevel für den ersten Kontakt"),
    "recycling": ("Recycling", "Zurückstellen"),
    "content": ("Content library", "Inhaltsbibliothek"),
    "routing": ("Routing rules", "Routing-Regeln"),
    "routing_fallback": ("Routing fallback", "Routing-Fallback"),
    "teams": ("Teams", "Teams"),
}

CONVERSION: Final[Group] = {
    "new->mql": ("New → MQL", "Neu → MQL"),
    "mql->sal": ("MQL → SAL", "MQL → SAL"),
    "sal->sql": ("SAL → SQL", "SAL → SQL"),
    "sql->opportunity": ("SQL → Opportunity", "SQL → Verkaufschance"),
    "opportunity->won": ("Opportunity → Won", "Verkaufschance → Gewonnen"),
}

# The lead page's activity, one sentence per thing that happened.
EVENT_SENTENCE: Final[Group] = {
    EventKind.EMAIL_OPEN: ("Opened a mail", "Hat eine Mail geöffnet"),
    EventKind.EMAIL_CLICK: ("Clicked a link in a mail", "Hat einen Link in einer Mail geklickt"),
    EventKind.EMAIL_REPLY: ("Replied by mail", "Hat per Mail geantwortet"),
    EventKind.CHAT_REPLY: ("Replied in chat", "Hat im Chat geantwortet"),
    EventKind.PAGE_VIEW: ("Visited the website", "Hat die Website besucht"),
    EventKind.PRICING_VIEW: ("Visited the pricing page", "Hat die Preisseite besucht"),
    EventKind.CONTENT_DOWNLOAD: ("Downloaded content", "Hat Inhalte heruntergeladen"),
    EventKind.WEBINAR_ATTENDED: ("Attended a webinar", "Hat an einem Webinar teilgenommen"),
    EventKind.DEMO_REQUEST: ("Asked for a demo", "Hat eine Demo angefragt"),
    EventKind.TRIAL_SIGNUP: ("Signed up for a trial", "Hat einen Testzugang angelegt"),
    EventKind.MEETING_BOOKED: ("Booked a meeting", "Hat einen Termin vereinbart"),
    EventKind.FORM_SUBMIT: ("Filled in the contact-sales form", "Hat das Vertriebsformular ausgefüllt"),
    EventKind.UNSUBSCRIBED: ("Unsubscribed from marketing mail", "Hat sich von Marketing-Mails abgemeldet"),
    EventKind.BOUNCED: ("A mail to the lead bounced", "Eine Mail an den Lead kam nicht an"),
}

LIFECYCLE_SENTENCE: Final[Group] = {
    Lifecycle.NEW: ("Became a new lead", "Wurde als neuer Lead erfasst"),
    Lifecycle.MQL: ("Became a marketing-qualified lead", "Wurde zum marketingqualifizierten Lead"),
    Lifecycle.SAL: ("Accepted by sales", "Vom Vertrieb angenommen"),
    Lifecycle.SQL: ("Became a sales-qualified lead", "Wurde zum vertriebsqualifizierten Lead"),
    Lifecycle.OPPORTUNITY: ("Became an opportunity", "Wurde zur Verkaufschance"),
    Lifecycle.WON: ("Won", "Gewonnen"),
    Lifecycle.LOST: ("Lost", "Verloren"),
    Lifecycle.RECYCLED: ("Went back to nurturing", "Zurück in die Betreuung"),
    Lifecycle.DISQUALIFIED: ("Disqualified", "Disqualifiziert"),
}

# Templates: {stage}, {name}, {kind}, {points} are filled in by the reader.
SENTENCE: Final[Group] = {
    "stage": ("Moved to the {stage} stage", "In die Phase {stage} gewechselt"),
    "owner": ("Handed to {name}", "An {name} übergeben"),
    "owner_none": ("Left without an owner", "Ohne Verantwortliche gelassen"),
    "touchpoint": ("{kind} logged", "{kind} erfasst"),
    "touchpoint_by": ("{kind} logged by {name}", "{kind} erfasst von {name}"),
    "effect_stage": ("this reply moved the lead to {stage}", "diese Antwort brachte den Lead in {stage}"),
    "effect_lifecycle": (
        "this reply made the lead {lifecycle}",
        "diese Antwort machte den Lead zu {lifecycle}",
    ),
    "effect_score": (
        "this reply changed the score by {points}",
        "diese Antwort änderte den Score um {points}",
    ),
}

GROUPS: Final[Mapping[str, Group]] = {
    "stage": STAGE,
    "lifecycle": LIFECYCLE,
    "follow_up_status": FOLLOW_UP_STATUS,
    "outcome": OUTCOME,
    "follow_up_kind": FOLLOW_UP_KIND,
    "event_kind": EVENT_KIND,
    "role": ROLE,
    "touchpoint_kind": TOUCHPOINT_KIND,
    "direction": DIRECTION,
    "hand_off_status": HAND_OFF_STATUS,
    "recycle_reason": RECYCLE_REASON,
    "assignment_method": ASSIGNMENT_METHOD,
    "delivery_status": DELIVERY_STATUS,
    "content_kind": CONTENT_KIND,
    "settings_section": SETTINGS_SECTION,
    "conversion": CONVERSION,
    "event_sentence": EVENT_SENTENCE,
    "lifecycle_sentence": LIFECYCLE_SENTENCE,
    "sentence": SENTENCE,
}

LANGUAGES: Final = ("en", "de")


def language(locale: str) -> str:
    """``de`` for any German locale (de-DE, de-AT, de-CH), otherwise ``en``."""
    return "de" if locale.strip().lower().startswith("de") else "en"


def word(group: str, code: str, locale: str) -> str | None:
    """The label of ``code`` in ``group`` for the locale, or None when the vocabulary has no word for it."""
    pair = GROUPS.get(group, {}).get(code)
    if pair is None:
        return None
    return pair[1] if language(locale) == "de" else pair[0]
