"""Every card kind and state filled with demo data, for the renderer check, snapshots and screenshots."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cards.digest import digest_card
from cards.error import error_card
from cards.follow_up import follow_up_card
from cards.follow_up_list import follow_up_list_card
from cards.hand_off import hand_off_card
from cards.lead import lead_card, lead_matches_card
from cards.onboarding import help_card, welcome_card
from cards.ownership import ownership_card, ownership_fyi_card
from cards.pipeline import pipeline_card, pipeline_roles_only_card
from cards.routing import unrouted_card
from cards.speed_to_lead import sla_card
from cards.views import (
    Banner,
    ContentView,
    DigestView,
    ExchangeView,
    FollowUpListView,
    FollowUpRowView,
    FollowUpView,
    HandOffView,
    LeadView,
    OwnershipView,
    PipelineView,
    ReasonView,
    ScoreView,
    SlaView,
    UnroutedView,
)

# A Tuesday afternoon in March, before the EU switches to summer time; no sample reads the clock.
NOW = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
TENANT_ID = "4d7c2a1e-8f3b-4c55-9a0e-6b1f2d3c4e5f"
TAB = "https://nurture.example.com/tab/leads/"
LOCALES = ("en", "de")


@dataclass(frozen=True, slots=True)
class _Cast:
    """The people and firms of one locale's demo: UK manufacturers in English, German ones in German."""

    time_zone: str
    rep: str
    colleague: str
    team_lead: str
    manager: str
    team: str
    leads: tuple[tuple[str, str, str, str], ...]  # name, email, title, company
    exchange: str
    exchange_older: str
    note: str
    reject_reason: str
    changes: str
    reassign_reason: str
    content: tuple[str, str]  # title, url


_CASTS = {
    "en": _Cast(
        time_zone="Europe/London",
        rep="Hannah Clarke",
        colleague="Tom Whitfield",
        team_lead="Priya Raman",
        manager="Oliver Bennett",
        team="UK Manufacturing",
        leads=(
            (
                "Gareth Holloway",
                "g.holloway@pennine-castings.co.uk",
                "Head of Maintenance",
                "Pennine Castings Ltd",
            ),
            (
                "Fiona McLeod",
                "fiona.mcleod@clydeside-extrusion.com",
                "Plant Manager",
                "Clydeside Extrusion plc",
            ),
            ("Rajesh Patel", "r.patel@midlands-gearworks.co.uk", "Operations Director", "Midlands Gearworks"),
            (
                "Emma Thornton",
                "emma.thornton@severnpack.co.uk",
                "Reliability Engineer",
                "Severn Packaging Ltd",
            ),
        ),
        exchange="Thanks for the vibration-monitoring case study. We run 40 CNC spindles on two sites; "
        "could the sensors retrofit onto older Mazak machines, and what would a pilot on one line cost?",
        exchange_older="Sent the checklist for predictive maintenance on compressors.",
        note="Asked twice for pilot pricing and wants a call with their CFO before the April budget round.",
        reject_reason="No budget owner involved yet; keep nurturing until the CFO is in the loop.",
        changes="the owner changed to Tom Whitfield and the stage moved to decision",
        reassign_reason="Territory realignment: Scotland moves to Tom",
        content=(
            "Case study: 31% less unplanned downtime at a UK foundry",
            "https://example.com/cases/foundry",
        ),
    ),
    "de": _Cast(
        time_zone="Europe/Berlin",
        rep="Jürgen Weiß",
        colleague="Sören Köhler",
        team_lead="Annegret Schäfer",
        manager="Dr. Björn Müller",
        team="Vertrieb DACH",
        leads=(
            (
                "Matthias Größer",
                "m.groesser@brenner-maschinenbau.de",
                "Leiter Instandhaltung",
                "Brenner Maschinenbau GmbH",
            ),
            (
                "Käthe Sommerfeld",
                "k.sommerfeld@luebeck-umformtechnik.de",
                "Werkleiterin",
                "Lübecker Umformtechnik AG",
            ),
            (
                "Özlem Yılmaz",
                "oezlem.yilmaz@praezisionsteile-ulm.de",
                "Leiterin Produktion",
                "Präzisionsteile Ulm GmbH",
            ),
            (
                "Jörg Bäumer",
                "j.baeumer@sauerland-giesserei.de",
                "Technischer Geschäftsführer",
                "Sauerländer Gießerei KG",
            ),
        ),
        exchange="Danke für die Fallstudie zur Schwingungsüberwachung. Wir betreiben 40 CNC-Spindeln an zwei "
        "Standorten. Lassen sich die Sensoren an ältere DMG-Maschinen nachrüsten, und was kostet ein Pilot "
        "an einer Linie?",
        exchange_older="Checkliste zur vorausschauenden Wartung von Kompressoren verschickt.",
        note="Hat zweimal nach Pilotpreisen gefragt und möchte vor der Budgetrunde im April ein Gespräch mit "
        "dem kaufmännischen Geschäftsführer.",
        reject_reason="Noch keine budgetverantwortliche Person beteiligt; weiter betreuen, "
        "bis der CFO dabei ist.",
        changes="die Zuständigkeit wechselte zu Sören Köhler und die Kaufphase ist jetzt Entscheidung",
        reassign_reason="Gebietsneuordnung: Norddeutschland geht an Sören",
        content=(
            "Fallstudie: 31 % weniger ungeplante Stillstände in einer Gießerei",
            "https://example.com/faelle/giesserei",
        ),
    ),
}


def _lead(cast: _Cast, index: int, *, stage: str, lifecycle: str, total: int, owner: str | None) -> LeadView:
    name, email, title, company = cast.leads[index]
    fit = min(60, total // 2 + 5)
    return LeadView(
        id=f"lead-{index + 1:04d}",
        version=7 + index,
        name=name,
        email=email,
        title=title,
        company=company,
        stage=stage,
        lifecycle=lifecycle,
        score=ScoreView(
            total=total,
            fit=fit,
            engagement=total - fit,
            top_reasons=(
                ReasonView("pricing_views", {"count": 3, "days": 7}),
                ReasonView("fit", {"points": fit}),
                ReasonView("webinar_attended", {}),
            ),
        ),
        owner_name=owner,
        tab_url=f"{TAB}lead-{index + 1:04d}",
        tenant_id=TENANT_ID,
    )


def _follow_up(cast: _Cast, lead: LeadView, **changes: Any) -> FollowUpView:
    view = FollowUpView(
        id=f"fu-{lead.id}",
        lead=lead,
        due_at=NOW - timedelta(hours=26),
        time_zone=cast.time_zone,
        overdue=True,
        kind="nurture",
        why_now=(
            ReasonView("pricing_views", {"count": 3, "days": 7}),
            ReasonView("call_decision", {}),
            ReasonView("cadence", {"stage": lead.stage, "days": 5}),
        ),
        suggested_channel="call",
        content=ContentView(title=cast.content[0], url=cast.content[1], kind="case_study"),
        last_exchange=ExchangeView(
            direction="inbound", channel="mail", at=NOW - timedelta(days=2, hours=3), summary=cast.exchange
        ),
        status="open",
        outcome=None,
    )
    return replace(view, **changes)


def _follow_up_list(cast: _Cast, *, total: int, offset: int) -> FollowUpListView:
    """A full page of a busy rep's list, with ids as long as real ones so the size check is honest."""
    kinds = ("nurture", "answer", "discovery_call", "signal", "sales_step", "reminder", "fix_address")
    channels = ("call", "mail", None, "mail")
    rows = []
    for number in range(offset, min(total, offset + 8)):
        name, _, _, company = cast.leads[number % len(cast.leads)]
        overdue = number < 5
        rows.append(
            FollowUpRowView(
                id=f"{number:08d}-4f1c-4b7a-9d2e-0c5b8a6f3e21",
                lead_id=f"{number:08d}-7a3e-4c19-8b5d-2f6e9c1a4d70",
                lead_version=3 + number,
                lead_name=name,
                company=company,
                lifecycle="sql" if number % 4 == 0 else "mql",
                kind=kinds[number % len(kinds)],
                due_at=NOW - timedelta(days=3 - number * 0.5, hours=number),
                overdue=overdue,
                status="snoozed" if number == 6 else "open",
                suggested_channel=channels[number % len(channels)],
                tab_url=f"{TAB}{number:08d}-7a3e-4c19-8b5d-2f6e9c1a4d70",
            )
        )
    return FollowUpListView(
        tenant_id=TENANT_ID,
        time_zone=cast.time_zone,
        rows=tuple(rows),
        total=total,
        overdue=min(total, 5),
        offset=offset,
    )


def _pipeline(cast: _Cast, hot: tuple[LeadView, ...]) -> PipelineView:
    reps = (cast.rep, cast.colleague, cast.team_lead)
    return PipelineView(
        team_id="team-0001",
        team_name=cast.team,
        since=NOW - timedelta(days=7),
        until=NOW,
        by_lifecycle={
            "new": 84,
            "mql": 37,
            "sal": 15,
            "sql": 9,
            "opportunity": 6,
            "won": 2,
            "lost": 3,
            "recycled": 5,
        },
        by_stage={"awareness": 96, "evaluation": 44, "decision": 21},
        new_mqls=12,
        hand_offs_accepted=5,
        hand_offs_rejected=2,
        conversion={
            "new->mql": 0.31,
            "mql->sal": 0.405,
            "sal->sql": 0.6,
            "sql->opportunity": 0.667,
            "opportunity->won": None,
        },
        median_hours_to_first_touch=5.5,
        overdue_by_rep=((reps[0], 4), (reps[1], 1), (reps[2], 0)),
        hot_leads=hot,
        # A busy channel: more members than Teams refreshes automatically, so the card caps the list.
        refresh_user_ids=tuple(f"29:1user-{number:03d}" for number in range(75)),
        tenant_id=TENANT_ID,
    )


def _cards_for(locale: str) -> list[tuple[str, dict[str, Any]]]:
    cast = _CASTS[locale]
    hot = _lead(cast, 0, stage="decision", lifecycle="sal", total=86, owner=cast.rep)
    warm = _lead(cast, 1, stage="evaluation", lifecycle="mql", total=58, owner=cast.rep)
    fresh = _lead(cast, 2, stage="awareness", lifecycle="mql", total=41, owner=cast.colleague)
    quiet = _lead(cast, 3, stage="evaluation", lifecycle="mql", total=47, owner=None)
    due = _follow_up(cast, hot)
    done = _follow_up(
        cast,
        hot,
        status="done",
        outcome="meeting_booked",
        overdue=False,
    )
    next_due = (NOW + timedelta(days=6)).isoformat()
    stale_lead = replace(hot, version=hot.version + 1, owner_name=cast.colleague)
    stale = _follow_up(cast, stale_lead, overdue=False, due_at=NOW + timedelta(hours=3))
    hand_off = HandOffView(
        id="ho-0001",
        lead=hot,
        proposed_by=cast.rep,
        note=cast.note,
        evidence=(
            ReasonView("pricing_views", {"count": 3, "days": 7}),
            ReasonView("demo_requested", {}),
            ReasonView("fit", {"points": 43}),
        ),
        status="proposed",
        decided_by=None,
        reject_reason=None,
    )
    first_step = _follow_up(
        cast,
        warm,
        overdue=False,
        due_at=NOW + timedelta(hours=20),
        why_now=(ReasonView("reply_pull_forward", {}),),
        suggested_channel="mail",
    )
    ownership = OwnershipView(
        lead=warm,
        new_owner=cast.rep,
        previous_owner=cast.colleague,
        changed_by=cast.team_lead,
        reason=cast.reassign_reason,
        first_step=first_step,
    )
    recent = (
        ExchangeView("inbound", "mail", NOW - timedelta(days=2, hours=3), cast.exchange),
        ExchangeView("outbound", "mail", NOW - timedelta(days=9), cast.exchange_older),
        ExchangeView("outbound", "call", NOW - timedelta(days=16), cast.note),
    )
    digest = DigestView(
        member_name=cast.rep,
        day=date(2026, 3, 10),
        due_today=5,
        overdue=2,
        top=(due, _follow_up(cast, fresh, overdue=False, due_at=NOW + timedelta(hours=2)), first_step),
    )
    return [
        ("follow_up_due", follow_up_card(due, locale, NOW)),
        (
            "follow_up_done",
            follow_up_card(
                done,
                locale,
                NOW,
                Banner("success", "done", {"outcome": "meeting_booked", "next_due": next_due}),
            ),
        ),
        (
            "follow_up_stale",
            follow_up_card(stale, locale, NOW, Banner("warning", "stale", {"changes": cast.changes})),
        ),
        # "my follow-ups", and the scheduler's notice when more than three fall due for one rep at once.
        ("follow_up_list", follow_up_list_card(_follow_up_list(cast, total=16, offset=0), locale, NOW)),
        (
            "follow_up_list_done",
            follow_up_list_card(
                _follow_up_list(cast, total=15, offset=8),
                locale,
                NOW,
                Banner(
                    "success",
                    "list_done",
                    {"lead": cast.leads[0][0], "outcome": "replied", "next_due": next_due},
                ),
            ),
        ),
        (
            "follow_up_list_empty",
            follow_up_list_card(_follow_up_list(cast, total=0, offset=0), locale, NOW),
        ),
        ("hand_off", hand_off_card(hand_off, locale, NOW)),
        (
            "hand_off_decided",
            hand_off_card(
                replace(
                    hand_off, status="rejected", decided_by=cast.team_lead, reject_reason=cast.reject_reason
                ),
                locale,
                NOW,
                Banner("success", "hand_off_rejected", {"by": cast.team_lead, "reason": cast.reject_reason}),
            ),
        ),
        ("ownership", ownership_card(ownership, locale, NOW)),
        ("ownership_fyi", ownership_fyi_card(ownership, locale)),
        ("sla_nudge", sla_card(SlaView("nudge", fresh, cast.colleague, 6.5), locale, NOW)),
        ("sla_escalate", sla_card(SlaView("escalate", quiet, None, 26.0), locale, NOW)),
        ("routing_fallback", unrouted_card(UnroutedView("fallback", 1, (fresh,), "DACH"), locale)),
        (
            "routing_unowned",
            unrouted_card(UnroutedView("unowned", 7, (quiet, replace(warm, owner_name=None)), None), locale),
        ),
        ("digest", digest_card(digest, locale, NOW)),
        ("pipeline", pipeline_card(_pipeline(cast, (hot, warm, quiet)), locale, NOW)),
        ("pipeline_roles_only", pipeline_roles_only_card(locale)),
        ("lead", lead_card(hot, due, recent, locale, NOW)),
        ("lead_matches", lead_matches_card((hot, warm, fresh), cast.leads[0][0].split()[0], locale)),
        ("welcome", welcome_card(locale, "personal")),
        ("help", help_card(locale, "channel")),
        ("error", error_card(Banner("error", "not_allowed"), locale)),
    ]


def sample_cards() -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, locale, card) for every card kind and state, in English and German."""
    return [(kind, locale, card) for locale in LOCALES for kind, card in _cards_for(locale)]


def write_samples(out: Path) -> int:
    """Write each sample card to ``out`` as ``kind.locale.json``; returns how many were written."""
    out.mkdir(parents=True, exist_ok=True)
    samples = sample_cards()
    for kind, locale, card in samples:
        document = json.dumps(card, ensure_ascii=False, indent=2) + "\n"
        (out / f"{kind}.{locale}.json").write_text(document, encoding="utf-8")
    return len(samples)


def main(argv: list[str] | None = None) -> int:
    """``python -m cards.samples --out DIR``: the samples without the server's settings."""
    parser = argparse.ArgumentParser(prog="python -m cards.samples", description=write_samples.__doc__)
    parser.add_argument("--out", required=True, help="directory for the JSON files")
    args = parser.parse_args(argv)
    count = write_samples(Path(args.out))
    print(f"wrote {count} card(s) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
