"""Names and firmographics for the demo tenant: an industrial-IoT vendor selling in DACH, UK and the US."""

from __future__ import annotations

import uuid

VENDOR_DOMAIN = "fertigwerk.example"

TEAMS = (
    # name, time zone, countries routed to it, pipeline schedule
    ("DACH", "Europe/Berlin", ("DE", "AT", "CH"), "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"),
    ("UK & Ireland", "Europe/London", ("GB", "IE"), "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30"),
    ("North America", "America/New_York", ("US", "CA"), "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=30"),
)

# The Teams channel that carries each team's pipeline card; the UK one is the Agents Playground's
# "Pipeline" channel in .m365agentsplayground.yml, so `@Nurture pipeline` there shows that team.
PIPELINE_CHANNELS = {"UK & Ireland": "19:uk-ireland-pipeline@thread.tacv2"}

# name, role, team index (None: whole org), capacity, locale
PEOPLE = (
    ("Katrin Vogel", "admin", None, 0, "de"),
    ("Michael Brandt", "manager", None, 0, "de"),
    ("Jürgen Groß", "lead", 0, 60, "de"),
    ("Anna Müller", "rep", 0, 200, "de"),
    ("Lukas Schäfer", "rep", 0, 150, "de"),
    ("Sophie Wagner", "rep", 0, 120, "de"),
    ("Fiona O'Brien", "lead", 1, 60, "en"),
    ("Oliver Hughes", "rep", 1, 150, "en"),
    ("Grace Patel", "rep", 1, 80, "en"),
    ("Daniel Carter", "lead", 2, 60, "en"),
    ("Emily Nguyen", "rep", 2, 180, "en"),
    ("Marcus Johnson", "rep", 2, 150, "en"),
)


def demo_object_id(email: str) -> str:
    """A stable Entra ID object id per demo person, so the Agents Playground config can name them."""
    return str(uuid.uuid5(uuid.UUID("3f2c1d9e-7b4a-4e2f-9c1d-0de70de70de7"), email))


AWAY_REP = "Grace Patel"  # on holiday for the next days: round-robin skips her
INACTIVE_REP = "Sophie Wagner"  # left the company: keeps her history, gets no new leads

GERMAN_FIRST = (
    "Jana",
    "Tobias",
    "Miriam",
    "Stefan",
    "Katharina",
    "Florian",
    "Sabine",
    "Matthias",
    "Lea",
    "Jörg",
    "Bärbel",
    "Uwe",
    "Annika",
    "Dominik",
    "Franziska",
    "Björn",
    "Elif",
    "Sören",
    "Ulrike",
    "Moritz",
)
GERMAN_LAST = (
    "Weiß",
    "Krüger",
    "Hoffmann",
    "Schröder",
    "Köhler",
    "Becker",
    "Wolf",
    "Neumann",
    "Zimmermann",
    "Hartmann",
    "Lehmann",
    "Schmitt",
    "Günther",
    "Böhm",
    "Fuchs",
    "Scholz",
    "Möller",
    "Jäger",
    "Lorenz",
    "Engel",
)
ENGLISH_FIRST = (
    "James",
    "Olivia",
    "Harry",
    "Amelia",
    "Jack",
    "Isla",
    "Noah",
    "Ava",
    "Ethan",
    "Mia",
    "Liam",
    "Chloe",
    "Mason",
    "Zoe",
    "Ryan",
    "Hannah",
    "Aiden",
    "Priya",
    "Connor",
    "Sarah",
)
ENGLISH_LAST = (
    "Smith",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Walsh",
    "Murphy",
    "Campbell",
    "Robinson",
    "Clarke",
    "Hughes",
    "Baker",
    "Miller",
    "Davis",
    "Garcia",
    "Martinez",
    "Anderson",
    "Thompson",
    "White",
    "Kelly",
)

GERMAN_COMPANY_STEMS = (
    "Rheintal",
    "Schwarzwald",
    "Elbe",
    "Alpen",
    "Westfalen",
    "Donau",
    "Harz",
    "Bodensee",
    "Nordsee",
    "Main",
    "Spree",
    "Taunus",
    "Allgäu",
    "Saar",
    "Lausitz",
)
GERMAN_COMPANY_KINDS = (
    "Maschinenbau GmbH",
    "Präzisionstechnik AG",
    "Logistik GmbH",
    "Energie AG",
    "Kunststoffwerke GmbH",
    "Antriebstechnik GmbH",
    "Stahlbau KG",
    "Automotive Systems GmbH",
)
ENGLISH_COMPANY_STEMS = (
    "Northgate",
    "Riverside",
    "Ironbridge",
    "Lakeshore",
    "Summit",
    "Harbor",
    "Pioneer",
    "Granite",
    "Beacon",
    "Atlas",
    "Keystone",
    "Silverline",
    "Redwood",
    "Clearwater",
    "Brightwater",
)
ENGLISH_COMPANY_KINDS = (
    "Manufacturing Ltd",
    "Logistics Inc",
    "Energy plc",
    "Automation Corp",
    "Foods Ltd",
    "Components Inc",
    "Healthcare Systems",
    "Software LLC",
)
INDUSTRIES = (
    "manufacturing",
    "logistics",
    "energy",
    "automotive",
    "food",
    "healthcare",
    "software",
    "retail",
)
# Countries outside every routing rule: those leads wait, unassigned, for a team lead.
UNROUTED_COUNTRIES = ("FR", "NL", "ES")

TITLES = (
    ("Head of Operations", "operations_leader"),
    ("Werkleiter", "operations_leader"),
    ("Plant Manager", "operations_leader"),
    ("CTO", "it_leader"),
    ("Head of IT", "it_leader"),
    ("IT-Leiter", "it_leader"),
    ("Geschäftsführer", "executive"),
    ("VP Manufacturing", "executive"),
    ("Procurement Manager", "procurement"),
    ("Einkaufsleiterin", "procurement"),
    ("Maintenance Engineer", "engineer"),
    ("Instandhaltungsingenieur", "engineer"),
    ("Data Analyst", "analyst"),
)
SOURCES = ("webinar", "website_form", "trade_fair", "linkedin_ad", "referral", "content_download", "partner")
TOPICS = (
    "maintenance",
    "downtime",
    "oee",
    "digitalisation",
    "integration",
    "security",
    "logistics",
    "production",
)
NEEDS = (
    "Reduce unplanned downtime on two stamping lines.",
    "Wants OEE visibility across three plants before the next budget round.",
    "Looking for predictive maintenance for compressors; current vendor contract ends in Q3.",
    "Needs shop-floor data in SAP without custom integration work.",
    "Evaluating IIoT platforms; security review by corporate IT required.",
    "Stillstandszeiten in der Montage senken, Budget für Pilot vorhanden.",
    "Möchte Maschinendaten aus Altanlagen anbinden.",
    "Fleet tracking for 120 trailers, real-time ETA for customers.",
)
# Why team leads reject hand-offs in the demo: every coded reason, with the note a team lead would add.
# An "under contract" rejection names the contract's end; the others take the tenant's default dates.
REJECT_REASONS: tuple[tuple[str, str, str | None], ...] = (
    ("no_budget", "No budget before next fiscal year", None),
    ("bad_timing", "Rollout of their new ERP first, ask again after the summer", None),
    ("no_authority", "Kein Entscheidungsträger, bitte weiter pflegen", None),
    ("under_contract", "Already in contract with a competitor until 2028", "2028-03-31"),
    ("no_response", "Two calls, no answer", None),
    ("not_a_fit", "Only researching for a thesis-style internal report", None),
)
