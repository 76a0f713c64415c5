"""The rule-based safety check that runs on every message.

``SafetyScanner.scan(text)`` normalises the text, runs the lexicon's spaCy ``Matcher`` over it
and decides:

- ``verdict``: ``medical_emergency`` > ``crisis`` > ``recreational_use`` > ``None``;
- ``mention``: risk words that should add a resource line but not the crisis reply (a true
  negation such as "I'm not suicidal", or a question about treatment and suicidal thoughts);
- ``personal_advice``: the person asks for a decision only their prescriber can make;
- ``language``: the language of a non-English crisis phrase, for a help line in that language.

The same scanner runs inside the NLU pipeline (``assistant.nlu.SafetyClassifier``) and in the
channel gateway ahead of Rasa, so a crisis still gets its reply when the model cannot answer.
No model confidence is involved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Dict, List, Optional, Sequence, Tuple

from spacy.matcher import Matcher
from spacy.tokens import Doc

from assistant.safety.normalise import normalise, set_vocabulary
from assistant.safety.patterns import RISK_VERDICTS, Rule, load_rules, load_substrings

CRISIS = "crisis"
MEDICAL_EMERGENCY = "medical_emergency"
RECREATIONAL_USE = "recreational_use"
_PRIORITY = {MEDICAL_EMERGENCY: 3, CRISIS: 2, RECREATIONAL_USE: 1}

# Words that negate a risk phrase shortly after them, and words that end their reach.
_NEGATORS = frozenset({"not", "never", "no", "nor", "without", "neither", "zero"})
_NEGATION_BLOCKERS = frozenset(
    {
        "stop",
        "help",
        "resist",
        "shake",
        "only",
        "just",
        "so",
        "this",
        "more",
        "as",
        "one",
        "body",
        "matter",
        "reason",
        "point",
        "longer",
        "sure",
        "until",
        "till",
        "know",
        "even",
    }
)
_CLAUSE_BREAKS = frozenset(
    {
        ".",
        "but",
        "though",
        "although",
        "however",
        "yet",
        "and",
        "so",
        "because",
        "since",
        "cause",
        "except",
        "then",
        "if",
        "while",
        "when",
    }
)
_NEGATION_WINDOW = 6
# Phrases that alone make up a short message are enough for an emergency ("chest pain").
_SHORT_MESSAGE_TOKENS = 5
_SHORT_EMERGENCY = (
    ("chest", "pain"),
    ("chest", "pains"),
    ("can", "not", "breathe"),
    ("cannot", "breathe"),
    ("not", "breathing"),
    ("heart", "attack"),
    ("seizure",),
    ("overdose",),
    ("overdosed",),
    ("passed", "out"),
    ("fainted",),
    ("unresponsive",),
    ("help", "overdose"),
    ("can", "not", "breath"),
    ("stroke",),
    ("collapsed",),
)


@dataclass(frozen=True)
class Match:
    rule: str
    verdict: str
    category: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class SafetyResult:
    """What the safety check found in one message."""

    verdict: Optional[str] = None
    category: Optional[str] = None
    # Every category of crisis the rules found, in message order (a message can disclose abuse
    # and suicidal thoughts at once; each may add its own lines to the crisis reply).
    crisis_categories: Tuple[str, ...] = ()
    language: Optional[str] = None
    mention: bool = False
    personal_advice: bool = False
    matches: Tuple[Match, ...] = field(default=(), repr=False)
    normalised: str = field(default="", repr=False)

    @property
    def is_urgent(self) -> bool:
        """Crisis or medical emergency: the reply must be the crisis or emergency response."""
        return self.verdict in (CRISIS, MEDICAL_EMERGENCY)

    def as_dict(self) -> Dict[str, object]:
        return {
            "verdict": self.verdict,
            "category": self.category,
            "crisis_categories": list(self.crisis_categories),
            "language": self.language,
            "mention": self.mention,
            "personal_advice": self.personal_advice,
            "rules": sorted({m.rule for m in self.matches}),
        }


class SafetyScanner:
    """Deterministic crisis, emergency, recreational-use and personal-advice check."""

    def __init__(
        self, nlp, rules: Optional[Sequence[Rule]] = None, validate_patterns: bool = False
    ) -> None:
        self._nlp = nlp
        self._rules: Dict[str, Rule] = {r.id: r for r in (rules or load_rules())}
        self._substrings = load_substrings()
        set_vocabulary(_vocabulary(nlp, self._rules.values()))
        # Patterns are grouped by an anchor: the most specific word set a pattern cannot match
        # without. A message only runs the groups whose anchor words it contains, which keeps
        # the check to a fraction of a millisecond on thousands of patterns.
        grouped: Dict[frozenset, Dict[str, List[list]]] = {}
        for rule in self._rules.values():
            for pattern in rule.patterns:
                anchor = _anchor(pattern)
                grouped.setdefault(anchor, {}).setdefault(rule.id, []).append(list(pattern))
        self._groups: List[Tuple[frozenset, Matcher]] = []
        for anchor, by_rule in grouped.items():
            # spaCy's schema check of every token pattern takes most of the start-up time;
            # the compiler's output is checked once by tests/safety (validate_patterns=True).
            matcher = Matcher(nlp.vocab, validate=validate_patterns)
            for rule_id, patterns in by_rule.items():
                matcher.add(rule_id, patterns)
            self._groups.append((anchor, matcher))

    def _doc(self, normalised: str) -> Doc:
        # Only the tokenizer is needed: the lexicon lists inflections itself.
        return self._nlp.make_doc(normalised)

    def scan(self, text: str) -> SafetyResult:
        normalised = normalise(text or "")
        if not normalised:
            return SafetyResult(normalised=normalised)
        doc = self._doc(normalised + " .")  # the final "." lets patterns anchor at the end
        found = self._matches(doc)

        frames = {
            kind: [m for m in found if m.verdict == kind]
            for kind in (
                "idiom",
                "educational",
                "owner",
                "habitual",
                "acute",
                "question",
                "advice_mask",
                "negation",
                "resolved",
                "present",
                "present_near",
                "past_event",
            )
        }
        risk: List[Match] = []
        mention = False
        for match in found:
            if match.verdict not in RISK_VERDICTS:
                continue
            rule = self._rules[match.rule]
            if any(
                _overlaps(match, idiom) and not _contains(match, idiom) for idiom in frames["idiom"]
            ) or any(_contains(idiom, match) for idiom in frames["idiom"]):
                continue
            if rule.negatable and (
                _negated(doc, match.start)
                or any(_overlaps(match, negation) for negation in frames["negation"])
            ):
                mention = True
                continue
            if (
                rule.mentionable
                and _in_sentence_with(doc, match, frames["educational"])
                and not (_in_sentence_or_next_with(doc, match, frames["owner"]))
            ):
                mention = True
                continue
            if (
                _in_sentence_with(doc, match, frames["resolved"])
                and not frames["present"]
                and not _in_sentence_with(doc, match, frames["present_near"])
                and not frames["acute"]
            ):
                mention = True  # resolved history: a support line, not the crisis reply
                continue
            if (
                match.verdict == MEDICAL_EMERGENCY
                and _in_sentence_or_next_with(doc, match, frames["past_event"])
                and not frames["present"]
                and not _in_sentence_with(doc, match, frames["present_near"])
                and not frames["acute"]
            ):
                continue  # a physical event that is over: the question gets its answer
            if rule.symptom and frames["habitual"] and not frames["acute"]:
                continue
            if rule.mixing and frames["question"] and not frames["acute"]:
                continue
            risk.append(match)

        for rule in self._substrings:
            for text in rule.texts:
                if text in normalised:
                    risk.append(
                        Match(
                            f"substring.{rule.category}",
                            rule.verdict,
                            rule.category,
                            0,
                            len(doc),
                            text,
                        )
                    )
                    break
        if not any(m.verdict == MEDICAL_EMERGENCY for m in risk):
            short = self._short_emergency(doc, frames)
            if short is not None:
                risk.append(short)

        verdict, category, language = None, None, None
        if risk:
            top = max(risk, key=lambda m: (_PRIORITY[m.verdict], m.end - m.start))
            verdict, category = top.verdict, top.category
            languages = [
                self._rules[m.rule].lang
                for m in risk
                if m.verdict == CRISIS and m.rule in self._rules and self._rules[m.rule].lang
            ]
            language = languages[0] if languages else None
        if frames["educational"] and not verdict:
            mention = mention or any(
                self._rules[m.rule].mentionable for m in found if m.verdict == CRISIS
            )
        advice = any(
            m.verdict == "personal_advice"
            and not any(_overlaps(m, mask) for mask in frames["advice_mask"])
            for m in found
        )
        crisis_categories = tuple(
            dict.fromkeys(
                m.category
                for m in sorted(risk, key=lambda m: m.start)
                if m.verdict == CRISIS and not _first_person_inside(m, risk)
            )
        )
        return SafetyResult(
            verdict=verdict,
            category=category,
            crisis_categories=crisis_categories if verdict == CRISIS else (),
            language=language,
            mention=mention and verdict not in (CRISIS, MEDICAL_EMERGENCY),
            personal_advice=advice and verdict is None,
            matches=tuple(found),
            normalised=normalised,
        )

    def _run_matchers(self, doc: Doc):
        words = {token.lower_ for token in doc}
        for anchor, matcher in self._groups:
            if not anchor or anchor & words:
                yield from matcher(doc)

    def _matches(self, doc: Doc) -> List[Match]:
        out = []
        seen = set()
        for match_id, start, end in self._run_matchers(doc):
            rule = self._rules[self._nlp.vocab.strings[match_id]]
            key = (rule.id, start, end)
            if key in seen:
                continue
            seen.add(key)
            out.append(Match(rule.id, rule.verdict, rule.category, start, end, doc[start:end].text))
        return out

    def _short_emergency(self, doc: Doc, frames) -> Optional[Match]:
        words = [t.text for t in doc if t.text != "."]
        if len(words) > _SHORT_MESSAGE_TOKENS or frames["habitual"] or frames["idiom"]:
            return None
        told_as_over = frames["past_event"] or frames["resolved"]
        if told_as_over and not (frames["present"] or frames["present_near"] or frames["acute"]):
            return None  # "blacked out for a second, felt fine right after"
        joined = " " + " ".join(words) + " "
        for phrase in _SHORT_EMERGENCY:
            if " " + " ".join(phrase) + " " in joined:
                return Match(
                    "emergency.short_message",
                    MEDICAL_EMERGENCY,
                    "short_message",
                    0,
                    len(doc),
                    doc.text,
                )
        return None


def _vocabulary(nlp, rules) -> set:
    """Every word the lexicon uses, plus the English words in the pipeline's lemma table."""
    words = set()
    for rule in rules:
        for pattern in rule.patterns:
            for token in pattern:
                lower = token.get("LOWER")
                if isinstance(lower, str):
                    words.add(lower)
                elif isinstance(lower, dict):
                    words.update(lower.get("IN", []))
    if "lemmatizer" in nlp.pipe_names:
        table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        words.update(str(value) for value in table.values())
    return words


def _anchor(pattern: Sequence[dict]) -> frozenset:
    """The smallest set of words one required token of ``pattern`` must be (empty: none)."""
    best: Optional[frozenset] = None
    for token in pattern:
        if token.get("OP"):
            continue
        lower = token.get("LOWER")
        if isinstance(lower, str):
            words = frozenset([lower])
        elif isinstance(lower, dict) and "IN" in lower:
            words = frozenset(lower["IN"])
        else:
            continue
        if best is None or len(words) < len(best):
            best = words
    return best or frozenset()


def _overlaps(a: Match, b: Match) -> bool:
    return a.start < b.end and b.start < a.end


def _contains(outer: Match, inner: Match) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _sentence_bounds(doc: Doc, index: int) -> Tuple[int, int]:
    start = index
    while start > 0 and doc[start - 1].text != ".":
        start -= 1
    end = index
    while end < len(doc) and doc[end].text != ".":
        end += 1
    return start, end


def _first_person_inside(match: Match, risk: Sequence[Match]) -> bool:
    """A someone-else match that spans the writer's own words ("he drinks and i want to die")
    and overlaps another crisis match: the risk is the writer's, not a third party's."""
    return (
        match.category == "third_party"
        and "i" in match.text.split()
        and any(
            other.category != match.category and other.verdict == CRISIS and _overlaps(match, other)
            for other in risk
        )
    )


def _in_sentence_with(doc: Doc, match: Match, others: Sequence[Match]) -> bool:
    start, end = _sentence_bounds(doc, match.start)
    return any(start <= other.start < end or _overlaps(match, other) for other in others)


def _in_sentence_or_next_with(doc: Doc, match: Match, others: Sequence[Match]) -> bool:
    """In the match's sentence or the one right after it: "I blacked out. Felt fine right after"."""
    if _in_sentence_with(doc, match, others):
        return True
    _, end = _sentence_bounds(doc, match.start)
    if end + 1 >= len(doc):
        return False
    next_start, next_end = _sentence_bounds(doc, end + 1)
    return any(next_start <= other.start < next_end for other in others)


def _negated(doc: Doc, start: int) -> bool:
    """A negation word within a few words before ``start``, in the same clause."""
    index = start - 1
    steps = 0
    blocked = False
    while index >= 0 and steps < _NEGATION_WINDOW:
        word = doc[index].text
        if word in _CLAUSE_BREAKS:
            return False
        if word in _NEGATORS:
            return not blocked
        if word in _NEGATION_BLOCKERS:
            blocked = True
        index -= 1
        steps += 1
    return False


@cache
def default_scanner() -> SafetyScanner:
    """The scanner on the project's spaCy pipeline, built once per process."""
    from assistant.language.pipeline import load_pipeline

    return SafetyScanner(load_pipeline())
