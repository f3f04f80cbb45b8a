"""What people type to the bot, in English or German."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    HELP = "help"
    MY_FOLLOW_UPS = "my_follow_ups"
    LEAD = "lead"
    DIGEST = "digest"
    PIPELINE = "pipeline"
    UNKNOWN = "unknown"


# Each command with its aliases; the first word(s) decide, the rest is the argument.
_ALIASES: tuple[tuple[Command, tuple[str, ...]], ...] = (
    (
        Command.MY_FOLLOW_UPS,
        (
            "my follow-ups",
            "my follow ups",
            "my followups",
            "meine follow-ups",
            "meine follow ups",
            "meine followups",
            "meine wiedervorlagen",
        ),
    ),
    (Command.HELP, ("help", "hilfe", "?")),
    (Command.DIGEST, ("digest", "übersicht", "uebersicht", "tagesübersicht")),
    (Command.PIPELINE, ("pipeline",)),
    (Command.LEAD, ("lead", "kontakt")),
)


@dataclass(frozen=True, slots=True)
class Parsed:
    command: Command
    argument: str = ""


def parse(text: str | None) -> Parsed:
    """The command in a message whose @mention has already been removed."""
    cleaned = re.sub(r"\s+", " ", (text or "").strip()).strip()
    lowered = cleaned.lower()
    for command, aliases in _ALIASES:
        for alias in aliases:
            if lowered == alias:
                return Parsed(command)
            if lowered.startswith(alias + " "):
                return Parsed(command, cleaned[len(alias) + 1 :].strip())
    return Parsed(Command.UNKNOWN, cleaned)
