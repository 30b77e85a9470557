"""Month, weekday and day-period words of every CLDR locale, for reading log times.

Moodle writes log times with the language pack's strftime strings, so a site in
French writes "22 janvier 2024, 09:09", one in Japanese "2024年1月22日 09:09" and one
in Arabic "22 يناير 2024، 09:09". Rather than keep names by hand, `words()` reads
them from Babel's copy of CLDR for every locale Babel knows (a superset of the
languages Moodle ships packs for): month names (wide and abbreviated, format and
stand-alone), weekday names, the AM/PM words and the literal words of the
locale's date patterns ("de", "à", "um", "年", "日"). The table is built once, on
first use, because reading every locale takes a few seconds.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

#: A word (letters of any script) or a run of digits.
TOKEN = re.compile(r"[^\W\d_]+|\d+")

#: What a word means in one locale: a month 1..12, or one of these.
IGNORED = 0
AM = -1
PM = -2

_CONTEXTS = ("format", "stand-alone")
_MONTH_WIDTHS = ("wide", "abbreviated")
_DAY_WIDTHS = ("wide", "abbreviated", "short")
_PERIOD_WIDTHS = ("wide", "abbreviated", "narrow")
_PATTERN_KINDS = ("full", "long", "medium", "short")


def plain(text: str) -> str:
    """Lower case without accents, so "miércoles" and "miercoles" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def phrase_key(tokens: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Tokens as the table stores them: digits without leading zeros ("01月")."""
    return tuple(str(int(token)) if token.isdigit() else token for token in tokens)


@dataclass(frozen=True)
class Words:
    """`phrases` maps a token tuple to {locale: meaning}; `longest` is its length bound.

    Most names are one token; some are more ("tháng 1" in Vietnamese, "كانون
    الثاني" in Levantine Arabic, "1月" in Japanese: a number and a word).
    """

    phrases: dict[tuple[str, ...], dict[str, int]]
    longest: int


def _pattern_literals(pattern: str) -> tuple[list[str], list[str]]:
    """Literal text of a CLDR pattern, and prefixes glued to a month ("בMMMM")."""
    quoted = re.findall(r"'([^']+)'", pattern)
    bare = re.sub(r"'[^']*'", " ", pattern)
    prefixes = re.findall(r"([^\sA-Za-z0-9{}',.]+)M{3,4}", bare)
    return quoted + [re.sub(r"[A-Za-z0-9{}]", " ", bare)], prefixes


def _locale_words(locale: Locale) -> dict[tuple[str, ...], int]:
    meanings: dict[tuple[str, ...], int] = {}

    def add(text: str, meaning: int) -> None:
        tokens = phrase_key(TOKEN.findall(plain(text)))
        if not tokens or all(token.isdigit() for token in tokens):
            return  # a bare number names nothing by itself
        if len(tokens) > 1 and meaning == IGNORED:
            for token in tokens:  # literal text is ignored word by word
                add(token, IGNORED)
            return
        # A month wins over a weekday or a literal spelled the same way.
        known = meanings.get(tokens)
        if known is None or (meaning > 0 and known <= IGNORED):
            meanings[tokens] = meaning

    prefixes: list[str] = []
    for kind in _PATTERN_KINDS:
        for formats in (locale.date_formats, locale.time_formats):
            literals, glued = _pattern_literals(formats[kind].pattern)
            prefixes += glued
            for literal in literals:
                add(literal, IGNORED)
        literals, glued = _pattern_literals(str(locale.datetime_formats[kind]))
        for literal in literals:
            add(literal, IGNORED)
    for context in _CONTEXTS:
        for width in _MONTH_WIDTHS:
            for number, name in locale.months[context][width].items():
                add(name, number)
                for prefix in prefixes:
                    add(prefix + name, number)
        for width in _DAY_WIDTHS:
            for name in locale.days[context][width].values():
                add(name, IGNORED)
        for width in _PERIOD_WIDTHS:
            periods = locale.day_periods.get(context, {}).get(width, {})
            for period, meaning in (("am", AM), ("pm", PM)):
                if period in periods:
                    add(periods[period], meaning)
    return meanings


@functools.cache
def words() -> Words:
    """The table for every locale Babel knows, built on first call."""
    from babel import Locale, localedata

    phrases: dict[tuple[str, ...], dict[str, int]] = defaultdict(dict)
    for identifier in sorted(localedata.locale_identifiers()):
        for tokens, meaning in _locale_words(Locale.parse(identifier)).items():
            phrases[tokens][identifier] = meaning
    return Words(phrases=dict(phrases), longest=max(map(len, phrases)))
