"""Why the engine decided something, as a stable code plus plain parameters that cards can translate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ParamValue = str | int | float


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, stored with follow-ups and hand-offs."""
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Reason:
        """The inverse of ``to_dict``."""
        return cls(code=str(document["code"]), params=dict(document.get("params") or {}))


_ENGLISH: dict[str, str] = {
    "pricing_views": "visited pricing {count} times in the last {days} days",
    "pricing_viewed": "looked at pricing",
    "demo_requested": "requested a demo",
    "trial_started": "started a trial",
    "meeting_booked": "booked a meeting",
    "replied": "replied to us",
    "webinar_attended": "attended a webinar",
    "comparison_content": "read comparison or case-study content",
    "page_views": "viewed {count} pages in the last {days} days",
    "no_signals": "no buying signals yet",
    "contact_sales_form": "filled in the contact-sales form",
    "fit": "fits the ideal customer profile ({points} fit points)",
    "engagement": "is engaged ({points} engagement points)",
    "intent": "shows intent: {kind}",
    "cadence": "regular {stage} touch, every {days} days",
    "engagement_rising": "engagement is rising, so the next touch comes sooner",
    "engagement_falling": "engagement is falling, so we slow down and offer value",
    "no_reply_after": "no reply after {touches} touches: a helpful reminder, not the same message",
    "long_term_nurture": "no reply after {touches} touches: moved to long-term nurture",
    "reply_pull_forward": "the lead replied, so the next step comes sooner",
    "discovery_call": "hand-off accepted: book the discovery call",
    "stage_content": "fits the {stage} stage",
    "persona_match": "written for {persona}",
    "topic_match": "matches their interest in {topic}",
    "library_exhausted": "every fitting content item was already sent: a personal check-in",
    "call_decision": "they are deciding: a call answers timing and fit faster than mail",
    "call_after_reply": "they replied recently: keep the conversation going by phone",
    "sla_untouched": "new MQL untouched for {hours} business hours",
    "rep_override": "set by a rep",
    "rep_proposed": "proposed by the rep: {note}",
    "score_rule": "{label} ({points} points)",
    "score_threshold": "score reached the MQL threshold",
    "influence_title": "influences the purchase as {title}",
    "influence_persona": "influences the purchase ({persona})",
    "stage_cooled": "no buying signals in the last {days} days: back to helpful content",
    "intent_pull_forward": "a buying signal brings the next touch forward",
    "dormant": "no reply through {touches} long-term touches: dormant until the lead engages again",
    "contact_cap": "at most {cap} touches in seven days: moved, not dropped",
    "no_marketing_mail": "unsubscribed: no marketing mail, call instead",
    "no_content_in_language": "no fitting content in the lead's language ({language}): "
    "a personal note instead",
    "content_in_english": "nothing fitting in the lead's language ({language}), so English content",
    "sales_step": "sales-accepted: the next step agreed with the buyer",
    "fix_address": "the e-mail bounced: find the right address before anything else",
    "became_mql": "the lead became marketing qualified",
    "woke_up": "engaged again after a dormant spell",
    "recycled_until": "sales asked to nurture until {date}: helpful content at a long-term pace",
}


# German wording for the same codes: neutral business tone without addressing the reader, as in a CRM note.
_GERMAN: dict[str, str] = {
    "pricing_views": "hat die Preisseite {count}-mal in den letzten {days} Tagen besucht",
    "pricing_viewed": "hat sich die Preise angesehen",
    "demo_requested": "hat eine Demo angefragt",
    "trial_started": "hat eine Testphase gestartet",
    "meeting_booked": "hat einen Termin gebucht",
    "replied": "hat geantwortet",
    "webinar_attended": "hat an einem Webinar teilgenommen",
    "comparison_content": "hat Vergleiche oder Fallstudien gelesen",
    "page_views": "hat {count} Seiten in den letzten {days} Tagen angesehen",
    "no_signals": "noch keine Kaufsignale",
    "contact_sales_form": "hat das Vertriebskontaktformular ausgefüllt",
    "fit": "passt zum idealen Kundenprofil ({points} Fit-Punkte)",
    "engagement": "ist aktiv ({points} Engagement-Punkte)",
    "intent": "zeigt Kaufabsicht: {kind}",
    "cadence": "regelmäßiger Kontakt in der Phase {stage}, alle {days} Tage",
    "engagement_rising": "das Engagement steigt, daher kommt der nächste Kontakt früher",
    "engagement_falling": "das Engagement sinkt, daher langsamer und mit hilfreichen Inhalten",
    "no_reply_after": "keine Antwort nach {touches} Kontakten: eine hilfreiche Erinnerung, "
    "nicht dieselbe Nachricht",
    "long_term_nurture": "keine Antwort nach {touches} Kontakten: in die Langzeitbetreuung verschoben",
    "reply_pull_forward": "der Lead hat geantwortet, daher kommt der nächste Schritt früher",
    "discovery_call": "Übergabe angenommen: Erstgespräch vereinbaren",
    "stage_content": "passt zur Phase {stage}",
    "persona_match": "geschrieben für {persona}",
    "topic_match": "passt zum Interesse an {topic}",
    "library_exhausted": "alle passenden Inhalte wurden schon verschickt: ein persönlicher Check-in",
    "call_decision": "die Entscheidung steht an: ein Anruf klärt Zeitplan und Eignung schneller",
    "call_after_reply": "kürzlich geantwortet: das Gespräch am Telefon fortsetzen",
    "sla_untouched": "neuer MQL seit {hours} Arbeitsstunden unbearbeitet",
    "rep_override": "vom Vertrieb festgelegt",
    "rep_proposed": "vom Vertrieb vorgeschlagen: {note}",
    "score_rule": "{label} ({points} Punkte)",
    "score_threshold": "Score hat die MQL-Schwelle erreicht",
    "influence_title": "beeinflusst den Kauf als {title}",
    "influence_persona": "beeinflusst den Kauf ({persona})",
    "stage_cooled": "keine Kaufsignale in den letzten {days} Tagen: zurück zu hilfreichen Inhalten",
    "intent_pull_forward": "ein Kaufsignal zieht den nächsten Kontakt vor",
    "dormant": "keine Antwort auf {touches} Langzeitkontakte: ruht, bis sich der Lead wieder meldet",
    "contact_cap": "höchstens {cap} Kontakte in sieben Tagen: verschoben, nicht gestrichen",
    "no_marketing_mail": "abgemeldet: keine Marketing-Mail, stattdessen anrufen",
    "no_content_in_language": "kein passender Inhalt in der Sprache des Leads ({language}): "
    "eine persönliche Nachricht",
    "content_in_english": "nichts Passendes in der Sprache des Leads ({language}), daher englischer Inhalt",
    "sales_step": "vom Vertrieb angenommen: der nächste mit dem Käufer vereinbarte Schritt",
    "fix_address": "die E-Mail kam zurück: zuerst die richtige Adresse finden",
    "became_mql": "der Lead ist marketingqualifiziert",
    "woke_up": "nach einer Ruhephase wieder aktiv",
    "recycled_until": "der Vertrieb bat um Betreuung bis {date}: hilfreiche Inhalte im Langzeittakt",
}


# Stage codes arrive as parameters (``cadence``, ``stage_content``); German text needs them translated too.
_GERMAN_STAGES: dict[str, str] = {
    "awareness": "Orientierung",
    "evaluation": "Evaluierung",
    "decision": "Entscheidung",
}


def _render(table: Mapping[str, str], reason: Reason, params: Mapping[str, ParamValue]) -> str:
    template = table.get(reason.code)
    if template is None:
        return reason.code
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return reason.code


# Event kinds arrive as the ``kind`` parameter of intent evidence; people read them as words.
_EVENT_KINDS: dict[str, tuple[str, str]] = {
    "demo_request": ("a demo request", "Demo-Anfrage"),
    "trial_signup": ("a trial", "Testphase"),
    "pricing_view": ("pricing visits", "Besuche der Preisseite"),
    "meeting_booked": ("a booked meeting", "gebuchter Termin"),
    "email_reply": ("a reply by e-mail", "Antwort per E-Mail"),
    "chat_reply": ("a reply in chat", "Antwort im Chat"),
    "form_submit": ("the contact-sales form", "Vertriebskontaktformular"),
}


def _with_event_kind(params: Mapping[str, ParamValue], german: bool) -> dict[str, ParamValue]:
    words = dict(params)
    kind = words.get("kind")
    if isinstance(kind, str) and kind in _EVENT_KINDS:
        words["kind"] = _EVENT_KINDS[kind][1 if german else 0]
    return words


def describe_en(reason: Reason) -> str:
    """English text for a reason; an unknown code is shown as itself."""
    return _render(_ENGLISH, reason, _with_event_kind(reason.params, german=False))


def describe(reason: Reason, locale: str) -> str:
    """German text for ``de*`` locales, English otherwise; an unknown code is shown as itself."""
    if not locale.lower().startswith("de"):
        return describe_en(reason)
    params = _with_event_kind(reason.params, german=True)
    stage = params.get("stage")
    if isinstance(stage, str):
        params["stage"] = _GERMAN_STAGES.get(stage, stage)
    return _render(_GERMAN, reason, params)
