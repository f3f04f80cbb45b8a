"""The follow-up card: its actions and inputs, closed state, overdue badge, banners and time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cards import contract, follow_up_card
from cards.views import Banner
from tests.cards.builders import NOW, follow_up, lead
from tests.cards.walk import actions, all_text, by_id, executes, inputs, top_titles


def _show_card(card: dict[str, Any], title: str) -> dict[str, Any]:
    [action] = [action for action in card["actions"] if action["title"] == title]
    assert action["type"] == "Action.ShowCard"
    shown: dict[str, Any] = action["card"]
    return shown


@pytest.mark.parametrize(
    ("locale", "titles"),
    [
        ("en", ["Done", "Snooze", "Reschedule", "Log call or mail", "Propose hand-off"]),
        (
            "de-DE",
            ["Erledigt", "Zurückstellen", "Verschieben", "Anruf oder Mail erfassen", "Übergabe vorschlagen"],
        ),
    ],
)
def test_open_card_offers_the_working_actions(locale: str, titles: list[str]) -> None:
    card = follow_up_card(follow_up(), locale, NOW)
    assert top_titles(card) == titles
    [open_tab] = [action for action in actions(card) if action["type"] == "Action.OpenUrl"]
    assert open_tab["url"] == "https://nurture.example.com/tab/leads/lead-1"
    assert open_tab["title"] == ("Im Tab öffnen" if locale.startswith("de") else "Open in tab")


def test_done_asks_for_the_outcome_with_replied_preselected() -> None:
    done = _show_card(follow_up_card(follow_up(), "en", NOW), "Done")
    [outcome] = inputs(done)
    assert (outcome["type"], outcome["id"], outcome["value"]) == (
        "Input.ChoiceSet",
        contract.INPUT_OUTCOME,
        "replied",
    )
    assert [choice["value"] for choice in outcome["choices"]] == list(contract.OUTCOMES)
    [mark] = executes(done)
    assert mark["title"] == "Mark done"
    assert mark["verb"] == contract.FOLLOW_UP_DONE
    assert mark["data"] == {
        "tenant_id": "tenant-1",
        "lead_id": "lead-1",
        "version": 3,
        "follow_up_id": "fu-1",
    }


def test_german_done_button_says_als_erledigt_markieren() -> None:
    done = _show_card(follow_up_card(follow_up(), "de", NOW), "Erledigt")
    assert [action["title"] for action in executes(done)] == ["Als erledigt markieren"]


def test_snooze_offers_three_execute_buttons() -> None:
    snooze = _show_card(follow_up_card(follow_up(), "en", NOW), "Snooze")
    buttons = executes(snooze)
    assert [button["data"]["snooze"] for button in buttons] == ["1h", "tomorrow", "next_week"]
    assert {button["verb"] for button in buttons} == {contract.FOLLOW_UP_SNOOZE}


def test_reschedule_has_required_date_and_optional_time_in_the_reps_zone() -> None:
    # 23:30 UTC on 29 March is already 01:30 on the 30th in Berlin (summer time since that morning).
    view = follow_up(due_at=datetime(2026, 3, 29, 23, 30, tzinfo=UTC), overdue=False)
    reschedule = _show_card(
        follow_up_card(view, "de", datetime(2026, 3, 28, 12, 0, tzinfo=UTC)), "Verschieben"
    )
    due_date, due_time = inputs(reschedule)
    assert (due_date["type"], due_date["id"], due_date["isRequired"]) == (
        "Input.Date",
        contract.INPUT_DUE_DATE,
        True,
    )
    assert due_date["value"] == "2026-03-30"
    assert due_date["min"] == "2026-03-28"
    assert (due_time["type"], due_time["id"]) == ("Input.Time", contract.INPUT_DUE_TIME)
    assert not due_time.get("isRequired")
    assert due_time["value"] == "01:30"
    assert [button["verb"] for button in executes(reschedule)] == [contract.FOLLOW_UP_RESCHEDULE]


def test_log_takes_kind_and_a_required_multiline_summary() -> None:
    log = _show_card(follow_up_card(follow_up(), "en", NOW), "Log call or mail")
    kind, summary = inputs(log)
    assert kind["id"] == contract.INPUT_TOUCH_KIND
    assert [choice["value"] for choice in kind["choices"]] == ["call", "email"]
    assert summary["id"] == contract.INPUT_SUMMARY
    assert (summary["isMultiline"], summary["isRequired"], summary["maxLength"]) == (True, True, 4000)
    assert [button["verb"] for button in executes(log)] == [contract.FOLLOW_UP_LOG]


def test_propose_hand_off_has_an_optional_note() -> None:
    propose = _show_card(follow_up_card(follow_up(), "en", NOW), "Propose hand-off")
    [note] = inputs(propose)
    assert note["id"] == contract.INPUT_HANDOFF_NOTE
    assert not note.get("isRequired")
    [send] = executes(propose)
    assert send["verb"] == contract.HAND_OFF_PROPOSE
    assert send["data"]["follow_up_id"] == "fu-1"


@pytest.mark.parametrize("status", ["done", "skipped", "cancelled"])
def test_closed_card_has_no_working_actions_but_keeps_open_in_tab(status: str) -> None:
    view = follow_up(status=status, outcome="replied" if status == "done" else None)
    card = follow_up_card(view, "en", NOW)
    assert [action["type"] for action in actions(card)] == ["Action.OpenUrl"]
    assert not inputs(card)
    assert "actions" not in card
    assert by_id(card, "closed_state")
    assert not by_id(card, "overdue_badge")


def test_closed_card_names_the_outcome() -> None:
    card = follow_up_card(follow_up(status="done", outcome="meeting_booked"), "de", NOW)
    assert "Erledigt: Termin vereinbart" in all_text(card)


@pytest.mark.parametrize("status", ["open", "snoozed"])
def test_active_statuses_keep_their_actions(status: str) -> None:
    card = follow_up_card(follow_up(status=status), "en", NOW)
    assert len(card["actions"]) == 5


def test_overdue_badge_only_when_overdue() -> None:
    overdue = follow_up_card(follow_up(overdue=True), "en", NOW)
    on_time = follow_up_card(follow_up(overdue=False, due_at=NOW + timedelta(hours=1)), "en", NOW)
    assert by_id(overdue, "overdue_badge")
    assert "Overdue" in all_text(overdue)
    assert not by_id(on_time, "overdue_badge")
    assert "Overdue" not in all_text(on_time)
    assert "overdue by" not in all_text(on_time)


@pytest.mark.parametrize(
    ("due_at", "locale", "time_zone", "expected"),
    [
        # Berlin: 14:00 local both times, although UTC moves by an hour across the switch on 29 March 2026.
        (datetime(2026, 3, 27, 13, 0, tzinfo=UTC), "de", "Europe/Berlin", "Fr., 27.03. 14:00"),
        (datetime(2026, 3, 30, 12, 0, tzinfo=UTC), "de", "Europe/Berlin", "Mo., 30.03. 14:00"),
        (datetime(2026, 3, 10, 13, 0, tzinfo=UTC), "de-AT", "Europe/Vienna", "Di., 10.03. 14:00"),
        (datetime(2026, 3, 27, 13, 0, tzinfo=UTC), "en", "Europe/London", "Fri 27 Mar, 13:00"),
        (datetime(2026, 3, 30, 12, 0, tzinfo=UTC), "en-GB", "Europe/London", "Mon 30 Mar, 13:00"),
        (datetime(2026, 3, 10, 13, 0, tzinfo=UTC), "en-US", "America/New_York", "Tue 10 Mar, 09:00"),
    ],
)
def test_due_time_renders_in_the_views_zone_across_dst(
    due_at: datetime, locale: str, time_zone: str, expected: str
) -> None:
    view = follow_up(due_at=due_at, time_zone=time_zone, overdue=False)
    card = follow_up_card(view, locale, due_at - timedelta(hours=1))
    assert expected in all_text(card)


def test_unknown_time_zone_falls_back_to_utc() -> None:
    view = follow_up(due_at=datetime(2026, 3, 10, 13, 0, tzinfo=UTC), time_zone="Mars/Olympus", overdue=False)
    assert "Tue 10 Mar, 13:00" in all_text(follow_up_card(view, "en", NOW))


def test_done_banner_formats_next_due_in_the_views_zone() -> None:
    banner = Banner("success", "done", {"outcome": "replied", "next_due": "2026-03-30T12:00:00+00:00"})
    card = follow_up_card(follow_up(status="done", outcome="replied"), "de", NOW, banner)
    [strip] = by_id(card, "banner")
    assert strip["style"] == "good"
    assert strip["items"][0]["text"] == "Erledigt (Antwort erhalten). Nächstes Follow-up: Mo., 30.03. 14:00."


def test_stale_banner_lists_the_changes_and_keeps_the_actions() -> None:
    banner = Banner("warning", "stale", {"changes": "the owner changed to Tom"})
    card = follow_up_card(follow_up(), "en", NOW, banner)
    [strip] = by_id(card, "banner")
    assert strip["style"] == "warning"
    assert "the owner changed to Tom" in strip["items"][0]["text"]
    assert len(card["actions"]) == 5


@pytest.mark.parametrize(
    ("banner", "expected"),
    [
        (
            Banner("success", "snoozed", {"until": "2026-03-11T07:00:00+00:00"}),
            "Snoozed until Wed 11 Mar, 08:00.",
        ),
        (
            Banner("success", "rescheduled", {"until": "2026-03-12T08:30:00+00:00"}),
            "Rescheduled to Thu 12 Mar, 09:30.",
        ),
        (Banner("success", "logged", {"kind": "call"}), "Call logged."),
        (Banner("success", "hand_off_accepted", {"by": "Priya"}), "Hand-off accepted by Priya."),
        (Banner("error", "invalid_input", {"field": "due_date"}), "Please check the field “New date”."),
        (Banner("error", "already_closed"), "This follow-up was already closed, so nothing changed."),
        (Banner("warning", "stale"), "This lead changed since the card was sent: –."),
        (Banner("error", "no_such_code"), "Something went wrong on our side."),
    ],
)
def test_banner_texts(banner: Banner, expected: str) -> None:
    card = follow_up_card(follow_up(), "en", NOW, banner)
    [strip] = by_id(card, "banner")
    assert strip["items"][0]["text"].startswith(expected)


def test_long_free_text_is_clipped_to_keep_the_card_small() -> None:
    view = follow_up(lead=lead(name="N" * 5000, company="C" * 5000), why_now=follow_up().why_now * 50)
    text = all_text(follow_up_card(view, "en", NOW))
    assert "N" * 119 + "…" in text
    assert "N" * 200 not in text
    assert text.count("visited pricing") == 4  # why-now lists at most four reasons


def test_done_on_a_sales_owned_lead_asks_why_it_would_leave_sales() -> None:
    view = follow_up(kind="sales_step", lead=lead(lifecycle="sql"))
    card = follow_up_card(view, "de", NOW)
    assert "Nächster Vertriebsschritt fällig" in all_text(card)
    done = _show_card(card, "Erledigt")
    outcome, why_not, until = inputs(done)
    assert outcome["id"] == contract.INPUT_OUTCOME
    assert why_not["id"] == contract.INPUT_RECYCLE_REASON and not why_not.get("isRequired", False)
    assert "Vertraglich gebunden bis zu einem Datum" in [choice["title"] for choice in why_not["choices"]]
    assert until["type"] == "Input.Date"
