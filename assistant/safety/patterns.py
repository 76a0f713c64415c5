"""Compiles the lexicon's compact pattern syntax into spaCy ``Matcher`` token patterns.

See ``lexicon.yml`` for the syntax. A pattern with choices between phrases expands into one
Matcher pattern per combination; choices between single words stay one token with ``IN``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

LEXICON_FILE = Path(__file__).with_name("lexicon.yml")
SENTENCE_BREAK = "."
MAX_EXPANSIONS = 20000

_NUMBER = (
    r"^(\d+(mg|x)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    r"twenty|thirty|forty|fifty|sixty|hundred|few|several|couple|dozen|many|handful|bunch|lot)$"
)
_GAP_TOKEN = {"LOWER": {"NOT_IN": [SENTENCE_BREAK]}, "OP": "?"}
_WIDE_GAP_TOKEN = {"OP": "?"}  # "~~N": may also cross sentence breaks

RISK_VERDICTS = ("crisis", "medical_emergency", "recreational_use")
FRAME_VERDICTS = (
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
VERDICTS = RISK_VERDICTS + ("personal_advice",) + FRAME_VERDICTS
# Families of people: their possessive and plural forms ("husbands", "friend s") match too.
_PEOPLE_FAMILIES = ("person", "third", "abuser", "kid")


# libyaml's parser when installed: the lexicon is read at every start-up.
class _LexiconLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML without the 1.1 booleans: the words "on", "off", "yes" and "no" stay words."""


_LexiconLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LexiconLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class LexiconError(ValueError):
    """A lexicon rule or pattern is malformed."""


@dataclass(frozen=True)
class Rule:
    """One lexicon rule: its verdict, flags and compiled Matcher patterns."""

    id: str
    verdict: str
    category: str
    negatable: bool = False
    mentionable: bool = False
    symptom: bool = False
    mixing: bool = False
    lang: Optional[str] = None
    patterns: Tuple[Tuple[dict, ...], ...] = field(default=(), repr=False)


# A parsed pattern is a list of elements; an element is ("tok", spec) or ("alt", [seqs], optional).
Element = Tuple[str, object, bool]


def _tokenize(pattern: str) -> List[str]:
    """Splits a pattern; "|" separates choices inside parentheses and joins words outside."""
    tokens: List[str] = []
    depth = 0
    for piece in re.findall(r"\(|\)\??|\||[^\s()|]+", pattern):
        if piece == "(":
            depth += 1
        elif piece.startswith(")"):
            depth -= 1
        elif piece == "|" and depth == 0:
            if not tokens:
                raise LexiconError("pattern starts with |")
            tokens[-1] += "|"
            continue
        if tokens and tokens[-1].endswith("|") and depth == 0 and piece not in ("(", "|"):
            tokens[-1] += piece
            continue
        tokens.append(piece)
    if depth != 0:
        raise LexiconError("unbalanced parentheses")
    return tokens


def _parse_sequence(tokens: List[str], pos: int, families: Dict[str, List[str]]):
    sequence: List[Element] = []
    while pos < len(tokens):
        token = tokens[pos]
        if token in ("|",) or token.startswith(")"):
            return sequence, pos
        if token == "(":
            alternatives, pos = _parse_group(tokens, pos + 1, families)
            closing = tokens[pos] if pos < len(tokens) else ""
            if not closing.startswith(")"):
                raise LexiconError("unbalanced parentheses")
            sequence.append(("alt", alternatives, closing == ")?"))
            pos += 1
            continue
        optional = token.endswith("?") and len(token) > 1
        word = token[:-1] if optional else token
        sequence.append(("tok", _token_spec(word, families), optional))
        pos += 1
    return sequence, pos


def _parse_group(tokens: List[str], pos: int, families):
    alternatives = []
    while True:
        sequence, pos = _parse_sequence(tokens, pos, families)
        alternatives.append(sequence)
        if pos < len(tokens) and tokens[pos] == "|":
            pos += 1
            continue
        return alternatives, pos


def _token_spec(word: str, families: Dict[str, List[str]]):
    if word.startswith("~~"):
        return ("wide_gap", int(word[2:]))
    if word.startswith("~"):
        return ("gap", int(word[1:]))
    if word == "#num":
        return ("attrs", {"LOWER": {"REGEX": _NUMBER}})
    if word == "$":  # end of a sentence or of the message
        return ("attrs", {"LOWER": SENTENCE_BREAK})
    if word == "#year":  # a year written in digits ("2019")
        return ("attrs", {"LOWER": {"REGEX": r"^(19[5-9]\d|20[0-4]\d)$"}})
    if word == "#digits":  # a number written in digits ("120", "95kg")
        return ("attrs", {"LOWER": {"REGEX": r"^\d+(lbs|kg|kilos)?$"}})
    if word == "#big":  # ten or more
        return (
            "attrs",
            {
                "LOWER": {
                    "REGEX": r"^([1-9]\d+|ten|twelve|fifteen|twenty|thirty|forty|fifty|hundred)$"
                }
            },
        )
    if word == "#bp":  # a blood-pressure reading of 180 or more
        return ("attrs", {"LOWER": {"REGEX": r"^(1[89]\d|2\d\d)$"}})
    words: List[str] = []
    for part in word.split("|"):
        if part.startswith("@"):
            name = part[1:]
            if name not in families:
                raise LexiconError(f"unknown family @{name}")
            words.extend(families[name])
        elif part:
            words.append(part)
    words = sorted(set(w.lower() for w in words))
    if len(words) == 1:
        return ("attrs", {"LOWER": words[0]})
    return ("attrs", {"LOWER": {"IN": words}})


def _merge_single_words(alternatives) -> Optional[List[str]]:
    """The word list of a choice between single required words, else None."""
    words = set()
    for alt in alternatives:
        if len(alt) != 1 or alt[0][0] != "tok" or alt[0][2] or alt[0][1][0] != "attrs":
            return None
        lower = alt[0][1][1]["LOWER"]
        if isinstance(lower, str):
            words.add(lower)
        elif "IN" in lower:
            words.update(lower["IN"])
        else:
            return None
    return sorted(words)


def _expand(sequence: List[Element]) -> List[List[dict]]:
    """All Matcher token lists a parsed sequence stands for."""
    options_per_element: List[List[List[dict]]] = []
    for kind, value, optional in sequence:
        if kind == "tok":
            spec_kind, spec = value
            if spec_kind == "gap":
                options = [[dict(_GAP_TOKEN) for _ in range(spec)]]
            elif spec_kind == "wide_gap":
                options = [[dict(_WIDE_GAP_TOKEN) for _ in range(spec)]]
            else:
                token = dict(spec)
                if optional:
                    token["OP"] = "?"
                options = [[token]]
        else:
            alternatives = value
            merged = _merge_single_words(alternatives)
            if merged is not None:
                token = {"LOWER": {"IN": merged}}
                if optional:
                    token["OP"] = "?"
                options_per_element.append([[token]])
                continue
            # Single required words among the choices become one IN token; only the
            # multi-word choices expand into separate patterns.
            singles = [alt for alt in alternatives if _merge_single_words([alt]) is not None]
            others = [alt for alt in alternatives if _merge_single_words([alt]) is None]
            options = []
            if singles:
                options.append([{"LOWER": {"IN": _merge_single_words(singles)}}])
            for alt in others:
                options.extend(_expand(alt))
            if optional:
                options.append([])
        options_per_element.append(options)
    results = []
    seen = set()
    for combination in itertools.product(*options_per_element):
        tokens = [token for part in combination for token in part]
        if not any("OP" not in t for t in tokens):  # only optional tokens would match anything
            continue
        key = repr(tokens)
        if key not in seen:
            seen.add(key)
            results.append(tokens)
        if len(results) > MAX_EXPANSIONS:
            raise LexiconError("pattern expands to too many combinations")
    return results


def compile_pattern(pattern: str, families: Dict[str, List[str]]) -> List[List[dict]]:
    """Turns one lexicon pattern string into Matcher token lists."""
    tokens = _tokenize(pattern)
    sequence, pos = _parse_sequence(tokens, 0, families)
    if pos != len(tokens):
        raise LexiconError(f"unexpected {tokens[pos]!r}")
    return _expand(sequence)


def load_rules(path: Path = LEXICON_FILE) -> List[Rule]:
    """Reads and compiles the lexicon; raises ``LexiconError`` naming the bad rule."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LexiconLoader)
    families = {
        name: [str(w).lower() for w in words] for name, words in document["families"].items()
    }
    for name in _PEOPLE_FAMILIES:
        families[name] = families[name] + [w + "s" for w in families[name] if not w.endswith("s")]
    rules: List[Rule] = []
    seen = set()
    for entry in document["rules"]:
        rule_id = entry.get("id", "?")
        if rule_id in seen:
            raise LexiconError(f"rule {rule_id}: duplicate id")
        seen.add(rule_id)
        verdict = entry.get("verdict")
        if verdict not in VERDICTS:
            raise LexiconError(f"rule {rule_id}: unknown verdict {verdict!r}")
        compiled: List[Tuple[dict, ...]] = []
        for pattern in entry["patterns"]:
            try:
                compiled.extend(tuple(p) for p in compile_pattern(pattern, families))
            except LexiconError as error:
                raise LexiconError(f"rule {rule_id}: pattern {pattern!r}: {error}") from None
        rules.append(
            Rule(
                id=rule_id,
                verdict=verdict,
                category=entry.get("category", verdict),
                negatable=bool(entry.get("negatable", False)),
                mentionable=bool(entry.get("mentionable", False)),
                symptom=bool(entry.get("symptom", False)),
                mixing=bool(entry.get("mixing", False)),
                lang=entry.get("lang"),
                patterns=tuple(compiled),
            )
        )
    return rules


@dataclass(frozen=True)
class SubstringRule:
    """Phrases of unspaced scripts, found as substrings of the normalised text."""

    verdict: str
    category: str
    texts: Tuple[str, ...]


def load_substrings(path: Path = LEXICON_FILE) -> List[SubstringRule]:
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LexiconLoader)
    rules = []
    for entry in document.get("substrings", []):
        if entry.get("verdict") not in RISK_VERDICTS:
            raise LexiconError(f"substring rule: unknown verdict {entry.get('verdict')!r}")
        rules.append(
            SubstringRule(
                entry["verdict"],
                entry.get("category", "non_english"),
                tuple(str(t) for t in entry["texts"]),
            )
        )
    return rules


def pattern_count(rules: Sequence[Rule]) -> int:
    return sum(len(rule.patterns) for rule in rules)
