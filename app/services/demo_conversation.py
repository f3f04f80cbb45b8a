"""The demo's mail and Teams chat history, written from what the 90-day replay did: pure, no I/O, no clock.

Every message answers to a replayed fact, so the lead page reads as one story:

- a mail touchpoint is the owner's mail (first contact, then the content the follow-up suggested);
- a booked meeting is the owner's confirmation with a concrete slot;
- a call, for a lead who chats with their owner, is announced in that chat;
- every reply event is the lead's own message (mail for ``email_reply``, chat for ``chat_reply``), written
  in the thread it answers and carrying the event's external id as its signal id.

Nothing inbound exists without its reply event, so the engine's numbers and the conversation agree. The
texts are in the lead's language and vary by persona, industry, topics, source and content; each lead
draws from its own random stream, seeded from the demo's seed and the lead's address."""

from __future__ import annotations

import base64
import random
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from string import Formatter
from typing import Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from app.nurturing.calendar import WorkingHours, align_to_working_hours, is_working_time
from app.nurturing.enums import MessageSource
from app.services.lead_messages import MessageIn, chat_key

# Share of demo leads who also talk to their owner in a Teams chat (federated or guest chat).
CHAT_SHARE = 35

MomentKind = Literal["mail", "call", "meeting", "email_reply", "chat_reply", "demo_request"]


def chats_with_owner(email: str) -> bool:
    """Whether a demo lead talks to their owner in Teams as well; stable per address, no random draw."""
    return zlib.crc32(email.encode()) % 100 < CHAT_SHARE


@dataclass(frozen=True, slots=True)
class Person:
    """A colleague who writes to leads: name, address, Entra ID object id and working hours."""

    name: str
    email: str
    object_id: str
    hours: WorkingHours


@dataclass(frozen=True, slots=True)
class Content:
    """A content item a follow-up sent."""

    title: str
    url: str
    kind: str


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What a rep knows about a lead when writing to them."""

    lead_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    language: str
    persona: str | None
    title: str | None
    company: str | None
    industry: str | None
    needs: str | None
    topics: tuple[str, ...]
    source: str | None
    chats: bool


@dataclass(frozen=True, slots=True)
class Moment:
    """One replayed fact about a lead: a touchpoint or an event, with the owner at that time."""

    at: datetime
    kind: MomentKind
    owner: Person | None
    content: Content | None = None
    signal_id: str | None = None  # the reply event's external id


# --- words -------------------------------------------------------------------------------------------

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
}

_INDUSTRY = {
    "en": {
        "manufacturing": "on your production lines",
        "logistics": "across your fleet and warehouses",
        "energy": "on your turbines and substations",
        "automotive": "in your body and assembly shops",
        "food": "on your filling and packaging lines",
        "healthcare": "on your sterilisation and lab equipment",
        "software": "for the machines your customers run",
        "retail": "in your distribution centres",
    },
    "de": {
        "manufacturing": "an Ihren Fertigungslinien",
        "logistics": "in Ihrer Flotte und Ihren Lagern",
        "energy": "an Ihren Turbinen und Umspannwerken",
        "automotive": "in Rohbau und Montage",
        "food": "an Ihren Abfüll- und Verpackungslinien",
        "healthcare": "an Ihren Sterilisations- und Laborgeräten",
        "software": "an den Maschinen Ihrer Kunden",
        "retail": "in Ihren Verteilzentren",
    },
}

_TOPIC = {
    "en": {
        "maintenance": "predictive maintenance",
        "downtime": "unplanned downtime",
        "oee": "OEE",
        "digitalisation": "the digitalisation roadmap",
        "integration": "the SAP and MES integration",
        "security": "security and data residency",
        "logistics": "real-time tracking",
        "production": "shop-floor transparency",
    },
    "de": {
        "maintenance": "vorausschauende Wartung",
        "downtime": "ungeplante Stillstände",
        "oee": "OEE",
        "digitalisation": "Digitalisierung",
        "integration": "Anbindung an SAP und MES",
        "security": "Sicherheit und Datenhaltung",
        "logistics": "Echtzeit-Tracking",
        "production": "Transparenz in der Fertigung",
    },
}

_SOURCE = {
    "en": {
        "webinar": "thank you for joining our webinar last week",
        "website_form": "thank you for getting in touch through our website",
        "trade_fair": "it was good to meet you at our stand at the trade fair",
        "linkedin_ad": "thank you for your interest in our LinkedIn series on connected factories",
        "referral": "a mutual contact suggested I get in touch with you",
        "content_download": "thank you for downloading one of our guides",
        "partner": "our partner team mentioned that you are looking at IIoT platforms",
    },
    "de": {
        "webinar": "vielen Dank für Ihre Teilnahme an unserem Webinar letzte Woche",
        "website_form": "vielen Dank für Ihre Anfrage über unsere Website",
        "trade_fair": "schön, dass wir uns auf der Messe an unserem Stand kennengelernt haben",
        "linkedin_ad": "vielen Dank für Ihr Interesse an unserer LinkedIn-Reihe zur vernetzten Fabrik",
        "referral": "ein gemeinsamer Kontakt hat mir empfohlen, mich bei Ihnen zu melden",
        "content_download": "vielen Dank, dass Sie einen unserer Leitfäden heruntergeladen haben",
        "partner": "unser Partnerteam hat erwähnt, dass Sie sich IIoT-Plattformen ansehen",
    },
}

_ANGLE = {
    "en": {
        "operations_leader": (
            "Most plant managers I talk to want fewer surprises and a clear picture of each shift.",
            "Operations teams usually start with the one line that hurts most.",
        ),
        "it_leader": (
            "IT leaders usually ask first how the data gets from the PLC into SAP, and who runs it.",
            "For IT the questions are normally integration effort, security and who operates it.",
        ),
        "executive": (
            "At leadership level the question is usually payback, and how fast a pilot shows it.",
            "Most managing directors want to see the business case before the technology.",
        ),
        "procurement": (
            "I have added what procurement teams typically need: licence model and contract terms.",
            "For purchasing the usual questions are licence model, terms and references.",
        ),
        "engineer": (
            "Maintenance engineers tell us the real win is seeing a failing bearing weeks ahead.",
            "For the maintenance team it is mostly about fewer night shifts spent on breakdowns.",
        ),
        "analyst": (
            "If you work with the data yourself, the raw-data export and the API will interest you most.",
            "Analysts usually want the raw signals, not only our dashboards.",
        ),
    },
    "de": {
        "operations_leader": (
            "Die meisten Werkleiter wollen weniger Überraschungen und ein klares Bild jeder Schicht.",
            "Operativ beginnen die meisten mit der einen Linie, die am meisten schmerzt.",
        ),
        "it_leader": (
            "In der IT lautet die erste Frage meist, wie die Daten von der SPS nach SAP kommen.",
            "Für die IT zählen meist Integrationsaufwand, Sicherheit und wer die Lösung betreibt.",
        ),
        "executive": (
            "In der Geschäftsführung geht es meist um die Amortisation und wie schnell ein Pilot sie zeigt.",
            "Die meisten Geschäftsführer wollen zuerst den Business Case sehen, dann die Technik.",
        ),
        "procurement": (
            "Ich habe ergänzt, was der Einkauf typischerweise braucht: Lizenzmodell und Vertragsbedingungen.",
            "Für den Einkauf sind meist Lizenzmodell, Konditionen und Referenzen entscheidend.",
        ),
        "engineer": (
            "Instandhalter sagen uns, der eigentliche Gewinn ist, ein Lager Wochen vor dem Ausfall zu sehen.",
            "Für die Instandhaltung heißt das vor allem: weniger Nachtschichten wegen Störungen.",
        ),
        "analyst": (
            "Wenn Sie selbst mit den Daten arbeiten, sind Rohdatenexport und API wohl am spannendsten.",
            "Analysten wollen meist die Rohsignale, nicht nur unsere Dashboards.",
        ),
    },
}

_CONTENT_LINE = {
    "en": {
        "guide": ("I thought our guide would be useful", "Here is a short guide our customers like"),
        "checklist": ("this checklist might help you take stock", "a quick checklist to start with"),
        "article": ("this article may be worth ten minutes", "a short read you might find useful"),
        "video": ("this five-minute video shows it better than I can", "a short video from a customer site"),
        "webinar": ("the recording of our webinar might be useful", "our webinar recording covers this"),
        "case_study": ("this case study is close to your situation", "a customer story you may recognise"),
        "comparison": ("this honest comparison may help the discussion", "our comparison might help"),
        "roi_calculator": ("our ROI calculator puts numbers on it", "you can try our ROI calculator"),
        "pricing": ("here is our pricing overview", "I have attached our packages and pricing"),
        "demo": ("you can pick a slot for a tailored demo here", "here is the link to book a demo"),
    },
    "de": {
        "guide": (
            "unser Leitfaden könnte Ihnen helfen",
            "hier ein kurzer Leitfaden, den unsere Kunden schätzen",
        ),
        "checklist": (
            "mit dieser Checkliste lässt sich gut Bilanz ziehen",
            "eine kurze Checkliste zum Einstieg",
        ),
        "article": ("dieser Artikel ist zehn Minuten wert", "eine kurze Lektüre, die Ihnen nützen könnte"),
        "video": ("dieses kurze Video zeigt es besser als ich", "ein kurzes Video aus einem Kundenwerk"),
        "webinar": ("die Aufzeichnung unseres Webinars könnte hilfreich sein", "unsere Webinar-Aufzeichnung"),
        "case_study": ("diese Fallstudie ist Ihrer Situation sehr ähnlich", "ein Kundenbeispiel, das passt"),
        "comparison": ("dieser ehrliche Vergleich hilft vielleicht intern", "unser Vergleich könnte helfen"),
        "roi_calculator": ("unser ROI-Rechner macht es greifbar", "probieren Sie gern unseren ROI-Rechner"),
        "pricing": ("anbei unsere Preisübersicht", "hier unsere Pakete und Preise"),
        "demo": ("hier können Sie einen Termin für eine Demo wählen", "hier der Link zur Demo-Buchung"),
    },
}

_QUESTIONS = {
    "en": {
        "operations_leader": (
            "How long does it take until we see the first line live?",
            "Could we start with one line and extend later?",
            "What do your customers measure after the first three months?",
        ),
        "it_leader": (
            "Do you run in an EU data centre, and can we use our own Entra ID for sign-in?",
            "How do you connect to older Siemens S7 controllers?",
            "Is there a documented API for the SAP PM connection?",
        ),
        "executive": (
            "What does a pilot cost, roughly, and how soon would it pay back?",
            "Who else in our industry uses this today?",
            "Could you send a one-page summary I can share with the board?",
        ),
        "procurement": (
            "Is the licence per site or per machine?",
            "Can you send your standard contract and the DPA?",
            "Do you offer a paid pilot with an exit after three months?",
        ),
        "engineer": (
            "Which sensors do we need on the compressors, and can we fit them ourselves?",
            "How early did you catch bearing failures at the automotive supplier?",
            "Can alerts go to our maintenance planning system?",
        ),
        "analyst": (
            "Can we export the raw vibration data at full resolution?",
            "Is there a Python client for the API?",
            "How long do you keep historical data?",
        ),
    },
    "de": {
        "operations_leader": (
            "Wie lange dauert es, bis die erste Linie live ist?",
            "Können wir mit einer Linie anfangen und später erweitern?",
            "Was messen Ihre Kunden nach den ersten drei Monaten?",
        ),
        "it_leader": (
            "Betreiben Sie in einem EU-Rechenzentrum, und geht die Anmeldung über unser Entra ID?",
            "Wie binden Sie ältere Siemens-S7-Steuerungen an?",
            "Gibt es eine dokumentierte Schnittstelle für SAP PM?",
        ),
        "executive": (
            "Was kostet ein Pilot ungefähr, und wann amortisiert er sich?",
            "Wer aus unserer Branche nutzt das heute schon?",
            "Können Sie mir eine Seite Zusammenfassung für die Geschäftsführung schicken?",
        ),
        "procurement": (
            "Ist die Lizenz pro Standort oder pro Maschine?",
            "Können Sie uns Ihren Standardvertrag und die AVV schicken?",
            "Bieten Sie einen bezahlten Pilot mit Ausstieg nach drei Monaten an?",
        ),
        "engineer": (
            "Welche Sensoren brauchen wir an den Kompressoren, und können wir sie selbst montieren?",
            "Wie früh wurden Lagerschäden beim Automobilzulieferer erkannt?",
            "Können Meldungen direkt in unsere Instandhaltungsplanung gehen?",
        ),
        "analyst": (
            "Können wir die Schwingungsdaten in voller Auflösung exportieren?",
            "Gibt es einen Python-Client für die API?",
            "Wie lange bewahren Sie historische Daten auf?",
        ),
    },
}

_BRIDGES = {
    "en": (
        "Many of our customers {industry} started with {topic}.",
        "It ties in with what you told us about {topic}.",
        "One of our customers cut their weekly downtime reviews from two hours to twenty minutes this way.",
        "If it helps, I can put the numbers for {company} together before we speak.",
        "Our solution engineers have set this up for plants very similar to yours.",
        "The pilot usually takes six weeks, with one line and a clear success measure agreed up front.",
    ),
    "de": (
        "Viele unserer Kunden haben mit dem Thema {topic} angefangen.",
        "Das passt zu dem, was Sie uns zum Thema {topic} geschrieben haben.",
        "Ein Kunde hat so seine wöchentliche Stillstandsrunde von zwei Stunden auf zwanzig Minuten verkürzt.",
        "Gern rechne ich die Zahlen für {company} vor unserem Gespräch einmal durch.",
        "Unsere Lösungsberater haben das für Werke aufgebaut, die Ihrem sehr ähneln.",
        "Ein Pilot dauert meist sechs Wochen: eine Linie und ein vorher vereinbartes Erfolgsmaß.",
    ),
}

_TOPIC_QUESTIONS = {
    "en": (
        "Do you have a reference for {topic} in a plant of our size?",
        "What would a first step on {topic} look like for {company}?",
        "Could you show this on our own machine data?",
    ),
    "de": (
        "Haben Sie eine Referenz zum Thema {topic} in einem Werk unserer Größe?",
        "Wie sähe ein erster Schritt zum Thema {topic} bei {company} aus?",
        "Können Sie das an unseren eigenen Maschinendaten zeigen?",
    ),
}

_REPLY_OPENERS = {
    "en": (
        "Thanks, {owner_first}, that was useful.",
        "Hi {owner_first}, thanks for sending this over.",
        "Thank you, I had a look at it this morning.",
        "Hello {owner_first}, good timing, we discussed this in our weekly meeting.",
        "Thanks for following up.",
    ),
    "de": (
        "Vielen Dank für die Unterlagen, das war hilfreich.",
        "Hallo {owner_first}, danke für die Unterlagen.",
        "Vielen Dank, ich habe es mir heute Morgen angesehen.",
        "Guten Tag {owner_first}, passt gut, wir hatten das Thema gerade in der Runde.",
        "Danke für Ihre Nachricht.",
    ),
}

_REPLY_CLOSERS = {
    "en": (
        "Best regards,\n{lead_first}",
        "Kind regards,\n{lead_name}\n{title}, {company}",
        "Thanks,\n{lead_first}",
        "Cheers,\n{lead_first}",
    ),
    "de": (
        "Viele Grüße\n{lead_first} {lead_last}",
        "Mit freundlichen Grüßen\n{lead_name}\n{title}, {company}",
        "Beste Grüße\n{lead_first}",
        "Gruß\n{lead_name}",
    ),
}

_REPLY_MIDDLES = {
    "en": (
        "We are looking at {topic} {industry}, so the timing is right.",
        "{needs}",
        "My colleague in maintenance asked me about {topic} just last week.",
        "We have budget discussions in the next quarter and I would like to bring something concrete.",
        "I forwarded it to our head of IT as well.",
    ),
    "de": (
        "Wir beschäftigen uns gerade mit dem Thema {topic}, das passt also.",
        "{needs}",
        "Unser Instandhaltungsleiter hat mich erst letzte Woche zum Thema {topic} gefragt.",
        "Im nächsten Quartal stehen Budgetgespräche an, da hätte ich gern etwas Konkretes.",
        "Ich habe es auch an unsere IT-Leitung weitergeleitet.",
    ),
}

_CHAT_NUDGES = {
    "en": (
        "Hi {lead_first}, did you get a chance to look at what I sent?",
        "Hi {lead_first}, quick one: is {topic} still on your list this quarter?",
        "Morning {lead_first}! Any thoughts after your team's review?",
        "Hi {lead_first}, I found a customer example on {topic} {industry}, shall I send it over?",
    ),
    "de": (
        "Hallo {lead_first}, hatten Sie schon Gelegenheit, sich die Unterlagen anzusehen?",
        "Hallo {lead_first}, kurze Frage: Ist {topic} dieses Quartal noch ein Thema?",
        "Guten Morgen {lead_first}! Gibt es schon Rückmeldung aus Ihrem Team?",
        "Hallo {lead_first}, ich habe ein Kundenbeispiel zum Thema {topic} gefunden. Soll ich es schicken?",
    ),
}

_CHAT_REPLIES = {
    "en": (
        "Yes, thanks! {question}",
        "Had a quick look. {question}",
        "Sorry for the delay, busy week on the shop floor. {question}",
        "Yes please, send it. {question}",
        "Still on the list. {question}",
    ),
    "de": (
        "Ja, danke! {question}",
        "Kurz reingeschaut. {question}",
        "Sorry für die Verzögerung, stressige Woche in der Fertigung. {question}",
        "Ja, gern schicken. {question}",
        "Ist noch auf der Liste. {question}",
    ),
}

_CALL_NOTES = {
    "en": (
        "Hi {lead_first}, is now a good moment for a quick call? Ten minutes at most.",
        "Hi {lead_first}, I'll give you a ring in a few minutes about {topic}, if that suits you.",
        "Hi {lead_first}, trying to reach you by phone about your question on {topic}.",
    ),
    "de": (
        "Hallo {lead_first}, passt es gerade für ein kurzes Telefonat? Höchstens zehn Minuten.",
        "Hallo {lead_first}, ich rufe Sie gleich kurz zum Thema {topic} an, wenn es passt.",
        "Hallo {lead_first}, ich versuche Sie gerade telefonisch zu erreichen, es geht um {topic}.",
    ),
}

_MEETING_KINDS = {
    "en": ("a tailored demo", "a discovery call", "a workshop with your maintenance team", "a site visit"),
    "de": (
        "eine Demo für Ihren Anwendungsfall",
        "ein Erstgespräch",
        "einen Workshop mit Ihrer Instandhaltung",
        "einen Termin bei Ihnen vor Ort",
    ),
}

_SUBJECTS_FIRST = {
    "en": (
        "{company} and {topic}",
        "Following up: {topic} at {company}",
        "Your question about {topic}",
        "Introduction: Fertigwerk and {company}",
    ),
    "de": (
        "{company} und {topic}",
        "Ihre Anfrage zum Thema {topic}",
        "Kurze Vorstellung: Fertigwerk und {company}",
        "Nachgefragt: {topic} bei {company}",
    ),
}

_SUBJECTS_CONTENT = {
    "en": ("{content}", "For you: {content}", "{content} – relevant for {company}?", "Something on {topic}"),
    "de": ("{content}", "Für Sie: {content}", "{content} – interessant für {company}?", "Zum Thema {topic}"),
}

_INBOUND_SUBJECTS = {
    "en": ("Question about {topic}", "Enquiry from {company}", "{topic} – a few questions", "Your platform"),
    "de": ("Frage zum Thema {topic}", "Anfrage von {company}", "{topic} – ein paar Fragen", "Ihre Plattform"),
}


def _persona(facts: LeadFacts) -> str:
    return facts.persona if facts.persona in _QUESTIONS["en"] else "operations_leader"


def _lang(facts: LeadFacts) -> str:
    return "de" if facts.language == "de" else "en"


# --- times -------------------------------------------------------------------------------------------


def _earlier_working_moment(
    rng: random.Random, hours: WorkingHours, before: datetime, after: datetime
) -> datetime | None:
    """A moment in the owner's working hours before ``before`` and after ``after``, or None if none is."""
    for _ in range(8):
        candidate = (before - timedelta(minutes=rng.randint(25, 300))).replace(microsecond=0)
        if candidate > after and is_working_time(hours, candidate):
            return candidate
    # Late or weekend replies: the latest quarter hour of the owner's day before them.
    candidate = before.replace(second=0, microsecond=0)
    for _ in range(4 * 24 * 5):
        candidate -= timedelta(minutes=15)
        if candidate <= after:
            return None
        if is_working_time(hours, candidate):
            return candidate
    return None


def _slot(rng: random.Random, hours: WorkingHours, after: datetime) -> datetime:
    """A meeting slot on one of the next working days, on the hour or half hour, in working hours."""
    start = align_to_working_hours(hours, after + timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 5)))
    zone = ZoneInfo(hours.time_zone)
    local = start.astimezone(zone)
    local = local.replace(minute=0 if local.minute < 30 else 30, second=0, microsecond=0)
    slot = local.astimezone(UTC)
    return slot if is_working_time(hours, slot) else align_to_working_hours(hours, slot)


def _say_slot(at: datetime, hours: WorkingHours, lang: str) -> str:
    local = at.astimezone(ZoneInfo(hours.time_zone))
    weekday = _WEEKDAYS[lang][local.weekday()]
    month = _MONTHS[lang][local.month - 1]
    if lang == "de":
        return f"{weekday}, {local.day}. {month}, um {local:%H:%M} Uhr"
    clock = local.strftime("%I:%M %p").lstrip("0").lower()
    return f"{weekday} {local.day} {month} at {clock} ({hours.time_zone.split('/')[-1].replace('_', ' ')})"


# --- identifiers shaped like Graph's -----------------------------------------------------------------


def _token(rng: random.Random, size: int) -> str:
    raw = bytes(rng.getrandbits(8) for _ in range(size))
    return base64.b64encode(raw).decode().replace("/", "_").replace("+", "-")


def _internet_message_id(rng: random.Random, domain: str, ours: bool) -> str:
    if ours:
        host = f"FR{rng.randint(2, 6)}P281MB{rng.randint(1000, 9999)}"
        return f"<{host}{_token(rng, 9).upper()}@{host}.DEUP281.PROD.OUTLOOK.COM>"
    return f"<{_token(rng, 12)}@{domain}>"


def _outlook_link(rng: random.Random) -> str:
    item = "AAMkAGI2" + _token(rng, 60)
    query = f"ItemID={quote(item, safe='')}&exvsurl=1&viewmodel=ReadMessageItem"
    return f"https://outlook.office365.com/owa/?{query}"


def _chat_id(owner: Person, lead: LeadFacts) -> str:
    # A 1:1 chat's id names both members' object ids; the lead's is their guest account in this tenant.
    guest = uuid.uuid5(uuid.NAMESPACE_URL, f"guest:{lead.email}")
    return f"19:{owner.object_id}_{guest}@unq.gbl.spaces"


def _chat_link(chat_id: str, tenant_id: str) -> str:
    return f"https://teams.microsoft.com/l/chat/{quote(chat_id, safe='')}/0?tenantId={tenant_id}"


# --- the writer --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Thread:
    key: str
    subject: str
    participants: list[str]
    last_from_lead: bool = False


class _Writer:
    """Writes one lead's messages in the order the replay produced their facts."""

    def __init__(self, facts: LeadFacts, rng: random.Random, tenant_id: str, vendor_domain: str) -> None:
        self.facts = facts
        self.rng = rng
        self.tenant_id = tenant_id
        self.vendor_domain = vendor_domain
        self.lang = _lang(facts)
        self.lead_name = f"{facts.first_name} {facts.last_name}"
        self.out: list[MessageIn] = []
        self.thread: _Thread | None = None
        self.last_mail_owner: Person | None = None
        self.last_at = datetime.min.replace(tzinfo=UTC)
        self.queues: dict[str, list[str]] = {}
        self.demo_requested = False
        self.chat_ids: dict[str, str] = {}
        self.chat_stamps: set[tuple[str, int]] = set()

    # words ---------------------------------------------------------------------------------------

    def _topic(self) -> str:
        topics = [t for t in self.facts.topics if t in _TOPIC[self.lang]] or ["maintenance"]
        return _TOPIC[self.lang][self.rng.choice(topics)]

    def _industry(self) -> str:
        return _INDUSTRY[self.lang].get(self.facts.industry or "", _INDUSTRY[self.lang]["manufacturing"])

    def _company(self) -> str:
        return self.facts.company or ("your company" if self.lang == "en" else "Ihr Unternehmen")

    def _pick(self, name: str, options: Sequence[str]) -> str:
        """The next of ``options`` in this lead's own shuffled order: nothing repeats until all were used."""
        queue = self.queues.get(name)
        if not queue:
            queue = list(options)
            self.rng.shuffle(queue)
            self.queues[name] = queue
        return queue.pop()

    def _question(self) -> str:
        persona = _persona(self.facts)
        options = (*_QUESTIONS[self.lang][persona], *_TOPIC_QUESTIONS[self.lang])
        return self._fill(self._pick("question", options), None)

    def _greeting(self) -> str:
        first, last = self.facts.first_name, self.facts.last_name
        if self.lang == "de":
            return self.rng.choice(
                (f"Guten Tag {first} {last},", f"Hallo {first},", f"Hallo {first} {last},")
            )
        return self.rng.choice((f"Hi {first},", f"Hello {first},", f"Dear {first},"))

    def _signature(self, owner: Person) -> str:
        if self.lang == "de":
            closing = self.rng.choice(("Viele Grüße", "Beste Grüße", "Mit freundlichen Grüßen"))
        else:
            closing = self.rng.choice(("Best regards", "Kind regards", "All the best"))
        return f"{closing}\n{owner.name}\nFertigwerk Industrial IoT"

    def _fill(self, template: str, owner: Person | None, content: Content | None = None) -> str:
        owner_name = owner.name if owner else "Fertigwerk"
        # Only the fields the template names are worked out: each draw moves this lead's random stream.
        fields: dict[str, Callable[[], str]] = {
            "lead_first": lambda: self.facts.first_name,
            "lead_last": lambda: self.facts.last_name,
            "lead_name": lambda: self.lead_name,
            "owner_first": lambda: owner_name.partition(" ")[0],
            "owner_name": lambda: owner_name,
            "title": lambda: self.facts.title or "",
            "company": self._company,
            "topic": self._topic,
            "industry": self._industry,
            "needs": lambda: (self.facts.needs or "").strip() or self._question(),
            "content": lambda: content.title if content else "",
        }
        names = {name for _, name, _, _ in Formatter().parse(template) if name}
        return template.format(**{name: fields[name]() for name in names})

    # storing -------------------------------------------------------------------------------------

    def _at(self, at: datetime, exact: bool) -> datetime:
        # A lead's reply keeps its event's moment; what the owner wrote never precedes what came before it.
        if not exact:
            at = max(at.replace(microsecond=0), self.last_at + timedelta(seconds=1))
        self.last_at = max(self.last_at, at)
        return at

    def _mail(
        self,
        *,
        at: datetime,
        owner: Person | None,
        from_lead: bool,
        subject: str,
        body: str,
        new_thread: bool,
        signal_id: str | None = None,
    ) -> None:
        owner_name = owner.name if owner else "Fertigwerk Sales"
        owner_address = owner.email if owner else f"sales@{self.vendor_domain}"
        if new_thread or self.thread is None:
            self.thread = _Thread(key="AAQkAGI2" + _token(self.rng, 33), subject=subject, participants=[])
        thread = self.thread
        for name in (owner_name, self.lead_name):
            if name not in thread.participants:
                thread.participants.append(name)
        domain = self.facts.email.split("@", 1)[1]
        self.out.append(
            MessageIn(
                lead_id=self.facts.lead_id,
                key=_internet_message_id(self.rng, domain, ours=not from_lead),
                source=MessageSource.MAIL,
                thread_key=thread.key,
                thread_title=subject,
                participants=tuple(thread.participants),
                sender_address=self.facts.email if from_lead else owner_address,
                sender_name=self.lead_name if from_lead else owner_name,
                recipients=(owner_address,) if from_lead else (self.facts.email,),
                from_lead=from_lead,
                preview=body,
                sent_at=self._at(at, exact=from_lead),
                web_link=_outlook_link(self.rng),
                signal_id=signal_id,
            )
        )
        thread.last_from_lead = from_lead
        if not from_lead:
            self.last_mail_owner = owner

    def _chat(
        self, *, at: datetime, owner: Person, from_lead: bool, text: str, signal_id: str | None = None
    ) -> None:
        chat_id = self.chat_ids.setdefault(owner.object_id, _chat_id(owner, self.facts))
        sent_at = self._at(at, exact=from_lead)
        # Teams numbers a chat's messages by their creation time in milliseconds, unique within the chat.
        stamp = int(sent_at.timestamp() * 1000)
        while (chat_id, stamp) in self.chat_stamps:
            stamp += 1
        self.chat_stamps.add((chat_id, stamp))
        message_id = str(stamp)
        self.out.append(
            MessageIn(
                lead_id=self.facts.lead_id,
                key=chat_key(chat_id, message_id),
                source=MessageSource.CHAT,
                thread_key=chat_id,
                thread_title=None,
                participants=(owner.name, self.lead_name),
                sender_address=self.facts.email if from_lead else owner.email,
                sender_name=self.lead_name if from_lead else owner.name,
                recipients=(owner.email,) if from_lead else (self.facts.email,),
                from_lead=from_lead,
                preview=text,
                sent_at=sent_at,
                web_link=_chat_link(chat_id, self.tenant_id),
                signal_id=signal_id,
            )
        )

    # facts ---------------------------------------------------------------------------------------

    def owner_mail(self, moment: Moment, *, at: datetime | None = None) -> None:
        owner = moment.owner
        if owner is None:
            return
        lang = self.lang
        parts = [self._greeting()]
        first = not any(not m.from_lead and m.source is MessageSource.MAIL for m in self.out)
        handed_over = self.last_mail_owner is not None and self.last_mail_owner.email != owner.email
        if first:
            opener = _SOURCE[lang].get(self.facts.source or "", _SOURCE[lang]["website_form"])
            intro = (
                f"I'm {owner.name}, I look after customers like {self._company()} at Fertigwerk."
                if lang == "en"
                else f"ich bin {owner.name} und betreue bei Fertigwerk Unternehmen wie {self._company()}."
            )
            # A German letter goes on in lower case after the greeting's comma; an English one does not.
            opening = opener if lang == "de" else f"{opener[0].upper()}{opener[1:]}"
            parts.append(f"{opening}. {intro[0].upper()}{intro[1:]}")
            parts.append(self.rng.choice(_ANGLE[lang][_persona(self.facts)]))
        elif handed_over:
            before = self.last_mail_owner.name if self.last_mail_owner else ""
            parts.append(
                f"I have taken over from my colleague {before} and will be your contact from now on."
                if lang == "en"
                else f"ich habe die Betreuung von {before} übernommen und bin ab jetzt Ihr Ansprechpartner."
            )
        if self.demo_requested and lang == "en":
            parts.append("Thanks for requesting a demo on our website; I'd like to tailor it to you.")
        elif self.demo_requested:
            parts.append("Danke für Ihre Demo-Anfrage über die Website; ich möchte sie auf Sie zuschneiden.")
        self.demo_requested = False
        content = moment.content
        if content is not None:
            line = self.rng.choice(_CONTENT_LINE[lang].get(content.kind, _CONTENT_LINE[lang]["guide"]))
            parts.append(
                f"{line[0].upper()}{line[1:]}: „{content.title}“ {content.url}"
                if lang == "de"
                else f'{line[0].upper()}{line[1:]}: "{content.title}" {content.url}'
            )
        parts.append(self._fill(self._pick("bridge", _BRIDGES[lang]), owner))
        parts.append(
            self.rng.choice(
                ("Would a short call next week help?", "Happy to answer any questions.", "What do you think?")
                if lang == "en"
                else (
                    "Wäre ein kurzes Telefonat nächste Woche hilfreich?",
                    "Ich freue mich auf Ihre Rückmeldung.",
                    "Was meinen Sie?",
                )
            )
        )
        parts.append(self._signature(owner))
        # Continue the lead's own thread when they wrote last; otherwise start a topic of its own.
        reply = self.thread is not None and self.thread.last_from_lead and not first
        if reply and self.thread is not None:
            subject = (
                self.thread.subject
                if self.thread.subject.startswith(("Re:", "AW:"))
                else (f"{'AW' if lang == 'de' else 'Re'}: {self.thread.subject}")
            )
        elif first or content is None:
            subject = self._fill(self._pick("_SUBJECTS_FIRST", _SUBJECTS_FIRST[lang]), owner)
        else:
            subject = self._fill(self._pick("_SUBJECTS_CONTENT", _SUBJECTS_CONTENT[lang]), owner, content)
        self._mail(
            at=at or moment.at,
            owner=owner,
            from_lead=False,
            subject=subject,
            body="\n\n".join(p for p in parts if p),
            new_thread=not reply,
        )

    def lead_mail(self, moment: Moment) -> None:
        lang = self.lang
        owner = moment.owner or self.last_mail_owner
        opener = self._fill(self._pick("_REPLY_OPENERS", _REPLY_OPENERS[lang]), owner)
        middle = self._fill(self._pick("_REPLY_MIDDLES", _REPLY_MIDDLES[lang]), owner)
        body = "\n\n".join(
            (
                opener,
                middle,
                self._question(),
                self._fill(self._pick("_REPLY_CLOSERS", _REPLY_CLOSERS[lang]), owner),
            )
        )
        if self.thread is None:
            subject = self._fill(self._pick("_INBOUND_SUBJECTS", _INBOUND_SUBJECTS[lang]), owner)
            new = True
        else:
            base = self.thread.subject
            prefix = "AW" if lang == "de" else "Re"
            subject = base if base.startswith(("Re:", "AW:")) else f"{prefix}: {base}"
            new = False
        self._mail(
            at=moment.at,
            owner=owner,
            from_lead=True,
            subject=subject,
            body=body,
            new_thread=new,
            signal_id=moment.signal_id,
        )

    def chat_reply(self, moment: Moment) -> None:
        owner = moment.owner or self.last_mail_owner
        if owner is None:
            # Nobody to chat with: the lead's reply reached the shared inbox as a mail instead.
            self.lead_mail(moment)
            return
        nudge_at = _earlier_working_moment(self.rng, owner.hours, moment.at, self.last_at)
        if nudge_at is not None:
            self._chat(
                at=nudge_at,
                owner=owner,
                from_lead=False,
                text=self._fill(self._pick("_CHAT_NUDGES", _CHAT_NUDGES[self.lang]), owner),
            )
        text = self._pick("_CHAT_REPLIES", _CHAT_REPLIES[self.lang]).format(question=self._question())
        self._chat(at=moment.at, owner=owner, from_lead=True, text=text, signal_id=moment.signal_id)

    def call(self, moment: Moment) -> None:
        if not self.facts.chats or moment.owner is None:
            return  # a phone call leaves no message
        at = moment.at - timedelta(minutes=self.rng.randint(3, 20))
        if at <= self.last_at or not is_working_time(moment.owner.hours, at):
            at = moment.at
        self._chat(
            at=at,
            owner=moment.owner,
            from_lead=False,
            text=self._fill(self._pick("_CALL_NOTES", _CALL_NOTES[self.lang]), moment.owner),
        )

    def meeting(self, moment: Moment) -> None:
        owner = moment.owner
        if owner is None:
            return
        lang = self.lang
        kind = self._pick("_MEETING_KINDS", _MEETING_KINDS[lang])
        when = _say_slot(_slot(self.rng, owner.hours, moment.at), owner.hours, lang)
        if self.facts.chats and self.rng.random() < 0.5:
            text = (
                f"Great talking to you, {self.facts.first_name}! Confirmed: {kind} on {when}. "
                "The Teams invite is on its way."
                if lang == "en"
                else f"Danke für das Gespräch, {self.facts.first_name}! Bestätigt: {kind} am {when}. "
                "Die Teams-Einladung kommt gleich."
            )
            self._chat(at=moment.at, owner=owner, from_lead=False, text=text)
            return
        body = (
            f"{self._greeting()}\n\nThank you for your time today. As agreed, I have booked {kind} "
            f"for {when}; "
            f"the invitation with the Teams link follows separately. If anyone else from {self._company()} "
            f"should join, just forward it.\n\n{self._signature(owner)}"
            if lang == "en"
            else f"{self._greeting()}\n\nvielen Dank für das Gespräch. Wie besprochen habe ich {kind} für "
            f"{when} eingeplant; die Einladung mit dem Teams-Link folgt separat. Wenn weitere Kollegen von "
            f"{self._company()} teilnehmen sollen, leiten Sie sie gern weiter.\n\n{self._signature(owner)}"
        )
        subject = (
            f"Confirmed: {kind[0].upper()}{kind[1:]} with {self._company()}"
            if lang == "en"
            else f"Terminbestätigung: {kind[0].upper()}{kind[1:]} mit {self._company()}"
        )
        self._mail(at=moment.at, owner=owner, from_lead=False, subject=subject, body=body, new_thread=True)


def lead_conversation(
    facts: LeadFacts,
    moments: Sequence[Moment],
    *,
    seed: int | str,
    tenant_id: str,
    vendor_domain: str,
) -> list[MessageIn]:
    """One lead's mail and chat messages, written from the replayed facts about them, oldest first."""
    rng = random.Random(f"{seed}:{facts.email}")
    writer = _Writer(facts, rng, tenant_id, vendor_domain)
    ordered = sorted(moments, key=lambda m: (m.at, m.kind not in ("mail", "call")))
    for index, moment in enumerate(ordered):
        if moment.kind == "demo_request":
            writer.demo_requested = True
        elif moment.kind == "mail":
            # A follow-up done as "replied" logs the touch and the reply at the same moment: the mail went
            # out earlier that day, and the answer is what the rep marked.
            replied_now = any(
                other.at == moment.at and other.kind == "email_reply" for other in ordered[index + 1 :]
            )
            earlier = (
                _earlier_working_moment(rng, moment.owner.hours, moment.at, writer.last_at)
                if replied_now and moment.owner is not None
                else None
            )
            writer.owner_mail(moment, at=earlier or moment.at)
        elif moment.kind == "call":
            writer.call(moment)
        elif moment.kind == "meeting":
            writer.meeting(moment)
        elif moment.kind == "email_reply":
            writer.lead_mail(moment)
        elif moment.kind == "chat_reply":
            writer.chat_reply(moment)
    return writer.out
