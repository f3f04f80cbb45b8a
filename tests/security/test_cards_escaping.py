"""Every card builder shows what people and integrations typed as literal text, never as Markdown.

Each builder runs twice on the same views: once with plain words in every free-text field, once with
Markdown and link tricks there. Teams renders a CommonMark subset in TextBlocks and facts; rendered with
a CommonMark parser, the hostile card must carry exactly the markup of the plain one, and no link to
anywhere but our own tab and the content library."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from markdown_it import MarkdownIt

import cards
from cards.markdown import escape, link, safe_url
from cards.views import (
    Banner,
    ContentView,
    DigestView,
    ExchangeView,
    FollowUpListView,
    FollowUpRowView,
    HandOffView,
    OwnershipView,
    ReasonView,
    ScoreView,
    SlaView,
    UnroutedView,
)
from tests.cards import builders
from tests.cards.builders import NOW
from tests.cards.walk import nodes

TAB_URL = "https://nurture.example.com/tab/?lead=lead-1"
CONTENT_URL = "https://library.example.com/guides/pilot"
ALLOWED_LINKS = {TAB_URL, CONTENT_URL}

HOSTILE = [
    "[Your Teams session expired - sign in again](https://evil.example/login)",
    "![pixel](https://evil.example/p.png) <https://evil.example/auto> <b>html</b>",
    "**bold** __strong__ _it_ *it* ~~gone~~ `code` \\[x\\](https://evil.example/esc)",
    "- item\n+ item\n1. first\n2) second\n# heading\n> quote\n---\n[ref]: https://evil.example/ref",
    "[x][ref] &#91;y&#93;(https://evil.example/entity) https://evil.example/bare mailto:a@evil.example",
]
PLAIN = ["Maria Schmidt", "Fabrik Nord GmbH", "Head of Operations", "call back next week", "budget approved"]

_TAG = re.compile(r"<(/?[a-z0-9]+)")
_HREF = re.compile(r'href="([^"]*)"')
_commonmark = MarkdownIt("commonmark")


def _texts(card: dict[str, Any]) -> list[str]:
    """What Teams renders as Markdown: TextBlock text, and fact titles and values."""
    found: list[str] = []
    for node in nodes(card):
        if node.get("type") == "TextBlock":
            found.append(node["text"])
        elif node.get("type") == "FactSet":
            found += [part for fact in node["facts"] for part in (fact["title"], fact["value"])]
    return found


def _markup(card: dict[str, Any]) -> tuple[Counter[str], list[str]]:
    html = [_commonmark.render(value) for value in _texts(card)]
    return Counter(tag for page in html for tag in _TAG.findall(page)), [
        href for page in html for href in _HREF.findall(page)
    ]


def _card_set(words: list[str]) -> dict[str, dict[str, Any]]:
    """One card from every builder, with ``words`` in every field that someone other than us typed."""

    def word(index: int) -> str:
        return words[index % len(words)]

    reasons = (
        ReasonView("score_rule", {"label": word(0), "points": 10}),
        ReasonView("rep_proposed", {"note": word(1)}),
    )
    lead = replace(
        builders.lead(),
        name=word(0),
        email=f"{word(1)}@kunde.example",
        title=word(2),
        company=word(3),
        owner_name=word(4),
        tab_url=TAB_URL,
        score=ScoreView(total=62, fit=35, engagement=27, top_reasons=reasons),
    )
    follow_up = replace(
        builders.follow_up(),
        lead=lead,
        why_now=reasons,
        content=ContentView(word(1), CONTENT_URL, "guide"),
        last_exchange=ExchangeView("inbound", "mail", NOW - timedelta(days=1), word(2)),
    )
    hand_off = HandOffView("ho-1", lead, word(1), word(2), reasons, "rejected", word(3), word(4))
    ownership = OwnershipView(lead, word(0), word(1), word(2), word(3), follow_up)
    stale = Banner("warning", "stale", {"changes": word(0)})
    rejected = Banner("success", "hand_off_rejected", {"by": word(1), "reason": word(2)})
    built: dict[str, dict[str, Any]] = {
        "digest_card": cards.digest_card(
            DigestView(word(0), date(2026, 3, 10), 2, 1, (follow_up,)), "en", NOW
        ),
        "error_card": cards.error_card(Banner("error", "invalid_input", {"field": word(3)}), "en"),
        "follow_up_card": cards.follow_up_card(follow_up, "en", NOW, stale),
        "follow_up_list_card": cards.follow_up_list_card(
            FollowUpListView(
                tenant_id="tenant-1",
                time_zone="Europe/Berlin",
                rows=(
                    FollowUpRowView(
                        id="fu-1",
                        lead_id="lead-1",
                        lead_version=3,
                        lead_name=word(0),
                        company=word(3),
                        lifecycle="mql",
                        kind="nurture",
                        due_at=NOW - timedelta(days=1),
                        overdue=True,
                        status="open",
                        suggested_channel="mail",
                        tab_url=TAB_URL,
                    ),
                ),
                total=9,
                overdue=1,
                offset=0,
            ),
            "en",
            NOW,
            Banner("success", "list_done", {"lead": word(1), "outcome": "replied", "next_due": word(2)}),
        ),
        "hand_off_card": cards.hand_off_card(hand_off, "de", NOW, rejected),
        "help_card": cards.help_card("en", "channel"),
        "lead_card": cards.lead_card(
            lead, follow_up, [follow_up.last_exchange] if follow_up.last_exchange else [], "en", NOW
        ),
        "lead_matches_card": cards.lead_matches_card([lead, lead], word(4), "en"),
        "ownership_card": cards.ownership_card(ownership, "en", NOW),
        "ownership_fyi_card": cards.ownership_fyi_card(ownership, "de"),
        "pipeline_card": cards.pipeline_card(
            replace(
                builders.pipeline(), team_name=word(2), overdue_by_rep=((word(3), 2),), hot_leads=(lead,)
            ),
            "en",
            NOW,
        ),
        "pipeline_roles_only_card": cards.pipeline_roles_only_card("de"),
        "sla_card": cards.sla_card(SlaView("escalate", lead, word(1), 30.0), "en", NOW),
        "unrouted_card": cards.unrouted_card(UnroutedView("unowned", 7, (lead, lead), word(2)), "en"),
        "welcome_card": cards.welcome_card("de", "personal"),
    }
    return built


PLAIN_CARDS = _card_set(PLAIN)
HOSTILE_CARDS = _card_set(HOSTILE)


def test_every_builder_is_walked() -> None:
    builders_in_package = {name for name in cards.__all__ if callable(getattr(cards, name))}
    builders_in_package.discard("CardTooLarge")
    assert set(PLAIN_CARDS) == builders_in_package


@pytest.mark.parametrize("builder", sorted(HOSTILE_CARDS))
def test_typed_text_adds_no_markup_and_no_link(builder: str) -> None:
    plain_tags, plain_links = _markup(PLAIN_CARDS[builder])
    hostile_tags, hostile_links = _markup(HOSTILE_CARDS[builder])
    assert hostile_tags == plain_tags
    assert set(hostile_links) <= ALLOWED_LINKS
    assert hostile_links == plain_links


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_text_reads_as_typed(value: str) -> None:
    # Escaping must not cost the reader anything: CommonMark shows exactly the characters typed.
    rendered = _commonmark.renderInline(escape(value)).replace("\u2060", "")
    unescaped = (
        rendered.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )
    assert unescaped == value


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>",
        "https://user:pw@evil.example/",
        "https://ok.example/a b",
        "//evil.example/x",
        "/tab/relative",
        "",
    ],
)
def test_only_absolute_web_addresses_become_links(url: str) -> None:
    assert safe_url(url) is None
    assert link("Guide", url) == "Guide"


def test_a_vetted_address_cannot_close_its_own_link() -> None:
    target = safe_url("https://library.example/guide_(2024)?q=a)b")
    assert target == "https://library.example/guide_%282024%29?q=a%29b"
    html = _commonmark.renderInline(link("Guide", "https://library.example/guide_(2024)?q=a)b"))
    assert _HREF.findall(html) == [target]
