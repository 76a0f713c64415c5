"""Masks personal details in what people type, before anything is stored, sent or logged.

One redactor serves every place that handles user text: the channel gateway (before the NLU,
the tracker store, the action server and the logs see it), the tracker store wrapper (for any
event that reaches storage another way) and the log filter.

What it finds, and how:
- phone numbers: Google's libphonenumber (``phonenumbers``), US and international formats;
- emails, SSN-like numbers, card-like numbers (Luhn-checked), dates of birth, street addresses:
  spaCy ``Matcher`` token patterns on the project's pipeline, with small regular expressions
  for the shapes of single tokens;
- person names: the same Matcher, from phrases such as "my name is", "I'm", "this is",
  "call me" or "my son <Name>", and from Title-case first and last names in Faker's US name
  lists (common English words among them are left alone).

Each finding becomes a typed placeholder such as ``[PHONE]`` or ``[NAME]``. Nothing tells
the original back. Known limits are listed in docs/privacy.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import List, Optional, Sequence, Tuple

import phonenumbers
from spacy.matcher import Matcher

PLACEHOLDERS = ("EMAIL", "PHONE", "SSN", "CARD", "DATE_OF_BIRTH", "ADDRESS", "NAME")

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(\.[\w\-]+)+", re.UNICODE)
_SSN = re.compile(r"\b(?!000|666|9\d\d)\d{3}[- ]?(?!00)\d{2}[- ]?(?!0000)\d{4}\b")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_DATE = re.compile(
    r"\b(?:(?:0?[1-9]|1[0-2])[/.\-](?:0?[1-9]|[12]\d|3[01])[/.\-](?:19|20)?\d{2}"
    r"|(?:19|20)\d{2}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01]))\b"
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE_WORDS = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+(?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)
_BIRTH_CONTEXT = re.compile(r"\b(dob|d\.o\.b|born|birthday|birth ?date|date of birth)\b", re.I)
_STREET_SUFFIX = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    "terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,6}}\s+(?:[A-Za-z0-9'.\-]+\s+){{1,4}}(?:{_STREET_SUFFIX})\b\.?"
    r"(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\s*[\w\-]+)?",
    re.IGNORECASE,
)
_PO_BOX = re.compile(r"\bp\.?\s?o\.?\s+box\s+\d+\b", re.IGNORECASE)

# Name introductions, matched case-insensitively on tokens.
_INTRO_PATTERNS = [
    [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": {"IN": ["is", "s", "'s"]}}],
    [{"LOWER": "name"}, {"LOWER": {"IN": ["is", ":"]}}],
    [{"LOWER": "i"}, {"LOWER": {"IN": ["am", "'m", "m"]}}],
    [{"LOWER": "im"}],
    [{"LOWER": "this"}, {"LOWER": "is"}],
    [{"LOWER": "call"}, {"LOWER": "me"}],
    [{"LOWER": {"IN": ["it", "its"]}}, {"LOWER": {"IN": ["'s", "s", "is"]}, "OP": "?"}],
    [
        {"LOWER": {"IN": ["regards", "thanks", "sincerely", "cheers", "best"]}},
        {"IS_PUNCT": True, "OP": "?"},
    ],
    [
        {"LOWER": "my"},
        {
            "LOWER": {
                "IN": [
                    "son",
                    "daughter",
                    "wife",
                    "husband",
                    "partner",
                    "mom",
                    "mother",
                    "dad",
                    "father",
                    "brother",
                    "sister",
                    "friend",
                    "boyfriend",
                    "girlfriend",
                    "child",
                    "kid",
                    "doctor",
                    "psychiatrist",
                    "therapist",
                    "grandson",
                    "granddaughter",
                    "aunt",
                    "uncle",
                    "cousin",
                ]
            }
        },
        {"LOWER": {"IN": [",", "is", "named", "called"]}, "OP": "?"},
    ],
    [
        {
            "LOWER": {
                "IN": [
                    "dr",
                    "dr.",
                    "doctor",
                    "mr",
                    "mr.",
                    "mrs",
                    "mrs.",
                    "ms",
                    "ms.",
                    "miss",
                    "nurse",
                ]
            }
        }
    ],
    [{"LOWER": "named"}],
]


@dataclass(frozen=True)
class Redaction:
    """The masked text and the kinds of detail that were found."""

    text: str
    found: Tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.found)


def _luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@lru_cache(maxsize=1)
def _all_names() -> frozenset:
    """Every first and last name in Faker's US lists, lower case (used after "my name is")."""
    from faker.providers.person.en_US import Provider

    return frozenset(n.lower() for n in list(Provider.first_names) + list(Provider.last_names))


@lru_cache(maxsize=1)
def _name_lexicon() -> Tuple[frozenset, frozenset]:
    """(first names, last names) from Faker's US lists, minus ordinary English words."""
    from faker.providers.person.en_US import Provider

    from assistant.language.pipeline import load_pipeline

    table = load_pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    base_forms = {str(value) for value in table.values()}

    def is_word(name: str) -> bool:
        lower = name.lower()
        return lower in base_forms or lower in table or lower in _NOT_NAMES

    first = {n for n in Provider.first_names if n.isalpha() and not is_word(n)}
    last = {n for n in Provider.last_names if n.isalpha() and not is_word(n)}
    return frozenset(first), frozenset(last)


class Redactor:
    """Finds and masks personal details in a text."""

    def __init__(self, nlp, region: str = "US") -> None:
        self._nlp = nlp
        self._region = region
        self._intro = Matcher(nlp.vocab)
        self._intro.add("NAME_INTRO", _INTRO_PATTERNS)
        self._first_names, self._last_names = _name_lexicon()
        self._all_names_lower = _all_names()

    def redact(self, text: Optional[str]) -> Redaction:
        if not text:
            return Redaction(text or "", ())
        spans: List[Tuple[int, int, str]] = []
        spans += [(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)]
        for match in phonenumbers.PhoneNumberMatcher(
            text, self._region, leniency=phonenumbers.Leniency.POSSIBLE
        ):
            spans.append((match.start, match.end, "PHONE"))
        for m in _CARD.finditer(text):
            digits = re.sub(r"\D", "", m.group(0))
            if 13 <= len(digits) <= 19 and _luhn_ok(digits):
                spans.append((m.start(), m.end(), "CARD"))
        spans += [
            (m.start(), m.end(), "SSN")
            for m in _SSN.finditer(text)
            if "-" in m.group(0) or " " in m.group(0) or _near(text, m.start(), r"ssn|social")
        ]
        for pattern in (_DATE, _DATE_WORDS):
            for m in pattern.finditer(text):
                spans.append((m.start(), m.end(), "DATE_OF_BIRTH"))
        spans += [(m.start(), m.end(), "ADDRESS") for m in _ADDRESS.finditer(text)]
        spans += [(m.start(), m.end(), "ADDRESS") for m in _PO_BOX.finditer(text)]
        spans += self._names(text)
        if not spans:
            return Redaction(text, ())
        return _apply(text, spans)

    def _names(self, text: str) -> List[Tuple[int, int, str]]:
        doc = self._nlp.make_doc(text)
        found: List[Tuple[int, int, str]] = []
        # A question written as a clinic FAQ heading ("Is It Covered By Medicare?") capitalises
        # every word, so there a capital letter says nothing about a name.
        words = [token for token in doc if token.is_alpha]
        heading = (
            text.rstrip().endswith("?")
            and len(words) >= 4
            and sum(token.is_title for token in words) >= 0.75 * len(words)
        )
        # After an introduction: the next one or two alphabetic tokens that look like a name.
        for _, start, end in self._intro(doc):
            strong = doc[start:end].text.lower().replace("'", " ").split()[:2] in (
                ["my", "name"],
                ["name", "is"],
            )
            i, taken = end, 0
            while i < len(doc) and taken < 2:
                token = doc[i]
                lower = token.lower_
                if not token.is_alpha or lower in _NOT_NAMES:
                    break
                looks_like_name = (
                    lower in self._all_names_lower
                    or (strong and taken == 0)
                    or (token.is_title and not token.is_sent_start and not heading)
                )
                if not looks_like_name:
                    break
                found.append((token.idx, token.idx + len(token.text), "NAME"))
                taken += 1
                i += 1
        # Title-case known first names, with a following Title-case known last name.
        for token in doc:
            if (
                token.is_title
                and token.text in self._first_names
                and token.lower_ not in _NOT_NAMES
            ):
                found.append((token.idx, token.idx + len(token.text), "NAME"))
                nxt = token.nbor(1) if token.i + 1 < len(doc) else None
                if nxt is not None and nxt.is_title and nxt.text in self._last_names:
                    found.append((nxt.idx, nxt.idx + len(nxt.text), "NAME"))
        return found


# Words that follow "I'm"/"this is" far more often than a name does.
_NOT_NAMES = frozenset(
    """a an the so not very really just still also here there back home new sorry sure fine
    good ok okay well bad sad scared afraid anxious nervous worried tired done curious
    wondering thinking asking looking trying going calling writing texting interested
    pregnant taking on in at from with about over under currently getting feeling having
    ketamine spravato dr doctor nurse mom dad mother father patient your my his her their
    monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday
    january february march april may june july august september october november december
    english spanish american hi hello hey thanks thank please yes no""".split()
)


def _near(text: str, index: int, words: str, window: int = 25) -> bool:
    return re.search(rf"\b({words})\b", text[max(0, index - window) : index], re.I) is not None


def _apply(text: str, spans: Sequence[Tuple[int, int, str]]) -> Redaction:
    """Replaces the spans (merging overlaps, the longest wins) with placeholders."""
    ordered = sorted(spans, key=lambda s: (s[0], -(s[1] - s[0])))
    merged: List[Tuple[int, int, str]] = []
    for start, end, kind in ordered:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            if end > last[1]:
                merged[-1] = (last[0], end, last[2])
            continue
        merged.append((start, end, kind))
    out, position = [], 0
    for start, end, kind in merged:
        out.append(text[position:start])
        out.append(f"[{kind}]")
        position = end
    out.append(text[position:])
    kinds = tuple(sorted({kind for _, _, kind in merged}))
    return Redaction("".join(out), kinds)


@cache
def default_redactor() -> Redactor:
    """The redactor on the project's spaCy pipeline, built once per process."""
    from assistant.language.pipeline import load_pipeline

    return Redactor(load_pipeline())
