"""Hand-off, ownership, SLA, digest, pipeline, lead, onboarding and error cards."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from cards import actions as act
from cards import (
    digest_card,
    error_card,
    hand_off_card,
    help_card,
    lead_card,
    lead_matches_card,
    ownership_card,
    ownership_fyi_card,
    pipeline_card,
    sla_card,
    welcome_card,
)
from cards.elements import MAX_CARD_BYTES
from cards.views import Banner, DigestView, ExchangeView, OwnershipView, SlaView
from tests.cards.builders import NOW, follow_up, hand_off, lead, pipeline
from tests.cards.walk import actions, all_text, executes, inputs, nodes, top_titles


def test_proposed_hand_off_can_be_accepted_or_rejected_with_a_coded_reason() -> None:
    card = hand_off_card(hand_off(), "en", NOW)
    assert top_titles(card) == ["Accept", "Reject", "Open in tab"]
    accept = card["actions"][0]
    assert accept["verb"] == act.HAND_OFF_ACCEPT
    assert accept["data"] == {
        "tenant_id": "tenant-1",
        "lead_id": "lead-1",
        "version": 3,
        "hand_off_id": "ho-1",
    }
    code, until, note = inputs(card)
    assert (code["id"], code["isRequired"]) == (act.INPUT_RECYCLE_REASON, True)
    assert [choice["value"] for choice in code["choices"]] == list(act.RECYCLE_REASONS)
    assert "Under contract until a date" in [choice["title"] for choice in code["choices"]]
    assert (until["type"], until["id"]) == ("Input.Date", act.INPUT_RECYCLE_UNTIL)
    assert (note["id"], note.get("isRequired", False)) == (act.INPUT_REJECT_REASON, False)
    assert [action["verb"] for action in executes(card["actions"][1]["card"])] == [act.HAND_OFF_REJECT]
    assert "Budget freigegeben" in all_text(card)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("accepted", "Angenommen von Annegret"),
        ("rejected", "Abgelehnt von Annegret"),
        ("withdrawn", "Zurückgezogen"),
    ],
)
def test_decided_hand_off_shows_the_decision_without_buttons(status: str, expected: str) -> None:
    view = hand_off(
        status=status,
        decided_by="Annegret",
        reject_reason="Erst nach dem ERP-Projekt",
        reject_code="no_budget" if status == "rejected" else None,
        nurture_until=NOW + timedelta(days=300) if status == "rejected" else None,
    )
    card = hand_off_card(view, "de", NOW)
    assert not executes(card)
    assert not inputs(card)
    assert top_titles(card) == ["Im Tab öffnen"]
    assert expected in all_text(card)
    rejected = status == "rejected"
    assert ("Erst nach dem ERP-Projekt" in all_text(card)) is rejected
    assert ("Noch kein Budget" in all_text(card)) is rejected, "the coded reason shows as words"
    assert ("In Betreuung bis 04.01.2027" in all_text(card)) is rejected


def test_ownership_card_gives_context_and_the_first_step() -> None:
    step = follow_up(id="fu-9", overdue=False, due_at=NOW + timedelta(hours=20))
    view = OwnershipView(lead(), "Jürgen Weiß", "Sören Köhler", "Annegret Schäfer", "Gebietsneuordnung", step)
    card = ownership_card(view, "de", NOW)
    text = all_text(card)
    for expected in ("Neuer Lead für Jürgen Weiß", "Sören Köhler", "Gebietsneuordnung", "Mi., 11.03. 10:00"):
        assert expected in text
    [show] = executes(card)
    assert show["verb"] == act.FOLLOW_UP_SHOW
    assert show["data"]["follow_up_id"] == "fu-9"


def test_ownership_without_a_step_says_one_is_coming() -> None:
    card = ownership_card(OwnershipView(lead(), "Hannah", None, None, None, None), "en", NOW)
    assert not executes(card)
    assert "No follow-up is planned yet" in all_text(card)


def test_ownership_fyi_tells_the_previous_owner_who_took_over() -> None:
    view = OwnershipView(lead(), "Hannah Clarke", "Tom Whitfield", "Priya Raman", "Territory change", None)
    card = ownership_fyi_card(view, "en")
    assert "now belongs to Hannah Clarke" in all_text(card)
    assert [action["type"] for action in actions(card)] == ["Action.OpenUrl"]


@pytest.mark.parametrize(
    ("kind", "locale", "expected"),
    [
        ("nudge", "en", ["New MQL waiting for a first touch", "6.5\u00a0h"]),
        ("escalate", "en", ["SLA breached", "owner: unassigned", "26\u00a0h"]),
        ("escalate", "de", ["SLA verletzt", "26\u00a0Std."]),
    ],
)
def test_sla_card(kind: str, locale: str, expected: list[str]) -> None:
    hours = 6.5 if kind == "nudge" else 26.0
    card = sla_card(SlaView(kind, lead(), None, hours), locale, NOW)
    for fragment in expected:
        assert fragment in all_text(card)


def test_digest_shows_counts_and_at_most_three_open_buttons() -> None:
    top = tuple(follow_up(id=f"fu-{n}") for n in range(5))
    card = digest_card(DigestView("Jürgen", date(2026, 3, 10), 4, 2, top), "de", NOW)
    text = all_text(card)
    assert "Guten Morgen, Jürgen" in text
    assert "Di., 10.03." in text
    opens = executes(card)
    assert [button["title"] for button in opens] == ["Öffnen"] * 3
    assert [button["data"]["follow_up_id"] for button in opens] == ["fu-0", "fu-1", "fu-2"]
    assert {button["verb"] for button in opens} == {act.FOLLOW_UP_SHOW}


def test_empty_digest_says_nothing_is_due() -> None:
    card = digest_card(DigestView("Hannah", date(2026, 3, 10), 0, 0, ()), "en", NOW)
    assert "Nothing due today." in all_text(card)
    assert not actions(card)


def test_pipeline_refresh_is_capped_at_60_ids_and_carries_team_and_tenant() -> None:
    ids = tuple(f"29:user-{n}" for n in range(100)) + ("29:user-0",)
    card = pipeline_card(pipeline(refresh_user_ids=ids), "en", NOW)
    refresh = card["refresh"]
    assert refresh["userIds"] == [f"29:user-{n}" for n in range(60)]
    assert refresh["action"]["verb"] == act.PIPELINE_REFRESH
    assert refresh["action"]["data"] == {"tenant_id": "tenant-1", "team_id": "team-1"}
    assert card["msteams"] == {"width": "full"}


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "en",
            ["New → MQL", "25%", "MQL → SAL", "5.5\u00a0h", "Carla", "Pipeline: Vertrieb DACH", "New MQLs"],
        ),
        ("de", ["Neu → MQL", "25\u00a0%", "5,5\u00a0Std.", "Neue MQLs", "Übergaben angenommen"]),
    ],
)
def test_pipeline_shows_conversions_speed_and_overdue(locale: str, expected: list[str]) -> None:
    card = pipeline_card(pipeline(), locale, NOW)
    text = all_text(card)
    for fragment in expected:
        assert fragment in text
    # Reps without overdue work are left out; the busiest comes first.
    assert "Anna" not in text
    assert text.index("Carla") < text.index("Björn")


def test_pipeline_draws_the_funnel_and_overdue_reps_as_charts_with_numbers_to_fall_back_on() -> None:
    card = pipeline_card(pipeline(), "en", NOW)
    charts = [node for node in nodes(card) if str(node.get("type", "")).startswith("Chart.")]
    assert [chart["type"] for chart in charts] == ["Chart.HorizontalBar", "Chart.HorizontalBar"]
    funnel, overdue = charts
    # Every funnel step has a bar, in funnel order, empty steps included; resting states are not bars.
    assert [(point["x"], point["y"]) for point in funnel["data"]] == [
        ("New", 40),
        ("MQL", 10),
        ("SAL", 0),
        ("SQL", 0),
        ("Opportunity", 0),
        ("Won", 1),
    ]
    assert [(point["x"], point["y"]) for point in overdue["data"]] == [("Carla", 5), ("Björn", 2)]
    for chart in charts:
        fallback = chart["fallback"]
        assert fallback["type"] == "FactSet"
        assert [(fact["title"], fact["value"]) for fact in fallback["facts"]] == [
            (point["x"], str(int(point["y"]))) for point in chart["data"]
        ]


def test_pipeline_lists_resting_leads_beside_the_funnel() -> None:
    card = pipeline_card(pipeline(by_lifecycle={"new": 4, "recycled": 7, "lost": 0}), "de", NOW)
    text = all_text(card)
    assert "Zurück in Betreuung" in text
    assert "Verloren" not in text  # nothing lost, nothing said


def test_pipeline_of_a_channel_without_a_team_of_ours_says_it_covers_all_teams() -> None:
    assert "Pipeline: alle Teams" in all_text(pipeline_card(pipeline(team_id="", team_name=""), "de", NOW))
    assert "Pipeline: all teams" in all_text(pipeline_card(pipeline(team_id="", team_name=" "), "en", NOW))


def test_pipeline_orders_lifecycle_along_the_funnel() -> None:
    card = pipeline_card(pipeline(), "en", NOW)
    text = all_text(card)
    assert text.index("New") < text.index("MQL") < text.index("Won")


def test_lead_card_shows_next_follow_up_and_recent_conversation_newest_first() -> None:
    recent = [
        ExchangeView("outbound", "mail", NOW - timedelta(days=9), "Checkliste verschickt"),
        ExchangeView("inbound", "call", NOW - timedelta(hours=5), "Rückruf wegen Pilot"),
    ]
    card = lead_card(lead(), follow_up(), recent, "de", NOW)
    text = all_text(card)
    assert text.index("Rückruf wegen Pilot") < text.index("Checkliste verschickt")
    assert "vor 5\u00a0Stunden" in text
    assert "vor 9\u00a0Tagen" in text
    assert [action["verb"] for action in executes(card)] == [act.FOLLOW_UP_SHOW]


def test_lead_card_without_follow_up_has_only_open_in_tab() -> None:
    card = lead_card(lead(), None, [], "en", NOW)
    assert top_titles(card) == ["Open in tab"]
    assert "No open follow-up." in all_text(card)


def test_lead_matches_none_and_several() -> None:
    none = lead_matches_card([], "Meier", "de")
    assert "Kein Lead passt zu „Meier“." in all_text(none)
    several = lead_matches_card([lead(), lead(id="lead-2", name="Käthe Sommerfeld")], "Brenner", "en")
    assert "2 leads match “Brenner”" in all_text(several)
    assert "Käthe Sommerfeld" in all_text(several)


@pytest.mark.parametrize("scope", ["personal", "groupChat", "channel"])
def test_welcome_and_help_list_commands_with_german_aliases(scope: str) -> None:
    for card in (welcome_card("en", scope), help_card("en", scope)):
        text = all_text(card)
        for command in ("`help` · `hilfe`", "`my follow-ups` · `meine follow-ups`", "`digest` · `übersicht`"):
            assert command in text
        assert ("`pipeline`" in text) is (scope == "channel")
    assert "`hilfe` · `help`" in all_text(help_card("de", scope))


def test_error_card_has_no_actions_and_no_internals() -> None:
    card = error_card(Banner("error", "not_found"), "de")
    assert not actions(card)
    assert "Dieser Eintrag existiert nicht mehr" in all_text(card)


def test_cards_stay_small_with_hostile_sizes() -> None:
    huge = lead(name="X" * 10_000, company="Y" * 10_000, title="Z" * 10_000, email="e" * 10_000)
    view = pipeline(
        hot_leads=(huge,) * 500,
        overdue_by_rep=tuple((f"Rep {n}" + "r" * 500, n + 1) for n in range(500)),
        refresh_user_ids=tuple(f"29:{n}" for n in range(5000)),
        by_lifecycle={f"custom{n}": n for n in range(30)},
    )
    recent = [ExchangeView("inbound", "mail", NOW, "S" * 100_000)] * 100
    cards = [
        pipeline_card(view, "de", NOW),
        lead_card(huge, follow_up(lead=huge), recent, "en", NOW),
        lead_matches_card([huge] * 1000, "q" * 10_000, "en"),
        hand_off_card(hand_off(lead=huge, note="N" * 100_000), "de", NOW),
    ]
    for card in cards:
        assert len(json.dumps(card, ensure_ascii=False).encode("utf-8")) < MAX_CARD_BYTES
