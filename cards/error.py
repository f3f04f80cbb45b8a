"""The friendly error card for tampered payloads, forbidden actions and missing objects."""

from __future__ import annotations

from typing import Any

from microsoft_teams.cards.core import CardElement

from cards.elements import banner_element, finish, heading, para
from cards.strings import text
from cards.views import Banner


def error_card(banner: Banner, locale: str) -> dict[str, Any]:
    """A card that says what went wrong without exposing internals; it carries no actions."""
    title = text(locale, "error.title")
    body: list[CardElement] = [
        heading(title),
        banner_element(banner, locale),
        para(text(locale, "error.hint", code=banner.code), subtle=True, spacing=True),
    ]
    return finish(body, fallback_text=title)
