"""Every user-visible word on the cards, in English and German, looked up by a stable key."""

from __future__ import annotations

from collections.abc import Mapping

from app import vocabulary
from cards.markdown import escape
from cards.views import ParamValue

# German copy avoids addressing the reader ("du"/"Sie"): cards read like neutral CRM notes and labels.
_TEXT: dict[str, tuple[str, str]] = {
    # --- buttons
    "btn.done": ("Done", "Erledigt"),
    "btn.mark_done": ("Mark done", "Als erledigt markieren"),
    "btn.snooze": ("Snooze", "Zurückstellen"),
    "btn.snooze.1h": ("1 hour", "1 Stunde"),
    "btn.snooze.tomorrow": ("Tomorrow", "Morgen"),
    "btn.snooze.next_week": ("Next week", "Nächste Woche"),
    "btn.reschedule": ("Reschedule", "Verschieben"),
    "btn.save_date": ("Save new date", "Neuen Termin speichern"),
    "btn.log": ("Log call or mail", "Anruf oder Mail erfassen"),
    "btn.save_log": ("Save", "Speichern"),
    "btn.propose": ("Propose hand-off", "Übergabe vorschlagen"),
    "btn.send_proposal": ("Send proposal", "Vorschlag senden"),
    "btn.open_tab": ("Open in tab", "Im Tab öffnen"),
    "btn.open": ("Open", "Öffnen"),
    "btn.open_follow_up": ("Open follow-up", "Follow-up öffnen"),
    "btn.accept": ("Accept", "Annehmen"),
    "btn.reject": ("Reject", "Ablehnen"),
    "btn.confirm_reject": ("Reject hand-off", "Übergabe ablehnen"),
    "btn.refresh": ("Refresh", "Aktualisieren"),
    "btn.show_more": ("Show more", "Weitere anzeigen"),
    "btn.first_page": ("Back to the first", "Zurück zum Anfang"),
    # --- inputs
    "input.outcome": ("Outcome", "Ergebnis"),
    "input.due_date": ("New date", "Neues Datum"),
    "input.due_date.error": ("Pick a date.", "Bitte ein Datum wählen."),
    "input.due_time": ("Time (optional)", "Uhrzeit (optional)"),
    "input.touch_kind": ("What happened", "Art des Kontakts"),
    "input.summary": ("Summary", "Zusammenfassung"),
    "input.summary.placeholder": (
        "What was discussed, what comes next",
        "Was besprochen wurde, was als Nächstes kommt",
    ),
    "input.summary.error": ("Add a short summary.", "Bitte eine kurze Zusammenfassung eintragen."),
    "input.handoff_note": ("Note for the team lead (optional)", "Notiz für die Teamleitung (optional)"),
    "input.handoff_note.placeholder": (
        "Buying signals, budget, timing",
        "Kaufsignale, Budget, Zeitplan",
    ),
    "input.recycle_reason": ("Why not now?", "Warum nicht jetzt?"),
    "input.recycle_reason.error": ("Choose a reason.", "Bitte einen Grund wählen."),
    "input.recycle_reason.optional": (
        "If not interested: why? (needed once sales has accepted the lead)",
        "Bei kein Interesse: warum? (nötig, sobald der Vertrieb den Lead angenommen hat)",
    ),
    "input.recycle_until": (
        "Until when? (contract end, next budget round; optional otherwise)",
        "Bis wann? (Vertragsende, nächste Budgetrunde; sonst optional)",
    ),
    "hand_off.nurture_until": ("Nurtured until {date}", "In Betreuung bis {date}"),
    "follow_up.title.answer": ("They replied: answer them", "Antwort erhalten: jetzt antworten"),
    "follow_up.title.signal": ("Buying signal: follow up now", "Kaufsignal: jetzt nachfassen"),
    "follow_up.title.sales_step": ("Next sales step due", "Nächster Vertriebsschritt fällig"),
    "follow_up.title.fix_address": (
        "E-mail bounced: fix the address",
        "E-Mail unzustellbar: Adresse korrigieren",
    ),
    "input.reject_reason": ("Note", "Notiz"),
    "input.reject_reason.placeholder": (
        "Anything the rep should know (optional)",
        "Was der Vertrieb wissen sollte (optional)",
    ),
    "input.reject_reason.error": ("A reason is required.", "Eine Begründung ist erforderlich."),
    # --- facts and section titles
    "fact.due": ("Due", "Fällig"),
    "fact.snoozed_until": ("Snoozed until", "Zurückgestellt bis"),
    "fact.stage": ("Buyer stage", "Kaufphase"),
    "fact.lifecycle": ("Lifecycle", "Lebenszyklus"),
    "fact.score": ("Score", "Score"),
    "fact.owner": ("Owner", "Verantwortlich"),
    "fact.email": ("Email", "E-Mail"),
    "fact.previous_owner": ("Previous owner", "Bisher verantwortlich"),
    "fact.changed_by": ("Changed by", "Geändert von"),
    "fact.reason": ("Reason", "Grund"),
    "fact.proposed_by": ("Proposed by", "Vorgeschlagen von"),
    "fact.due_today": ("Due today", "Heute fällig"),
    "fact.overdue": ("Overdue", "Überfällig"),
    "fact.untouched": ("Untouched for", "Unbearbeitet seit"),
    "fact.team": ("Team", "Team"),
    "score.value": (
        "{total} (fit {fit} · engagement {engagement})",
        "{total} (Fit {fit} · Engagement {engagement})",
    ),
    "section.why_now": ("Why now", "Warum jetzt"),
    "section.score": ("Score drivers", "Score-Treiber"),
    "section.suggested": ("Suggested touchpoint", "Vorgeschlagener Kontakt"),
    "section.last_exchange": ("Last exchange", "Letzter Austausch"),
    "section.recent": ("Recent conversation", "Letzte Gespräche"),
    "section.next_follow_up": ("Next follow-up", "Nächstes Follow-up"),
    "section.evidence": ("Evidence", "Belege"),
    "section.first_step": ("First suggested step", "Erster vorgeschlagener Schritt"),
    "badge.overdue": ("Overdue", "Überfällig"),
    "badge.snoozed": ("Snoozed", "Zurückgestellt"),
    "none": ("–", "–"),
    "no_owner": ("unassigned", "nicht zugewiesen"),
    # --- follow-up card
    "follow_up.title": ("Follow-up due", "Follow-up fällig"),
    "follow_up.title.discovery_call": ("Discovery call due", "Erstgespräch fällig"),
    "follow_up.suggested.channel": ("Reach out by {channel}", "Kontakt per {channel}"),
    "follow_up.suggested.content": ("Share: {link} ({kind})", "Teilen: {link} ({kind})"),
    "follow_up.suggested.no_content": (
        "No content to share: a personal check-in fits best.",
        "Kein passender Inhalt: ein persönlicher Check-in passt am besten.",
    ),
    "follow_up.exchange": ("{direction} {channel}, {when}", "{direction} {channel}, {when}"),
    "follow_up.no_exchange": ("No conversation yet.", "Noch kein Austausch."),
    "follow_up.overdue_since": ("overdue by {duration}", "seit {duration} überfällig"),
    "follow_up.closed.done": ("Done: {outcome}", "Erledigt: {outcome}"),
    "follow_up.closed.done_plain": ("Done", "Erledigt"),
    "follow_up.closed.skipped": ("Skipped", "Übersprungen"),
    "follow_up.closed.cancelled": ("Cancelled", "Abgebrochen"),
    "follow_up.closed.hint": (
        "This follow-up is closed. The next one arrives when it is due.",
        "Dieses Follow-up ist abgeschlossen. Das nächste kommt, sobald es fällig ist.",
    ),
    "follow_up.snooze.hint": ("Remind me again:", "Erneut erinnern:"),
    "follow_up.propose.hint": (
        "Buying signals? Propose a discovery call; the team lead accepts or rejects it.",
        "Kaufsignale erkannt? Ein Erstgespräch vorschlagen; die Teamleitung nimmt an oder lehnt ab.",
    ),
    "list.intro.none": ("No follow-ups are due. Nice work.", "Keine Follow-ups fällig."),
    # --- list card: many follow-ups in one card
    "list.title": ("Your follow-ups", "Fällige Follow-ups"),
    "list.summary": (
        "{count} due, {overdue} of them overdue · showing {first}–{last}",
        "{count} fällig, davon {overdue} überfällig · angezeigt: {first}–{last}",
    ),
    "list.via": ("by {channel}", "per {channel}"),
    "list.due": ("Due {when}", "Fällig {when}"),
    "list.overdue": ("Overdue by {duration} (due {when})", "Seit {duration} überfällig (fällig {when})"),
    "list.snoozed": ("Snoozed until {when}", "Zurückgestellt bis {when}"),
    "list.done.hint": ("How did it go?", "Wie ist es gelaufen?"),
    # --- lead card
    "lead.no_follow_up": ("No open follow-up.", "Kein offenes Follow-up."),
    "lead.no_recent": ("No conversation recorded yet.", "Noch keine Gespräche erfasst."),
    "matches.none": ("No lead matches “{query}”.", "Kein Lead passt zu „{query}“."),
    "matches.none.hint": (
        "Try part of the name, the company or the full email address.",
        "Tipp: Teil des Namens, die Firma oder die vollständige E-Mail-Adresse verwenden.",
    ),
    "matches.several": ("{count} leads match “{query}”", "{count} Leads passen zu „{query}“"),
    "matches.more": ("… and {more} more. Narrow the search.", "… und {more} weitere. Suche eingrenzen."),
    "matches.hint": (
        "Type `lead <email>` to open one of them.",
        "Mit `lead <E-Mail>` einen davon öffnen.",
    ),
    # --- hand-off card
    "hand_off.title": ("Hand-off proposed", "Übergabe vorgeschlagen"),
    "hand_off.kicker": ("Hand-off", "Übergabe"),
    "hand_off.intro": (
        "{by} proposes handing {lead} over to sales for a discovery call.",
        "{by} schlägt vor, {lead} für ein Erstgespräch an den Vertrieb zu übergeben.",
    ),
    "hand_off.accepted": ("Accepted by {by}", "Angenommen von {by}"),
    "hand_off.accepted.hint": (
        "A discovery-call follow-up goes to the owner.",
        "Ein Follow-up für das Erstgespräch geht an die verantwortliche Person.",
    ),
    "hand_off.rejected": ("Rejected by {by}", "Abgelehnt von {by}"),
    "hand_off.withdrawn": (
        "Withdrawn: the lead left the funnel before a decision.",
        "Zurückgezogen: Der Lead hat den Funnel vor einer Entscheidung verlassen.",
    ),
    "someone": ("someone", "jemand"),
    # --- ownership
    "ownership.title": ("New lead assigned to {owner}", "Neuer Lead für {owner}"),
    "ownership.intro": (
        "{lead} is now owned by {owner}. The history below is shared, so nothing has to be asked twice.",
        "{lead} liegt jetzt bei {owner}. Der bisherige Verlauf ist geteilt, nichts muss doppelt "
        "gefragt werden.",
    ),
    "ownership.no_step": (
        "No follow-up is planned yet: the cadence schedules one shortly.",
        "Noch kein Follow-up geplant: die Kadenz plant in Kürze eines ein.",
    ),
    "ownership_fyi.title": ("Lead handed over", "Lead übergeben"),
    "ownership_fyi.intro": (
        "{lead} now belongs to {owner}. Open follow-ups moved with the lead.",
        "{lead} liegt jetzt bei {owner}. Offene Follow-ups sind mit umgezogen.",
    ),
    # --- routing
    "routing.fallback.title": (
        "{count} lead(s) matched no routing rule",
        "{count} Lead(s) ohne passende Routing-Regel",
    ),
    "routing.fallback.intro": (
        "The routing fallback gave them an owner in the team. If leads like these belong elsewhere, "
        "add a routing rule.",
        "Der Routing-Fallback hat sie jemandem im Team zugewiesen. Gehören solche Leads woandershin: "
        "eine Routing-Regel anlegen.",
    ),
    "routing.unowned.title": ("{count} lead(s) without an owner", "{count} Lead(s) ohne Verantwortliche"),
    "routing.unowned.intro": (
        "No routing rule or fallback placed them, or nobody had room. Assign an owner in the tab.",
        "Keine Routing-Regel und kein Fallback hat sie zugeordnet, oder niemand hatte Kapazität. "
        "Bitte im Tab jemanden zuweisen.",
    ),
    "routing.lead": ("{lead} → {owner}", "{lead} → {owner}"),
    "routing.more": ("and {count} more", "und {count} weitere"),
    # --- SLA
    "sla.nudge.title": ("New MQL waiting for a first touch", "Neuer MQL wartet auf den ersten Kontakt"),
    "sla.nudge.intro": (
        "{lead} has been untouched for {hours}. A quick first touch keeps the lead warm.",
        "{lead} ist seit {hours} unbearbeitet. Ein schneller erster Kontakt hält den Lead warm.",
    ),
    "sla.escalate.title": ("SLA breached: MQL untouched", "SLA verletzt: MQL unbearbeitet"),
    "sla.escalate.intro": (
        "{lead} (owner: {owner}) has been untouched for {hours}. Reassign it or check in with the owner.",
        "{lead} (verantwortlich: {owner}) ist seit {hours} unbearbeitet. Neu zuweisen oder "
        "bei der verantwortlichen Person nachfragen.",
    ),
    # --- digest
    "digest.title": ("Good morning, {name}", "Guten Morgen, {name}"),
    "digest.top": ("Start with these", "Zuerst diese"),
    "digest.nothing": ("Nothing due today.", "Heute ist nichts fällig."),
    "digest.item": ("{due} · {why}", "{due} · {why}"),
    # --- pipeline
    "pipeline.title": ("Pipeline: {team}", "Pipeline: {team}"),
    "pipeline.all_teams": ("all teams", "alle Teams"),
    "pipeline.period": ("{since} – {until} · updated {now}", "{since} – {until} · Stand {now}"),
    "pipeline.lifecycle": ("By lifecycle", "Nach Lebenszyklus"),
    "pipeline.stage": ("By buyer stage", "Nach Kaufphase"),
    "pipeline.period_facts": ("This period", "Im Zeitraum"),
    "pipeline.new_mqls": ("New MQLs", "Neue MQLs"),
    "pipeline.accepted": ("Hand-offs accepted", "Übergaben angenommen"),
    "pipeline.rejected": ("Hand-offs rejected", "Übergaben abgelehnt"),
    "pipeline.first_touch": ("Median time to first touch", "Median bis zum ersten Kontakt"),
    "pipeline.conversion": ("Conversion", "Konversion"),
    "pipeline.overdue": ("Overdue follow-ups per rep", "Überfällige Follow-ups je Person"),
    "pipeline.no_overdue": ("No overdue follow-ups.", "Keine überfälligen Follow-ups."),
    "pipeline.more_reps": ("… and {more} more reps", "… und {more} weitere Personen"),
    "pipeline.hot": ("Hot leads", "Heiße Leads"),
    "pipeline.no_hot": ("No hot leads this period.", "Keine heißen Leads im Zeitraum."),
    "pipeline.roles_only.title": ("Pipeline", "Pipeline"),
    "pipeline.roles_only": (
        "The pipeline card is for managers and team leads only. Type `my follow-ups` for the leads "
        "waiting on you.",
        "Die Pipeline-Karte ist nur für Management und Teamleitungen. Mit `meine follow-ups` kommen "
        "die eigenen offenen Leads.",
    ),
    "pipeline.hot_item": (
        "{name} · {company} · score {score}",
        "{name} · {company} · Score {score}",
    ),
    # --- welcome and help
    "welcome.title": ("Hi, I'm Nurture", "Hallo, hier ist Nurture"),
    "welcome.personal": (
        "I post a card when a follow-up is due: why now, a suggested touchpoint and the last exchange. "
        "Mark it done, snooze it, reschedule it or log a call right on the card. Each morning a short "
        "digest lists what is due.",
        "Sobald ein Follow-up fällig ist, kommt eine Karte: warum jetzt, ein vorgeschlagener Kontakt und "
        "der letzte Austausch. Erledigen, zurückstellen, verschieben oder einen Anruf erfassen geht direkt "
        "auf der Karte. Jeden Morgen listet eine kurze Übersicht, was fällig ist.",
    ),
    "welcome.group": (
        "In this chat I answer questions about leads. Follow-up cards arrive in each rep's 1:1 chat.",
        "In diesem Chat gibt es Auskunft zu Leads. Follow-up-Karten kommen im 1:1-Chat jeder Person an.",
    ),
    "welcome.channel": (
        "This channel gets the team's pipeline card on a schedule. Mention me with `pipeline` for a fresh "
        "one; follow-up cards go to each rep's 1:1 chat.",
        "Dieser Kanal erhält die Pipeline-Karte des Teams nach Zeitplan. Mit `pipeline` und einer Erwähnung "
        "kommt eine aktuelle; Follow-up-Karten gehen in den 1:1-Chat jeder Person.",
    ),
    "welcome.start": ("To start, type one of these:", "Zum Start einen dieser Befehle eingeben:"),
    "help.title": ("What I understand", "Verfügbare Befehle"),
    "help.mention": (
        "In a channel or group chat, mention me first: `@Nurture help`.",
        "In einem Kanal oder Gruppenchat zuerst erwähnen: `@Nurture hilfe`.",
    ),
    "cmd.help": ("this help", "diese Hilfe"),
    "cmd.my": ("your open follow-ups, most urgent first", "offene Follow-ups, dringendste zuerst"),
    "cmd.lead": (
        "a lead's card: score, next step, recent conversation",
        "Karte eines Leads: Score, nächster Schritt, letzte Gespräche",
    ),
    "cmd.digest": ("today's digest", "die heutige Übersicht"),
    "cmd.pipeline": ("the team's pipeline card", "die Pipeline-Karte des Teams"),
    "cmd.lead.arg": ("lead <name or email>", "lead <Name oder E-Mail>"),
    # --- what changed under a stale card; the bot joins these with "; " into the banner's {changes}
    "change.follow_up_closed": ("the follow-up is already {status}", "das Follow-up ist bereits {status}"),
    "change.owner": ("the owner is now {owner}", "verantwortlich ist jetzt {owner}"),
    "change.state": (
        "stage {stage}, lifecycle {lifecycle}, score {score}",
        "Kaufphase {stage}, Lebenszyklus {lifecycle}, Score {score}",
    ),
    # --- errors
    "error.title": ("That did not work", "Das hat nicht geklappt"),
    "error.hint": (
        "Nothing was changed. If this keeps happening, tell your Nurture admin and mention code {code}.",
        "Es wurde nichts geändert. Falls das wieder passiert, bitte den Nurture-Admin mit dem Code {code} "
        "informieren.",
    ),
    # --- banners
    "banner.done": (
        "Marked done ({outcome}). Next follow-up: {next_due}.",
        "Erledigt ({outcome}). Nächstes Follow-up: {next_due}.",
    ),
    "banner.snoozed": ("Snoozed until {until}.", "Zurückgestellt bis {until}."),
    "banner.list_done": (
        "{lead}: marked done ({outcome}). Next follow-up: {next_due}.",
        "{lead}: erledigt ({outcome}). Nächstes Follow-up: {next_due}.",
    ),
    "banner.list_snoozed": ("{lead}: snoozed until {until}.", "{lead}: zurückgestellt bis {until}."),
    "banner.rescheduled": ("Rescheduled to {until}.", "Verschoben auf {until}."),
    "banner.logged": ("{kind} logged.", "{kind} erfasst."),
    "banner.hand_off_proposed": (
        "Hand-off proposed. The team lead decides.",
        "Übergabe vorgeschlagen. Die Teamleitung entscheidet.",
    ),
    "banner.hand_off_accepted": ("Hand-off accepted by {by}.", "Übergabe angenommen von {by}."),
    "banner.hand_off_rejected": (
        "Hand-off rejected by {by}: {reason}",
        "Übergabe abgelehnt von {by}: {reason}",
    ),
    "banner.stale": (
        "This lead changed since the card was sent: {changes}. The card now shows the latest state; "
        "check it and try again.",
        "Der Lead hat sich seit dem Versand der Karte geändert: {changes}. Die Karte zeigt jetzt den "
        "aktuellen Stand; bitte prüfen und erneut versuchen.",
    ),
    "banner.not_allowed": (
        "This action is not allowed for your role or this lead.",
        "Diese Aktion ist für diese Rolle oder diesen Lead nicht erlaubt.",
    ),
    "banner.not_found": (
        "This item no longer exists. It may have been deleted or merged.",
        "Dieser Eintrag existiert nicht mehr. Er wurde eventuell gelöscht oder zusammengeführt.",
    ),
    "banner.already_closed": (
        "This follow-up was already closed, so nothing changed.",
        "Dieses Follow-up war bereits abgeschlossen, es wurde nichts geändert.",
    ),
    "banner.invalid_input": ("Please check the field “{field}”.", "Bitte das Feld „{field}“ prüfen."),
    "banner.reason_required": (
        "Sales accepted this lead: under Done, choose why it leaves sales (and until when).",
        "Der Vertrieb hat diesen Lead angenommen: unter Erledigt bitte wählen, warum er den Vertrieb "
        "verlässt (und bis wann).",
    ),
    "banner.error": (
        "Something went wrong on our side. Nothing was changed; please try again.",
        "Auf unserer Seite ist ein Fehler aufgetreten. Es wurde nichts geändert; bitte erneut versuchen.",
    ),
}

# Value labels for domain codes, by group; an unknown value is shown as it is. The words people read
# everywhere (stages, lifecycles, outcomes, ...) come from app.vocabulary, which the tab reads too; the
# groups below are the cards' own phrasing.
_LABELS: dict[str, Mapping[str, tuple[str, str]]] = {
    "stage": vocabulary.STAGE,
    "lifecycle": vocabulary.LIFECYCLE,
    "status": vocabulary.FOLLOW_UP_STATUS,
    "outcome": vocabulary.OUTCOME,
    "content": vocabulary.CONTENT_KIND,
    "recycle_reason": vocabulary.RECYCLE_REASON,
    "conversion": vocabulary.CONVERSION,
    "channel": {
        "mail": ("mail", "Mail"),
        "email": ("email", "E-Mail"),
        "call": ("call", "Anruf"),
        "chat": ("chat", "Chat"),
        "meeting": ("meeting", "Meeting"),
        "event": ("event", "Veranstaltung"),
    },
    "touch_kind": {
        "call": ("Call", "Anruf"),
        "email": ("Mail", "Mail"),
        "mail": ("Mail", "Mail"),
        "meeting": ("Meeting", "Meeting"),
        "chat": ("Chat", "Chat"),
    },
    "direction": {
        "inbound": ("← From the lead:", "← Vom Lead:"),
        "outbound": ("→ To the lead:", "→ An den Lead:"),
    },
}

STAGE_ORDER = ("awareness", "evaluation", "decision")
LIFECYCLE_ORDER = ("new", "mql", "sal", "sql", "opportunity", "won", "lost", "recycled", "disqualified")
CONVERSION_ORDER = ("new->mql", "mql->sal", "sal->sql", "sql->opportunity", "opportunity->won")


def is_german(locale: str) -> bool:
    """Whether a Teams locale such as ``de-DE`` or ``de-AT`` gets the German strings."""
    return locale.strip().lower().startswith("de")


def text(locale: str, key: str, **params: ParamValue) -> str:
    """The string for ``key`` in the locale's language, filled with ``params``."""
    english, german = _TEXT[key]
    template = german if is_german(locale) else english
    return template.format(**params) if params else template


def has_text(key: str) -> bool:
    """Whether ``key`` is a known string (banner codes arrive from the bot as data)."""
    return key in _TEXT


def label(locale: str, group: str, value: str) -> str:
    """The display label of a domain code such as a stage or outcome; unknown codes show as they are."""
    pair = _LABELS.get(group, {}).get(value)
    if pair is None:
        return escape(value)
    return pair[1] if is_german(locale) else pair[0]


def all_texts() -> Mapping[str, tuple[str, str]]:
    """Every (English, German) pair, for tests that check the tables are complete."""
    return _TEXT
