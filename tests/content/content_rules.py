"""The content rules in one place: what the tests in this folder enforce, the report shows.

Each rule is a plain function over the answers as ``assistant.content`` loads them (the same data
Rasa, the sources action and the report read), so the tests stay fast and need no model or
running assistant. ``scripts/approve.py`` and ``scripts/content_report.py`` import this module,
so a reviewer sees the numbers the tests check. docs/content.md explains the rules in plain words.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from unittest import mock

import textstat
import yaml

from assistant.channels.sms import compose_turn, count_segments
from assistant.content import DOMAIN_FILE, Answer, answers, domain_responses, fingerprint
from assistant.paths import PROJECT_ROOT
from assistant.settings import DEFAULT_SETTINGS_PATH, TEMPLATE_PLACEHOLDERS, load_settings

APPROVALS_FILE = PROJECT_ROOT / "content" / "approvals.yml"
CATALOGUE_FILE = Path("/work/shared/spec/answer-catalogue.md")  # the contract, when mounted
PENDING = "PENDING"
SMS_CHANNEL = "twilio"


def rel(path: Path) -> str:
    """A project path as the docs and messages write it (``data/faq/cost.yml``)."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------------------- placeholders
# Rasa's own pattern (rasa/core/nlg/interpolator.py): anything between braces is a placeholder.
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")
# The keys of a response variant Rasa fills placeholders in.
INTERPOLATED_KEYS = ("text", "image", "custom", "buttons", "attachment", "quick_replies")
MEDICATION_PLACEHOLDER = "medication_name"


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def placeholders(variant: Mapping[str, Any]) -> set:
    """Every placeholder Rasa would try to fill in one response variant."""
    found = set()
    for key in INTERPOLATED_KEYS:
        for text in _strings(variant.get(key)):
            found.update(name.strip() for name in PLACEHOLDER.findall(text))
    return found


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with the placeholders it has values for filled in (others left as written)."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


@cache
def clinic_values() -> Dict[str, str]:
    """The placeholder values from the project's clinic.yml (what a patient would read)."""
    return load_settings(DEFAULT_SETTINGS_PATH).template_values()


@cache
def domain_document() -> Dict[str, Any]:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}


def text_filled_slots(domain: Mapping[str, Any]) -> Dict[str, str]:
    """Slots whose value can be text a person typed (or anything an action puts there).

    Only mappings that set a fixed value (``from_intent``, ``from_trigger_intent`` with
    ``value``) are safe to show in a response; a placeholder naming any other slot could repeat
    the person's words back, so the tests refuse it.
    """
    unsafe = {}
    for name, slot in (domain.get("slots") or {}).items():
        for mapping in (slot or {}).get("mappings") or []:
            kind = mapping.get("type")
            if kind in ("from_intent", "from_trigger_intent") and "value" in mapping:
                continue
            unsafe[name] = {
                "from_text": "filled from the message text",
                "from_entity": "filled from text the NLU found in the message",
                "custom": "set by an action, so it can hold anything",
            }.get(kind, f"filled by a '{kind}' mapping")
            break
    return unsafe


# ------------------------------------------------------------------------------- sentences
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\u201d\u2019]*\s+(?=\S)")


def sentences(text: str) -> List[str]:
    """The text split into sentences (after ., ! or ? and a space; "1.5" stays whole)."""
    text = " ".join(text.split())
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


_PROVIDER = re.compile(r"\b(provider|prescriber)s?\b", re.IGNORECASE)


def referral_problem(text: str) -> Optional[str]:
    """Why the text does not end by directing the person to a licensed provider, or None."""
    parts = sentences(text)
    last = parts[-1] if parts else ""
    missing = []
    if not _PROVIDER.search(last):
        missing.append("'provider' or 'prescriber'")
    if "{clinic_name}" not in last:
        missing.append("{clinic_name}")
    if not missing:
        return None
    return f"the last sentence ({last!r}) lacks {' and '.join(missing)}"


# Folded YAML (">-") joins lines with a space, so a word hyphenated at a line end reads
# "FDA- approved". A hyphen directly before a space after a letter is always that mistake here.
BROKEN_HYPHEN = re.compile(r"[A-Za-z]-\s+[A-Za-z]")


# ------------------------------------------------------------------------------- readability
GRADE_LIMIT = 8.0
MEASURE = "Flesch-Kincaid grade level"
# Placeholders are read as two plain words, so a clinic's name, phone number or link (which
# the formula would count as long, many-syllable words) does not change the grade.
READABILITY_STAND_IN = "the clinic"


@cache
def syllable_source() -> str:
    """Where textstat's syllable counts come from on this machine (never downloads anything).

    textstat 0.7.13 counts syllables with the CMU Pronouncing Dictionary (NLTK's ``cmudict``
    corpus) and downloads it from the internet on first use if it is missing. The checks must
    run offline and give the same answer every run, so: the dictionary if it is installed
    (e.g. ``python -m nltk.downloader -d .venv/nltk_data cmudict``), otherwise textstat's own
    bundled fallback, the pyphen hyphenation dictionary (which counts slightly fewer
    syllables, so grades come out lower). The answers are written to pass with either.
    """
    import nltk

    try:
        nltk.data.find("corpora/cmudict")
    except LookupError:
        return "pyphen"
    return "cmudict"


def syllable_source_label() -> str:
    return {
        "cmudict": "syllables from the CMU Pronouncing Dictionary",
        "pyphen": "syllables from the pyphen hyphenation dictionary (CMU dictionary not installed)",
    }[syllable_source()]


def readable_text(text: str) -> str:
    return PLACEHOLDER.sub(READABILITY_STAND_IN, text)


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade of a response text (textstat), rounded to one decimal."""
    prose = readable_text(text)
    if syllable_source() == "cmudict":
        return round(textstat.flesch_kincaid_grade(prose), 1)
    from textstat.backend.counts import _count_syllables

    with mock.patch.object(_count_syllables, "get_cmudict", lambda lang: None):
        return round(textstat.flesch_kincaid_grade(prose), 1)


# ------------------------------------------------------------------------------- SMS
# Measured with the SMS channel's own code (assistant/channels/sms.py), so the check counts
# exactly what the Twilio channel sends: GSM-7 160/153 or UCS-2 70/67 characters a segment,
# typographic quotes made GSM-7, buttons as one numbered menu after the text.
SMS_SEGMENT_LIMIT = 3


def sms_bodies(variant: Mapping[str, Any], values: Mapping[str, str]) -> List[str]:
    """The SMS the Twilio channel sends for one variant: its text filled from the clinic's
    settings, then its buttons as the menu ("Reply 1, 2 or 3: 1 Insurance, 2 ...")."""
    message = {
        "text": fill(variant.get("text") or "", values),
        "buttons": [
            {**button, "title": fill(str(button.get("title", "")), values)}
            for button in variant.get("buttons") or []
        ],
    }
    return compose_turn([message])


def sms_problem(variant: Mapping[str, Any], values: Mapping[str, str]) -> Optional[str]:
    """Why the variant and its menu do not fit in one SMS of at most three segments, or None."""
    bodies = sms_bodies(variant, values)
    counts = [count_segments(body) for body in bodies]
    if len(bodies) == 1 and counts[0].segments <= SMS_SEGMENT_LIMIT:
        return None
    sizes = ", ".join(f"{c.segments} segments ({c.encoding}, {c.units} units)" for c in counts)
    return (
        f"sent as {len(bodies)} SMS: {sizes}; the answer and its menu must fit in one SMS of "
        f"at most {SMS_SEGMENT_LIMIT} segments"
    )


# ------------------------------------------------------------------------------- overclaims
@dataclass(frozen=True)
class Overclaim:
    label: str
    pattern: re.Pattern
    negatable: bool = True  # False: the phrase is itself a denial ("no side effects")


def _claim(label: str, pattern: str, negatable: bool = True) -> Overclaim:
    return Overclaim(label, re.compile(pattern, re.IGNORECASE), negatable)


_W = r"[\w'-]+\s+"  # one word and the space after it
_ANXIETY = r"(?:anxiety|gad|panic|ptsd|ocd|phobias?)\b"

# The fact sheet's overclaims (/work/shared/reference/ketamine-facts.md, section 7) and the
# phrases the brief bans. Matching ignores case; "negatable" phrases are allowed when the
# sentence denies them ("is not a cure", "has not been shown to fix the root cause").
OVERCLAIMS: Tuple[Overclaim, ...] = (
    _claim("cure", r"\bcur(?:e|es|ed|ing|ative|able)\b"),
    _claim("permanent fix", r"\bpermanent(?:ly)?\b"),
    _claim("non-addictive", r"\bnon[\s-]?addictive\b", negatable=False),
    _claim(
        "not addictive",
        rf"\b(?:not|isn't|never)\s+(?:{_W})?(?:addictive|habit[\s-]forming)\b"
        r"|\bno\s+(?:[\w-]+\s+)?risk\s+of\s+(?:addiction|dependence|misuse)\b",
        negatable=False,
    ),
    _claim(
        "no side effects",
        r"\b(?:no|without|zero)\s+(?:[\w-]+\s+)?side[\s-]effects?\b",
        negatable=False,
    ),
    _claim(
        "side effects are rare or mild",
        r"\bside[\s-]effects\s+(?:are|were|is)\s+(?:very\s+|extremely\s+|usually\s+)?"
        r"(?:rare|uncommon|minimal|mild|minor)\b",
    ),
    _claim(
        "fewer side effects",
        r"\b(?:fewer|less|milder)\s+(?:[\w-]+\s+)?(?:side[\s-]effects?|risks?)\b",
    ),
    _claim("safer than", r"\bsafer\s+than\b"),
    _claim(
        "completely safe",
        r"\b(?:completely|totally|perfectly|entirely|absolutely|very|100\s*%)\s+safe\b"
        r"|\bsafe\s+for\s+(?:everyone|everybody|anyone|all)\b|\bsafe\s+and\s+effective\b",
    ),
    _claim("risk-free", r"\brisk[\s-]free\b|\b(?:no|zero)\s+risks?\b", negatable=False),
    _claim("guaranteed", r"\bguarantee(?:s|d)?\b"),
    _claim("100%", r"\b100\s*(?:%|percent)"),
    _claim(
        "success-rate promise",
        r"\b\d{1,3}(?:\.\d+)?\s*(?:[-\u2013]\s*\d{1,3}(?:\.\d+)?\s*)?(?:%|percent)\s+(?:of\s+)?"
        r"(?:patients|people|clients|users|participants)\b"
        r"|\b\d+\s+(?:in|out\s+of)\s+\d+\s+(?:patients|people|clients)\b",
        negatable=False,
    ),
    _claim("success rate", r"\b(?:success|response|remission|cure)\s+rates?\b"),
    _claim(
        "FDA-approved for anxiety",
        rf"\b(?:fda[\s-]*)?approved\s+(?:{_W}){{0,2}}?(?:for|to\s+treat)\s+(?:{_W}){{0,3}}?{_ANXIETY}"
        rf"|\bfda\s+approval\s+for\s+(?:{_W}){{0,3}}?{_ANXIETY}",
    ),
    _claim("root cause", r"\b(?:root|underlying)\s+causes?\b"),
    _claim(
        "works for anxiety",
        rf"\bworks?\s+(?:for|on|in)\s+(?:{_W}){{0,3}}?{_ANXIETY}"
        rf"|\beffective\s+(?:for|in|against|at)\s+(?:{_W}){{0,3}}?{_ANXIETY}",
    ),
    _claim("proven", r"\b(?:clinically\s+)?proven\b"),
    _claim(
        "lasting benefit",
        r"\b(?:lasting|long[\s-]lasting|sustained|durable)\s+(?:relief|results?|benefits?|"
        r"improvement|remission)\b|\blong[\s-]term\s+(?:relief|benefits?|results|improvement)\b"
        r"|\b(?:lasts?|lasted|lasting)\s+(?:for\s+)?(?:up\s+to\s+)?(?:\d+|several|many|a\s+few)\s+"
        r"months\b|\b14\s+weeks\b",
    ),
    _claim(
        "no breathing risk",
        r"\b(?:does\s+not|doesn't|won't|will\s+not|cannot|can't)\s+(?:[\w-]+\s+){0,2}?"
        r"(?:affect|slow|harm|pose|cause)\s+(?:[\w-]+\s+){0,2}?(?:breathing|respiratory)\b"
        r"|\bno\s+(?:breathing|respiratory)\s+(?:problems?|issues?|risks?|effects?)\b",
        negatable=False,
    ),
    _claim("used since the 1950s", r"\b1950s\b", negatable=False),
    _claim("miracle", r"\b(?:miracle|breakthrough|game[\s-]changer|wonder\s+drug)\b"),
    _claim("instant relief", r"\binstant(?:ly)?\b|\bimmediate\s+relief\b"),
)

# Words that deny what follows them, and uses of them that do not ("not only a cure").
_NEGATORS = frozenset(
    "not no never nor neither none nothing without cannot unlikely hasn't haven't isn't "
    "aren't wasn't weren't doesn't don't didn't won't can't couldn't shouldn't wouldn't".split()
)
_FALSE_NEGATIONS = re.compile(
    r"\b(?:not|never)\s+(?:only|just|merely|simply|everyone|everybody|all)\b"
    r"|\bno\s+(?:doubt|wonder|question)\b|\bnothing\s+(?:but|less|short)\b"
    r"|\bnever\s+fail",
    re.IGNORECASE,
)
# A denial reaches only as far as its clause: these end one ("it is not costly, and it cures").
_CLAUSE_BREAK = re.compile(
    r"[,;:()\u2014\u2013]|\s-\s|\b(?:and|but|however|although|though|yet|while|whereas|because|"
    r"since|so|which|if|unless)\b",
    re.IGNORECASE,
)
NEGATION_WINDOW = 6  # words before the phrase a denial may stand ("has not been shown to fix the")
# Denials after the phrase: "long-term benefit is not known", "a cure remains unproven".
_POST_NEGATION = re.compile(
    r"^\s*(?:[\w'-]+\s+){0,2}?(?:(?:is|are|was|were|has|have|had|remains?)\s+(?:not|never)|"
    r"isn't|aren't|hasn't|haven't)\s+(?:yet\s+)?(?:been\s+)?(?:known|proven|established|clear|"
    r"shown)\b|^\s*(?:[\w'-]+\s+){0,2}?(?:is|are|remains?)\s+(?:unknown|unclear|unproven)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    label: str
    matched: str
    sentence: str

    def __str__(self) -> str:
        return f"{self.label!r}: {self.matched!r} in {self.sentence!r}"


def _is_denied(sentence: str, start: int, end: int) -> bool:
    before = sentence[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    clause = before[breaks[-1].end() :] if breaks else before
    clause = _FALSE_NEGATIONS.sub(" ", clause)
    words = re.findall(r"[\w']+", clause.lower())[-NEGATION_WINDOW:]
    if any(w in _NEGATORS or w.endswith("n't") for w in words):
        return True
    after = sentence[end:]
    cut = _CLAUSE_BREAK.search(after)
    return bool(_POST_NEGATION.match(after[: cut.start()] if cut else after))


def overclaims(text: str, *, question_ok: bool = False) -> List[Finding]:
    """Banned claims in a text, except accurate denials of them.

    ``question_ok`` is for button titles: "Is it a cure?" names a topic, it claims nothing.
    """
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    found = []
    for sentence in sentences(PLACEHOLDER.sub("the clinic", text)):
        if question_ok and sentence.rstrip().endswith("?"):
            continue
        for claim in OVERCLAIMS:
            for match in claim.pattern.finditer(sentence):
                if claim.negatable and _is_denied(sentence, match.start(), match.end()):
                    continue
                found.append(Finding(claim.label, match.group(0), sentence))
    return found


def variant_overclaims(variant: Mapping[str, Any]) -> List[Finding]:
    found = overclaims(variant.get("text") or "")
    for button in variant.get("buttons") or []:
        found += overclaims(str(button.get("title", "")), question_ok=True)
    return found


# ------------------------------------------------------------------------------- approvals
@dataclass(frozen=True)
class ApprovalRecord:
    """What was approved for one response, next to what the response says now."""

    name: str
    kind: str  # "faq" (review block of data/faq/<topic>.yml) or "domain" (content/approvals.yml)
    current_sha256: str
    approved_sha256: str
    last_reviewed: str
    reviewer_role: str
    location: str


def approve_command(name: str) -> str:
    return f'python scripts/approve.py {name} --role "<your role>"'


def load_approvals(path: Path = APPROVALS_FILE) -> Dict[str, Dict[str, Any]]:
    """content/approvals.yml: domain response name -> its approval record."""
    if not path.exists():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(document.get("approvals") or {})


def faq_record(answer: Answer) -> ApprovalRecord:
    return ApprovalRecord(
        name=answer.response,
        kind="faq",
        current_sha256=answer.fingerprint(),
        approved_sha256=answer.approved_sha256,
        last_reviewed=answer.last_reviewed,
        reviewer_role=answer.reviewer_role,
        location=f"{rel(answer.path)} (review block)",
    )


def domain_record(
    name: str, variants: Sequence[Mapping[str, Any]], entry: Optional[Mapping[str, Any]]
) -> ApprovalRecord:
    entry = entry or {}
    return ApprovalRecord(
        name=name,
        kind="domain",
        current_sha256=fingerprint(variants),
        approved_sha256=str(entry.get("approved_sha256", "")),
        last_reviewed=str(entry.get("last_reviewed", "")),
        reviewer_role=str(entry.get("reviewer_role", "")),
        location=rel(APPROVALS_FILE),
    )


def approval_records() -> List[ApprovalRecord]:
    """Every response's approval record: FAQ answers first, then the domain responses."""
    approvals = load_approvals()
    records = [faq_record(answer) for answer in answers().values()]
    records += [
        domain_record(name, variants, approvals.get(name))
        for name, variants in domain_responses().items()
    ]
    return records


def approval_problem(record: ApprovalRecord) -> Optional[str]:
    """Why the response's current text is not approved, with the command to approve it."""
    if record.approved_sha256 == record.current_sha256:
        return None
    if not record.approved_sha256:
        state = f"has no approval record in {record.location}"
    elif record.approved_sha256 == PENDING:
        state = "has not been approved yet (approved_sha256: PENDING)"
    else:
        state = (
            f"changed since it was approved (approved {record.approved_sha256[:12]}, "
            f"text now {record.current_sha256[:12]})"
        )
    return (
        f"{record.name} {state}. Have a reviewer read every variant, then run: "
        f"{approve_command(record.name)}"
    )


def parse_date(value: str) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def record_problem(record: ApprovalRecord, today: dt.date) -> Optional[str]:
    """A review date or reviewer role that is missing, malformed or in the future."""
    reviewed = parse_date(record.last_reviewed)
    if reviewed is None:
        return f"{record.name}: last_reviewed {record.last_reviewed!r} is not a YYYY-MM-DD date"
    if reviewed > today:
        return f"{record.name}: last_reviewed {reviewed} is after today ({today})"
    if not record.reviewer_role.strip():
        return f"{record.name}: reviewer_role is empty in {record.location}"
    return None


# ------------------------------------------------------------------------------- review age
REVIEW_MAX_AGE_MONTHS = 12


class StaleReviewWarning(Warning):
    """A response was last reviewed more than 12 months ago (reported, never a failure)."""


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day if that month is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def stale_reviews(
    records: Iterable[ApprovalRecord], today: dt.date, months: int = REVIEW_MAX_AGE_MONTHS
) -> List[str]:
    """One report line per response last reviewed more than ``months`` months before today."""
    limit = months_before(today, months)
    lines = []
    for record in records:
        reviewed = parse_date(record.last_reviewed)
        if reviewed is not None and reviewed < limit:
            lines.append(
                f"{record.name}: last reviewed {reviewed} ({(today - reviewed).days} days ago, "
                f"more than {months} months) by {record.reviewer_role or 'no role recorded'}; "
                f"re-review it, then run: {approve_command(record.name)}"
            )
    return lines


# ------------------------------------------------------------------------------- catalogue
# The names in the answer catalogue (/work/shared/spec/answer-catalogue.md), kept here so the
# check runs where the spec is not mounted (CI). test_content_catalogue compares the two.
CATALOGUE_FAQ_TOPICS = (
    "what_is_ketamine how_it_works conditions_treated effectiveness fda_approval spravato "
    "compare_treatments onset duration_of_effect not_a_cure treatment_process assessment "
    "administration_routes during_session what_it_feels_like number_of_sessions preparation "
    "after_session integration_therapy at_home_ketamine side_effects long_term_risks addiction "
    "safety medication_interactions contraindications suitability dosage cost insurance "
    "drug_test privacy"
).split()
CATALOGUE_INTENTS = (
    "greet goodbye thank affirm deny bot_challenge crisis medical_emergency recreational_use "
    "request_human book_consultation out_of_scope"
).split()


def parse_catalogue(markdown: str) -> Tuple[List[str], List[str]]:
    """FAQ topics and other intents named in the catalogue's tables."""
    topics: List[str] = []
    intents: List[str] = []
    section = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            section = line[3:].strip().lower()
        if not line.startswith("|") or line.startswith("|---"):
            continue
        first_cell = line.split("|")[1]
        names = re.findall(r"`([^`]+)`", first_cell)
        if section.startswith("faq topics"):
            topics += [n.split("/", 1)[1] for n in names if n.startswith("faq/")]
        elif section.startswith("other intents"):
            intents += names
    return topics, intents


# ------------------------------------------------------------------------------- sources
def unknown_sources(answer: Answer, known: Iterable[str]) -> List[str]:
    known = set(known)
    return [source for source in answer.sources if source not in known]


def citation_counts() -> Dict[str, int]:
    """How many answers cite each source in content/sources.yml (0 for unused ones)."""
    from assistant.content import sources

    counts = {source_id: 0 for source_id in sources()}
    for answer in answers().values():
        for source_id in set(answer.sources):
            counts[source_id] = counts.get(source_id, 0) + 1
    return counts


@cache
def medication_note_responses() -> frozenset:
    """The notes action_medication_note sends; it fills {medication_name} from terms.yml."""
    from actions.medication_note import DEFAULT_NOTE, NOTE_FOR_CLASS

    notes = {*NOTE_FOR_CLASS.values(), DEFAULT_NOTE}
    return frozenset(f"utter_medication_note_{note}" for note in notes)


def allowed_placeholders(response_name: str) -> set:
    """The placeholders a response may use: the clinic settings, plus {medication_name} in the
    medicine notes."""
    allowed = set(TEMPLATE_PLACEHOLDERS)
    if response_name in medication_note_responses():
        allowed.add(MEDICATION_PLACEHOLDER)
    return allowed


def all_variants() -> List[Tuple[str, int, Dict[str, Any]]]:
    """(response name, variant index, variant) for every response, domain and FAQ."""
    rows = []
    for name, variants in domain_responses().items():
        rows += [(name, i, v) for i, v in enumerate(variants)]
    for answer in answers().values():
        rows += [(answer.response, i, dict(v)) for i, v in enumerate(answer.variants)]
    return rows


def variant_label(name: str, index: int, variant: Mapping[str, Any]) -> str:
    channel = variant.get("channel") or "default"
    condition = " (conditional)" if variant.get("condition") else ""
    return f"{name}[{index}] {channel}{condition}"
