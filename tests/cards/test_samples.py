"""Contract checks over every sample card: envelope, size, allowed actions, action data and language."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from cards import contract
from cards.elements import MAX_CARD_BYTES, SCHEMA_URL
from cards.samples import sample_cards
from cards.strings import all_texts
from tests.cards.walk import ACTION_TYPES, actions, executes, inputs, nodes, texts

SAMPLES = sample_cards()
EXPECTED_KINDS = {
    "follow_up_due",
    "follow_up_done",
    "follow_up_stale",
    "follow_up_list",
    "follow_up_list_done",
    "follow_up_list_empty",
    "hand_off",
    "hand_off_decided",
    "ownership",
    "ownership_fyi",
    "sla_nudge",
    "sla_escalate",
    "routing_fallback",
    "routing_unowned",
    "digest",
    "pipeline",
    "pipeline_roles_only",
    "lead",
    "lead_matches",
    "welcome",
    "help",
    "error",
}
IDS = [f"{kind}.{locale}" for kind, locale, _ in SAMPLES]
GERMAN = [sample for sample in SAMPLES if sample[1] == "de"]
ENGLISH = [sample for sample in SAMPLES if sample[1] == "en"]
# Button labels that differ between the languages; the same word in both (e.g. "Score") proves nothing.
BUTTONS = {key: pair for key, pair in all_texts().items() if key.startswith("btn.") and pair[0] != pair[1]}


def test_every_kind_exists_in_both_languages() -> None:
    assert Counter((kind, locale) for kind, locale, _ in SAMPLES) == Counter(
        (kind, locale) for kind in EXPECTED_KINDS for locale in ("en", "de")
    )


@pytest.mark.parametrize(("kind", "locale", "card"), SAMPLES, ids=IDS)
def test_envelope_is_schema_1_5(kind: str, locale: str, card: dict[str, Any]) -> None:
    assert card["$schema"] == SCHEMA_URL
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert card["body"], "a card needs a body"
    assert "schema" not in card


@pytest.mark.parametrize(("kind", "locale", "card"), SAMPLES, ids=IDS)
def test_size_is_under_28_kb(kind: str, locale: str, card: dict[str, Any]) -> None:
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-8")) < MAX_CARD_BYTES


@pytest.mark.parametrize(("kind", "locale", "card"), SAMPLES, ids=IDS)
def test_only_universal_actions(kind: str, locale: str, card: dict[str, Any]) -> None:
    kinds = {action["type"] for action in actions(card)}
    assert kinds <= ACTION_TYPES
    assert "Action.Submit" not in json.dumps(card)
    # The JS renderer (and Teams' host config) allow five buttons per row.
    for node in nodes(card):
        if isinstance(node.get("actions"), list):
            assert len(node["actions"]) <= 5


@pytest.mark.parametrize(("kind", "locale", "card"), SAMPLES, ids=IDS)
def test_every_execute_carries_verb_and_contract_data(kind: str, locale: str, card: dict[str, Any]) -> None:
    for action in executes(card):
        verb = action["verb"]
        assert verb in contract.VERBS
        data = action["data"]
        assert isinstance(data, dict)
        assert data[contract.DATA_TENANT_ID]
        if contract.DATA_LIST_OFFSET in data and verb != contract.FOLLOW_UP_LIST:
            # A list row: its choice comes from that row's own input.
            assert contract.LIST_ROW_DATA <= data.keys()
            assert isinstance(data[contract.DATA_LIST_OFFSET], int)
            row_inputs = {element["id"] for element in inputs(card)}
            name = contract.INPUT_OUTCOME if verb == contract.FOLLOW_UP_DONE else contract.DATA_SNOOZE
            assert contract.row_input(name, data[contract.DATA_FOLLOW_UP_ID]) in row_inputs
        else:
            assert contract.REQUIRED_DATA[verb] <= data.keys()
        if verb in (contract.PIPELINE_REFRESH, contract.FOLLOW_UP_LIST):
            assert contract.DATA_LEAD_ID not in data
        else:
            assert contract.LEAD_DATA <= data.keys()
            assert isinstance(data[contract.DATA_VERSION], int)
        if verb == contract.FOLLOW_UP_SNOOZE and contract.DATA_LIST_OFFSET not in data:
            assert data[contract.DATA_SNOOZE] in contract.SNOOZE_OPTIONS


@pytest.mark.parametrize(("kind", "locale", "card"), SAMPLES, ids=IDS)
def test_inputs_have_unique_ids_labels_and_error_messages(
    kind: str, locale: str, card: dict[str, Any]
) -> None:
    ids = [element["id"] for element in nodes(card) if "id" in element]
    assert len(ids) == len(set(ids))
    for element in inputs(card):
        assert element["label"]
        if element.get("isRequired"):
            assert element["errorMessage"]


@pytest.mark.parametrize(("kind", "locale", "card"), GERMAN, ids=[f"{kind}.de" for kind, _, _ in GERMAN])
def test_german_cards_have_no_english_buttons_and_read_german(
    kind: str, locale: str, card: dict[str, Any]
) -> None:
    titles = {action.get("title") for action in actions(card)}
    english = {pair[0] for pair in BUTTONS.values()}
    assert not titles & english
    german_words = {pair[1] for pair in all_texts().values() if pair[0] != pair[1]}
    visible = texts(card)
    assert any(word in line for line in visible for word in german_words if len(word) > 3)


@pytest.mark.parametrize(("kind", "locale", "card"), ENGLISH, ids=[f"{kind}.en" for kind, _, _ in ENGLISH])
def test_english_cards_have_no_german_buttons(kind: str, locale: str, card: dict[str, Any]) -> None:
    titles = {action.get("title") for action in actions(card)}
    assert not titles & {pair[1] for pair in BUTTONS.values()}
    # German command aliases are listed on purpose, in backticks; nothing else may be German.
    prose = re.sub(r"`[^`]*`", "", "".join(texts(card)))
    assert not any(mark in prose for mark in ("ä", "ö", "ü", "ß", "Ä", "Ö", "Ü"))


def test_german_samples_use_german_names_with_umlauts() -> None:
    german = [card for kind, locale, card in SAMPLES if locale == "de" and kind == "follow_up_due"]
    assert any(mark in "".join(texts(german[0])) for mark in ("ä", "ö", "ü", "ß"))


def test_refresh_user_ids_are_capped_at_60() -> None:
    pipelines = [card for kind, _, card in SAMPLES if kind == "pipeline"]
    for card in pipelines:
        assert len(card["refresh"]["userIds"]) == 60
        assert card["refresh"]["action"]["type"] == "Action.Execute"
