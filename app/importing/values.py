"""Vendor values turned into ours: countries, employee ranges, yes/no flags and e-mail addresses."""

from __future__ import annotations

import functools
import re
import unicodedata

from babel import Locale
from email_validator import validate_email

MAX_EMPLOYEES = 2_147_483_647  # the column is a 32-bit integer
COUNTRY_LOCALES = ("en", "de")


class BadValue(ValueError):
    """A cell that cannot be read; the message is for the user and quotes the value."""


def shown(value: str, limit: int = 60) -> str:
    """A value quoted back in a message, cut to ``limit`` characters and on one line."""
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return "'" + text.replace("\n", " ") + "'"


@functools.lru_cache(maxsize=4096)  # owner addresses repeat on many lines
def normalise_email(value: str) -> str:
    """The address as stored: validated (syntax only, no DNS) and lower-cased. Raises EmailNotValidError."""
    return validate_email(value, check_deliverability=False).normalized.lower()


def _fold(text: str) -> str:
    # Case, accents and punctuation differ between exports ("Deutschland", "DEUTSCHLAND", "Côte d’Ivoire").
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", " ", letters).strip()


@functools.cache
def _country_names() -> dict[str, str]:
    """Folded country name (English and German, from CLDR through babel) -> ISO 3166-1 alpha-2 code."""
    names: dict[str, str] = {}
    for locale in COUNTRY_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            # CLDR also names regions ("001" World, "150" Europe) and private-use codes; keep countries.
            if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}:
                names.setdefault(_fold(name), code)
    return names


@functools.cache
def _country_codes() -> frozenset[str]:
    return frozenset(_country_names().values())


def country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code from a code or an English or German country name."""
    text = value.strip()
    if len(text) == 2 and text.upper() in _country_codes():
        return text.upper()
    code = _country_names().get(_fold(text))
    if code is None:
        raise BadValue(
            f"{shown(value)} is not a country we know; write its English or German name (such as "
            "Germany or Deutschland) or its two-letter ISO code (DE)"
        )
    return code


_GROUPED = re.compile(r"\d{1,3}(?:[.,' \u00a0\u202f]\d{3})+")
_NUMBER = r"(\d[\d.,' \u00a0\u202f]*)"
_RANGE = re.compile(rf"{_NUMBER}?\s*(?:(-|–|—|to|bis)\s*{_NUMBER}|(\+|or more|und mehr))?", re.IGNORECASE)


def _whole(text: str, original: str) -> int:
    text = text.strip()
    if _GROUPED.fullmatch(text):  # "1,000", "1.000", "10 000": thousands separators
        text = re.sub(r"\D", "", text)
    if not text.isdigit():
        raise BadValue(f"{shown(original)} is not a number of employees, such as 250 or 51-200")
    number = int(text)
    if number > MAX_EMPLOYEES:
        raise BadValue(f"{shown(original)} is too large for a number of employees")
    return number


def employees(value: str) -> int:
    """A head count from a number ("250", "1.000") or a CRM's size band ("51-200", "10,001+")."""
    match = _RANGE.fullmatch(value.strip())
    if match is None or match.group(1) is None:
        raise BadValue(f"{shown(value)} is not a number of employees, such as 250 or 51-200")
    low = _whole(match.group(1), value)
    if match.group(3) is not None:
        high = _whole(match.group(3), value)
        if high < low:
            raise BadValue(f"{shown(value)} is a range that ends below where it starts")
    # A band becomes its lower bound: the company has at least that many people, which is the one thing
    # the band states, and the fit rules compare with "at least" thresholds (50+, 1,000+ employees).
    return low


# Yes/no as CRMs and spreadsheets export it, in English and German. Anything else is refused rather than
# guessed: a consent flag read wrong either mails someone who opted out or silences a willing lead.
_YES = frozenset({"true", "yes", "y", "1", "ja", "j", "wahr", "x", "opted out", "abgemeldet"})
_NO = frozenset({"false", "no", "n", "0", "nein", "falsch", "opted in"})


def flag(value: str) -> bool:
    """True or False from the yes/no words exports use, in English and German."""
    word = value.strip().casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise BadValue(f"{shown(value)} is not yes or no; write true or false")


def fold(text: str) -> str:
    """A header or label compared without case, accents or punctuation."""
    return _fold(text)
