"""Everyday questions must get their answer, not the crisis, emergency or sourcing reply.

The training examples of every non-safety intent (and the NLU held-out file) are real-world
phrasings of ordinary questions: "does it hurt the liver", "how the treatment goes from day
one". The rules have the final say over the model, so a rule that fires on one of these would
hide the answer from everyone who asks it that way.
"""

import re
from pathlib import Path

import pytest
import yaml

from assistant.safety import default_scanner

ROOT = Path(__file__).resolve().parents[2]
SAFETY_INTENTS = {"crisis", "medical_emergency", "recreational_use"}
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def everyday_questions():
    files = sorted((ROOT / "data").rglob("*.yml")) + [ROOT / "tests" / "nlu_holdout.yml"]
    for path in files:
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            intent = block.get("intent")
            if not intent or intent in SAFETY_INTENTS:
                continue
            for line in (block.get("examples") or "").splitlines():
                text = _ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    yield intent, text


QUESTIONS = list(everyday_questions())


def test_there_are_enough_everyday_questions_to_check():
    assert len(QUESTIONS) >= 1000


def test_no_everyday_question_gets_a_safety_reply():
    scanner = default_scanner()
    flagged = [
        (intent, text, result.verdict, result.category)
        for intent, text in QUESTIONS
        if (result := scanner.scan(text)).verdict is not None
    ]
    assert flagged == []


@pytest.mark.parametrize(
    "text",
    [
        "can u explain how the treatment goes from day one",
        "does ketamine target one or both",
        "what could years of boosters do to my body",
        "can benzos make ketamine not work",
        "does it hurt the liver",
        "I would never hurt my kids, but I worry my anxiety rubs off on them",
        "My father died of an overdose when I was a kid. Will the doctor go over that?",
        "can i catch the bus home on my own afterwards",
        "whats 17 times 23",
        "what if i want it to stop halfway, can they turn it off",
        "will it make my anxiety disappear forever",
    ],
)
def test_questions_once_mistaken_for_risk_get_no_safety_reply(text):
    assert default_scanner().scan(text).verdict is None
