"""Masks personal details in what people type, before anything is stored, sent or logged.

One redactor serves every place that handles user text: the channel gateway (before the NLU,
the tracker store, the action server and the logs see it), the tracker store wrapper (for any
event that reaches storage another way) and the log filter.

What it finds, and how:
- phone numbers: Google's libphonenumber (``phonenumbers``), US and international formats;
- emails, SSN-like numbers, card-like numbers (Luhn-checked), dates of birth, street addresses:
  spaCy ``Matcher`` token patterns on the project's pipeline, with small regular expressions
  for the shapes of single tokens;
- spelled-out emails ("jane.roe at example dot com", "jroe (at) gmail (dot) com"): a regular
  expression that needs a known top-level domain;
- person names: the same Matcher, from phrases such as "my name is", "I'm", "this is",
  "call me" or "my son <Name>"; from "<Name> here" at the start and a "- <Name>" signature at
  the end; from Title-case first names in Faker's US name lists (common English words among
  them are left alone), and in a message written all in capitals, from those names in
  capitals. After a name, the next word is its last name if both are capitalised in ordinary
  text, or if it is not a common English word ("roe"; ``common_words.py``). Medicines and
  other domain terms (terms.yml) are never names.

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

from assistant.privacy.common_words import common_words

PLACEHOLDERS = ("EMAIL", "PHONE", "SSN", "CARD", "DATE_OF_BIRTH", "ADDRESS", "NAME")
_PLACEHOLDER = re.compile(r"\s*\[(?:" + "|".join(PLACEHOLDERS) + r")\]")

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
# An email written out so that it does not look like one: "jane.roe at example dot com".
_SPELLED_AT = r"(?:\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+|\s+@\s+)"
_SPELLED_DOT = r"(?:\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+)"
_TLD = r"(?:com|org|net|edu|gov|mil|info|biz|io|co|us|uk|ca|au|nz|ie|de|fr|es|it|nl|me)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.])(?P<local>[\w+\-]+(?:\.[\w+\-]+)*){_SPELLED_AT}"
    rf"(?P<domain>[\w\-]+(?:(?:{_SPELLED_DOT}|\.)[\w\-]+)*)(?P<dot>{_SPELLED_DOT}|\.){_TLD}\b",
    re.IGNORECASE,
)
_WEBMAIL = frozenset("gmail yahoo hotmail outlook icloud aol protonmail live msn comcast".split())

# Name introductions, matched case-insensitively on tokens. The ones saying outright that a
# name follows take the next word whatever it is; after the others it must look like a name.
_STRONG_INTRO_PATTERNS = [
    [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": {"IN": ["is", "s", "'s"]}}],
    [{"LOWER": "name"}, {"LOWER": {"IN": ["is", ":"]}}],
]
_RELATIVES = """son daughter wife husband partner spouse fiance fiancee mom mother dad father
    brother sister friend boyfriend girlfriend child kid teen teenager doctor psychiatrist
    therapist grandson granddaughter grandmother grandfather grandma grandpa niece nephew aunt
    uncle cousin stepson stepdaughter roommate neighbor neighbour boss coworker""".split()
_TITLES = "dr dr. doctor mr mr. mrs mrs. ms ms. miss nurse".split()
# Introductions after which the next word is a name only if it is one (in the name lists or
# Title-case): "I'm Jane" but not "I'm young", "my son Tyler" but not "my son wants".
_NAMED_INTRO_PATTERNS = [
    [
        {"LOWER": {"IN": ["my", "our"]}},
        {"LOWER": {"IN": _RELATIVES}},
        {"LOWER": {"IN": [",", "is", "named", "called"]}, "OP": "?"},
    ],
    [{"LOWER": {"IN": _TITLES}}],
    [{"LOWER": "named"}],
]
# Introductions that also start many ordinary sentences ("I'm worried", "this is normal?",
# "it's long"): there the next word must be a listed name that is not a common word, or be
# capitalised in ordinary text and be a name or a rare word.
_WEAK_INTRO_PATTERNS = [
    [{"LOWER": "i"}, {"LOWER": {"IN": ["am", "'m", "m"]}}],
    [{"LOWER": "im"}],
    [{"LOWER": "this"}, {"LOWER": "is"}],
    [{"LOWER": "call"}, {"LOWER": "me"}],
    [{"LOWER": {"IN": ["it", "its"]}}, {"LOWER": {"IN": ["'s", "s", "is"]}, "OP": "?"}],
    [
        {"LOWER": {"IN": ["regards", "thanks", "sincerely", "cheers", "best"]}},
        {"IS_PUNCT": True, "OP": "?"},
    ],
]
_GREETINGS = frozenset("hi hey hello hiya howdy greetings morning afternoon evening good".split())
_SIGNATURE_DASHES = frozenset({"-", "--", "\u2013", "\u2014", "~"})


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
    """Every first and last name in Faker's US lists, lower case."""
    from faker.providers.person.en_US import Provider

    return frozenset(n.lower() for n in list(Provider.first_names) + list(Provider.last_names))


@lru_cache(maxsize=1)
def _english_words() -> frozenset:
    """The words of the project pipeline's lemma table (forms and base forms), lower case."""
    from assistant.language.pipeline import load_pipeline

    table = load_pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    return frozenset({str(key) for key in table.keys()} | {str(v) for v in table.values()})


@lru_cache(maxsize=1)
def _inflected_forms() -> frozenset:
    """Words the lemma table turns into another word ("overdosed", "books"), lower case."""
    from assistant.language.pipeline import load_pipeline

    table = load_pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    return frozenset(str(key) for key, value in table.items() if key != value)


@lru_cache(maxsize=1)
def _domain_words() -> frozenset:
    """One-word medicines, substances, conditions and products from terms.yml: never names."""
    from assistant.language.pipeline import term_index

    return frozenset(alias for alias in term_index() if alias.isalpha())


@lru_cache(maxsize=1)
def _name_lexicon() -> Tuple[frozenset, frozenset]:
    """(first names, last names) from Faker's US lists, minus ordinary English words."""
    from faker.providers.person.en_US import Provider

    words = _english_words()

    def is_word(name: str) -> bool:
        lower = name.lower()
        return lower in words or lower in _NOT_NAMES

    first = {n for n in Provider.first_names if n.isalpha() and not is_word(n)}
    last = {n for n in Provider.last_names if n.isalpha() and not is_word(n)}
    return frozenset(first), frozenset(last)


def _spelled_emails(text: str) -> List[Tuple[int, int, str]]:
    """Emails written out: "jane.roe at example dot com", "jroe (at) gmail.com"."""
    found = []
    for m in _SPELLED_EMAIL.finditer(text):
        whole = m.group(0)
        spelled = re.search(_SPELLED_DOT, whole, re.I) or re.search(r"[(\[{<]\s*at", whole, re.I)
        # "read about it at webmd.com" names a website, not a mailbox: with a plain word before
        # "at" and a real dot, only a webmail domain makes it an address.
        mailbox = re.search(r"[._+\d]", m.group("local")) or (
            re.split(r"\W", m.group("domain").lower())[0] in _WEBMAIL
        )
        if spelled or mailbox:
            found.append((m.start(), m.end(), "EMAIL"))
    return found


class Redactor:
    """Finds and masks personal details in a text."""

    def __init__(self, nlp, region: str = "US") -> None:
        self._nlp = nlp
        self._region = region
        self._intro = Matcher(nlp.vocab)
        self._intro.add("STRONG", _STRONG_INTRO_PATTERNS)
        self._intro.add("NAMED", _NAMED_INTRO_PATTERNS)
        self._intro.add("WEAK", _WEAK_INTRO_PATTERNS)
        self._first_names, self._last_names = _name_lexicon()
        self._all_names_lower = _all_names()
        self._common = common_words()
        self._inflected = _inflected_forms()
        self._never = _NOT_NAMES | _domain_words()

    def redact(self, text: Optional[str]) -> Redaction:
        if not text:
            return Redaction(text or "", ())
        spans: List[Tuple[int, int, str]] = []
        spans += [(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)]
        spans += _spelled_emails(text)
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

    # ------------------------------------------------------------------ names

    def _names(self, text: str) -> List[Tuple[int, int, str]]:
        doc = self._nlp.make_doc(text)
        words = [token for token in doc if token.is_alpha]
        # A question written as a clinic FAQ heading ("Is It Covered By Medicare?") capitalises
        # every word, and a message in capitals every letter: there case says nothing.
        heading = (
            text.rstrip().endswith("?")
            and len(words) >= 4
            and sum(token.is_title for token in words) >= 0.75 * len(words)
        )
        capitals = (
            len(words) >= 2
            and any(len(token) > 1 for token in words)
            and sum(token.is_upper for token in words) >= 0.75 * len(words)
        )
        case_counts = not (heading or capitals)
        names: set = set()

        def take_name_from(first: int) -> None:
            """Masks doc[first] and up to two following words that continue the name."""
            names.add(first)
            for i in range(first + 1, min(first + 3, len(doc))):
                if not self._continues_name(doc[i], doc[first], case_counts):
                    break
                names.add(i)

        for match_id, _, end in self._intro(doc):
            if end < len(doc) and self._after_intro(
                doc[end], self._nlp.vocab.strings[match_id], case_counts
            ):
                take_name_from(end)
        first = self._first_word(doc)
        if first is not None and self._opens_with_name(doc, first):
            take_name_from(first)
        signature = self._signature(doc)
        if signature is not None:
            take_name_from(signature)
        for token in doc:
            if self._known_first_name(token, capitals):
                take_name_from(token.i)
        return [(doc[i].idx, doc[i].idx + len(doc[i].text), "NAME") for i in sorted(names)]

    def _never_a_name(self, token) -> bool:
        if not token.is_alpha or len(token) < 2 or token.lower_ in self._never:
            return True  # "I" is capitalised, not a name
        doc = token.doc
        if token.i > 0 and doc[token.i - 1].lower_ in ("st", "st.", "saint"):
            return True  # "St John's wort", "St Mary's hospital"
        # The inside of a placeholder ("[NAME]") when masked text is masked again.
        return (
            0 < token.i < len(doc) - 1
            and doc[token.i - 1].text == "["
            and doc[token.i + 1].text == "]"
        )

    def _capitalised(self, token, case_counts: bool) -> bool:
        return case_counts and token.is_title and not token.is_sent_start

    def _rare(self, token) -> bool:
        """Not a common English word: "jane", "roe", not "young", "asking" (common_words.py)."""
        return token.lower_ not in self._common

    def _listed(self, token) -> bool:
        """A name in the lists that is not also a common word ("jane", not "young")."""
        return token.lower_ in self._all_names_lower and self._rare(token)

    def _after_intro(self, token, kind: str, case_counts: bool) -> bool:
        """Whether the word after an introduction of ``kind`` is a name."""
        if self._never_a_name(token):
            return False
        if kind == "STRONG":
            return True
        if kind == "NAMED":
            return token.lower_ in self._all_names_lower or self._capitalised(token, case_counts)
        # Capitalised is not enough after "it": "How Does it Work?" asks about work.
        return self._listed(token) or (
            self._capitalised(token, case_counts)
            and (token.lower_ in self._all_names_lower or self._rare(token))
        )

    def _continues_name(self, token, first, case_counts: bool) -> bool:
        """Whether ``token``, right after a name, is its last (or middle) name."""
        if self._never_a_name(token) or token.is_stop:
            return False
        if first.is_upper and len(first) > 1:
            same_case = token.is_upper
        elif first.is_title:
            same_case = token.is_title
        else:
            same_case = token.is_lower
        if not same_case:
            return False
        if first.is_title and case_counts:
            return True  # "Jane Doe", "Emily Roe": two capitalised words in ordinary text
        # Else a rare word that does not look like a verb or plural: "roe", not "overdosed".
        if token.lower_.endswith(("ed", "ing")) and token.text.title() not in self._last_names:
            return False
        return self._rare(token) and token.lower_ not in self._inflected

    def _starts_a_name(self, token) -> bool:
        """A name without an introduction ("Jane Roe here", "- jane"): it must be listed."""
        return not self._never_a_name(token) and not token.is_stop and self._listed(token)

    @staticmethod
    def _first_word(doc) -> Optional[int]:
        """The first word after any greeting ("hi,", "good morning") and punctuation."""
        for token in doc:
            if not (token.is_punct or token.is_space or token.lower_ in _GREETINGS):
                return token.i
        return None

    def _opens_with_name(self, doc, first: int) -> bool:
        """ "Jane Roe here", "jane here": a name, perhaps a last name, then "here"."""
        if not self._starts_a_name(doc[first]):
            return False
        for i in (first + 1, first + 2):
            if i < len(doc) and doc[i].lower_ == "here":
                return True
            if i < len(doc) and (self._never_a_name(doc[i]) or doc[i].is_stop):
                return False
        return False

    def _signature(self, doc) -> Optional[int]:
        """The first word of a "- Jane" / "-- Jane Roe" signature that ends the message."""
        tail = len(doc)
        while (
            tail > 0
            and (doc[tail - 1].is_punct or doc[tail - 1].is_space)
            and (doc[tail - 1].text not in _SIGNATURE_DASHES)
        ):
            tail -= 1
        for start in (tail - 1, tail - 2):
            dash = start - 1
            if start <= 0 or doc[dash].text not in _SIGNATURE_DASHES:
                continue
            # A dash between words ("follow-up", "twilio-abc") is not a signature.
            if dash > 0 and not doc[dash - 1].whitespace_:
                continue
            if self._starts_a_name(doc[start]) and all(
                not self._never_a_name(doc[i]) and not doc[i].is_stop for i in range(start, tail)
            ):
                return start
        return None

    def _known_first_name(self, token, capitals: bool) -> bool:
        """A first name from the lists in Title case, or in capitals in a message in capitals."""
        if self._never_a_name(token):
            return False
        if token.is_title:
            return token.text in self._first_names
        return capitals and token.is_upper and token.text.title() in self._first_names


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


def without_placeholders(text: str) -> str:
    """Masked text with its placeholders left out: "my daughter wants to know the cost".

    Text that is nothing but placeholders is returned unchanged, so it never becomes empty.
    """
    plain = re.sub(r"[ \t]{2,}", " ", _PLACEHOLDER.sub("", text)).strip(" \t\n,;:-\u2013\u2014~")
    return plain if any(ch.isalnum() for ch in plain) else text


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
