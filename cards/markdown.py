"""Text that people and integrations typed, made inert for the Markdown Teams renders in cards.

Teams renders a CommonMark subset (bold, italic, lists, links) in TextBlock text and in FactSet titles and
values. A lead's name from a web form such as ``[Session expired](https://evil.example)`` would otherwise
arrive as a live link in a rep's chat. Links on our cards are built here only, from URLs we vet."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# Inline markup: emphasis, code, links and images, autolinks and HTML, strikethrough, entities (which could
# spell any of these), and the escape itself.
_INLINE = re.compile(r"([\\`*_\[\]<>~&])")
# Block markup that only counts at the start of a line: headings, quotes, list items, rules.
_LINE_START = re.compile(r"^(\s*)([#>+\-=|]|\d+[.)])", re.MULTILINE)
# A word joiner before the colon of "https://…" or "mailto:…" keeps the text readable but stops clients
# that turn bare addresses into links.
_SCHEME = re.compile(r"(?i)([a-z][a-z0-9+.\-]*):(?=//)|\b(mailto|tel|sip|callto):")
_WORD_JOINER = "\u2060"
_SAFE_SCHEMES = frozenset({"https", "http"})
# Characters kept as they are in a link target; parentheses, spaces and angle brackets are percent-encoded
# so that no URL can end the Markdown link early.
_URL_SAFE = ":/?#@!$&'*+,;=%~-._"


def escape(value: str) -> str:
    """``value`` as literal text: every character that Teams' Markdown would read as markup is escaped."""
    escaped = _INLINE.sub(r"\\\1", value)
    escaped = _LINE_START.sub(lambda match: match.group(1) + _escape_marker(match.group(2)), escaped)
    return _SCHEME.sub(lambda match: (match.group(1) or match.group(2)) + _WORD_JOINER + ":", escaped)


def _escape_marker(marker: str) -> str:
    # "12." becomes "12\." : only the punctuation makes it a list item.
    return marker[:-1] + "\\" + marker[-1]


def safe_url(url: str | None) -> str | None:
    """``url`` fit to be a link target on a card, or None: absolute http(s) with a host, no credentials."""
    if not url or any(ord(char) < 33 or char == "\\" for char in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.hostname or "@" in parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


def link(text: str, url: str | None) -> str:
    """A Markdown link whose visible ``text`` is already escaped; the bare text when ``url`` is not safe."""
    target = safe_url(url)
    return f"[{text}]({target})" if target else text
