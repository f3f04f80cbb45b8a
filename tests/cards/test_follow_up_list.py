"""The list card: a page of follow-ups, each row with its own Done, Snooze and Open, and paging."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from cards import contract, follow_up_list_card
from cards.elements import MAX_CARD_BYTES
from cards.views import Banner, FollowUpListView, FollowUpRowView
from tests.cards.builders import NOW, TENANT
from tests.cards.walk import executes, inputs, nodes, texts


def _row(number: int, **changes: Any) -> FollowUpRowView:
    base = FollowUpRowView(
        id=f"{number:08d}-4f1c-4b7a-9d2e-0c5b8a6f3e21",
        lead_id=f"{number:08d}-7a3e-4c19-8b5d-2f6e9c1a4d70",
        lead_version=4,
        lead_name=f"Käthe Sommerfeld-Größer {number}",
        company="Lübecker Umformtechnik und Präzisionsteile Aktiengesellschaft",
        lifecycle="mql",
        kind="nurture",
        due_at=NOW + timedelta(hours=2),
        overdue=False,
        status="open",
        suggested_channel="mail",
        tab_url=f"https://nurture.example.com/tab/?lead={number:08d}-7a3e-4c19-8b5d-2f6e9c1a4d70",
    )
    return replace(base, **changes)


def _view(rows: int = 8, total: int = 16, offset: int = 0, **row_changes: Any) -> FollowUpListView:
    return FollowUpListView(
        tenant_id=TENANT,
        time_zone="Europe/Berlin",
        rows=tuple(_row(offset + i, **row_changes) for i in range(rows)),
        total=total,
        overdue=3,
        offset=offset,
    )


def _by_verb(card: dict[str, Any], verb: str) -> list[dict[str, Any]]:
    return [action for action in executes(card) if action["verb"] == verb]


@pytest.mark.parametrize("locale", ["en", "de"])
def test_a_full_page_stays_well_under_the_teams_limit(locale: str) -> None:
    # The longest names Teams would show, clipped as every card clips them, on every one of eight rows.
    card = follow_up_list_card(
        _view(lead_name="Ö" * 200, company="Ü" * 200, kind="discovery_call", overdue=True),
        locale,
        NOW,
        Banner("success", "list_done", {"lead": "Ä" * 200, "outcome": "meeting_booked", "next_due": "x"}),
    )
    size = len(json.dumps(card, ensure_ascii=False).encode("utf-8"))
    assert size < MAX_CARD_BYTES * 0.75, size


def test_each_row_has_done_snooze_and_open_for_its_own_follow_up() -> None:
    view = _view(rows=3, total=3)
    card = follow_up_list_card(view, "en", NOW)
    for verb in (contract.FOLLOW_UP_DONE, contract.FOLLOW_UP_SNOOZE):
        actions = _by_verb(card, verb)
        assert [a["data"][contract.DATA_FOLLOW_UP_ID] for a in actions] == [row.id for row in view.rows]
        for action, row in zip(actions, view.rows, strict=True):
            assert action["data"][contract.DATA_LEAD_ID] == row.lead_id
            assert action["data"][contract.DATA_VERSION] == row.lead_version
            assert action["data"][contract.DATA_TENANT_ID] == TENANT
            assert action["data"][contract.DATA_LIST_OFFSET] == 0
    ids = {element["id"] for element in inputs(card)}
    assert ids == {contract.row_input(name, row.id) for row in view.rows for name in ("outcome", "snooze")}
    opens = [node for node in nodes(card) if node.get("type") == "Action.OpenUrl"]
    assert [node["url"] for node in opens] == [row.tab_url for row in view.rows]
    assert not _by_verb(card, contract.FOLLOW_UP_LIST), "everything fits: no Show more"


def test_show_more_pages_on_and_the_last_page_leads_back() -> None:
    first = follow_up_list_card(_view(total=19), "en", NOW)
    (more,) = _by_verb(first, contract.FOLLOW_UP_LIST)
    assert more["title"] == "Show more" and more["data"] == {"tenant_id": TENANT, "list_offset": 8}
    assert "showing 1–8" in " ".join(texts(first))
    last = follow_up_list_card(_view(rows=3, total=19, offset=16), "de", NOW)
    (back,) = _by_verb(last, contract.FOLLOW_UP_LIST)
    assert back["title"] == "Zurück zum Anfang" and back["data"][contract.DATA_LIST_OFFSET] == 0
    assert "angezeigt: 17–19" in " ".join(texts(last))
    assert all(a["data"][contract.DATA_LIST_OFFSET] == 16 for a in _by_verb(last, contract.FOLLOW_UP_DONE))


def test_overdue_and_snoozed_rows_say_so_in_words() -> None:
    view = replace(
        _view(rows=2, total=2),
        rows=(
            _row(1, overdue=True, due_at=NOW - timedelta(days=2), kind="answer"),
            _row(2, status="snoozed", kind="sales_step", suggested_channel=None),
        ),
    )
    english = " ".join(texts(follow_up_list_card(view, "en", NOW))).replace("\xa0", " ")
    assert "Overdue by 2 days" in english and "They replied: answer them · by mail" in english
    assert "Snoozed until" in english and "Next sales step due" in english
    german = " ".join(texts(follow_up_list_card(view, "de", NOW))).replace("\xa0", " ")
    assert "Seit 2 Tagen überfällig" in german and "Antwort erhalten: jetzt antworten · per Mail" in german
    overdue = [n for n in nodes(follow_up_list_card(view, "en", NOW)) if n.get("color") == "Attention"]
    assert len(overdue) == 1, "only the overdue row is marked"


def test_not_interested_is_left_to_the_single_card_for_sales_owned_leads() -> None:
    view = replace(_view(rows=2, total=2), rows=(_row(1, lifecycle="sql"), _row(2, lifecycle="mql")))
    card = follow_up_list_card(view, "en", NOW)
    choices = {
        e["id"]: [c["value"] for c in e["choices"]] for e in inputs(card) if e["id"].startswith("outcome")
    }
    assert "not_interested" not in choices[contract.row_input("outcome", view.rows[0].id)]
    assert choices[contract.row_input("outcome", view.rows[1].id)] == list(contract.OUTCOMES)


def test_an_empty_list_says_so_without_actions() -> None:
    card = follow_up_list_card(_view(rows=0, total=0), "de", NOW)
    assert "Keine Follow-ups fällig." in texts(card) and not executes(card)


def test_the_banner_names_the_lead_and_what_happened() -> None:
    banner = Banner(
        "success", "list_done", {"lead": "Jörg Bäumer", "outcome": "no_answer", "next_due": "Fri"}
    )
    card = follow_up_list_card(_view(rows=1, total=1), "de", NOW, banner)
    assert card["body"][0]["id"] == "banner"
    assert texts(card)[0] == "Jörg Bäumer: erledigt (Keine Antwort). Nächstes Follow-up: Fri."
