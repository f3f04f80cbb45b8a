"""The welcome card after installation and the help card, both tailored to where the bot was added."""

from __future__ import annotations

from typing import Any

from microsoft_teams.cards.core import CardElement

from cards.elements import facts, finish, heading, para, section
from cards.strings import is_german, text

# Commands with their German aliases; the bot's command table accepts both spellings everywhere.
_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("help", "hilfe", "cmd.help"),
    ("my follow-ups", "meine follow-ups", "cmd.my"),
    ("lead <name or email>", "lead <Name oder E-Mail>", "cmd.lead"),
    ("digest", "übersicht", "cmd.digest"),
)
_PIPELINE = ("pipeline", "pipeline", "cmd.pipeline")


def _commands(locale: str, scope: str) -> list[tuple[str, str]]:
    rows = list(_COMMANDS)
    if scope == "channel":
        rows.append(_PIPELINE)
    german = is_german(locale)
    result = []
    for english, deutsch, key in rows:
        # Readers see their own language first; the other spelling works too.
        first, second = (deutsch, english) if german else (english, deutsch)
        name = f"`{first}`" if first == second else f"`{first}` · `{second}`"
        result.append((name, text(locale, key)))
    return result


def _intro_key(scope: str) -> str:
    return {"channel": "welcome.channel", "groupChat": "welcome.group"}.get(scope, "welcome.personal")


def welcome_card(locale: str, scope: str) -> dict[str, Any]:
    """Sent once when the app is installed: what Nurture does here and how to start."""
    title = text(locale, "welcome.title")
    body: list[CardElement] = [
        heading(title),
        para(text(locale, _intro_key(scope))),
        section(text(locale, "welcome.start")),
        facts(_commands(locale, scope)),
    ]
    if scope != "personal":
        body.append(para(text(locale, "help.mention"), subtle=True, spacing=True))
    return finish(body, fallback_text=title)


def help_card(locale: str, scope: str) -> dict[str, Any]:
    """The commands the bot understands in this scope, with their German aliases."""
    title = text(locale, "help.title")
    body: list[CardElement] = [heading(title), facts(_commands(locale, scope))]
    if scope != "personal":
        body.append(para(text(locale, "help.mention"), subtle=True, spacing=True))
    return finish(body, fallback_text=title)
