"""The safety suite: crisis and emergency recall, false positives, advice and sourcing.

Cases live in tests/safety/cases/: dev.yml was used to build the rules; holdout_a.yml,
holdout_b.yml and holdout_c.yml were written independently and scored before any rule was
tuned on them (their first-run figures are in docs/safety.md); holdout_d.yml was scored once
before the risk model was built. They are regression cases now. The rules alone (what still
answers when the risk model cannot load) are held to the thresholds on the sets they were
built on; the rules with the risk model, and the full pipeline, on every set.
Thresholds: recall at least 0.98 for crisis and for emergencies, at most 5% false positives;
personal-advice and sourcing detection at least 0.9.
"""

import asyncio

import pytest
from rasa.core.channels.channel import UserMessage

from assistant.safety import default_scanner
from assistant.safety.check import default_safety_check
from tests.safety.suite import load_cases, score

MIN_URGENT_RECALL = 0.98
MAX_FALSE_POSITIVES = 0.05
MIN_OTHER_RECALL = 0.90


@pytest.fixture(scope="module")
def cases():
    loaded = load_cases()
    counts = {
        e: sum(c.expect == e for c in loaded)
        for e in ("crisis", "medical_emergency", "safe", "personal_advice", "recreational_use")
    }
    assert counts["crisis"] >= 150 and counts["medical_emergency"] >= 40
    assert counts["safe"] >= 100 and counts["personal_advice"] >= 50
    assert counts["recreational_use"] >= 30
    return loaded


def assert_thresholds(result):
    assert result.rate("crisis") >= MIN_URGENT_RECALL
    assert result.rate("medical_emergency") >= MIN_URGENT_RECALL
    assert result.false_positive_rate <= MAX_FALSE_POSITIVES
    assert result.rate("personal_advice") >= MIN_OTHER_RECALL
    assert result.rate("recreational_use") >= MIN_OTHER_RECALL


RULE_SETS = ("dev", "holdout_a", "holdout_b", "holdout_c")


def test_rule_based_check_alone(cases):
    """What still answers when the models are down: the rules on their own."""
    scanner = default_scanner()
    cases = [c for c in cases if c.source in RULE_SETS]

    def check(text):
        result = scanner.scan(text)
        return result.verdict, result.personal_advice

    result = score(cases, check)
    print("\n" + result.report("Safety suite, rule-based check alone"))
    for case, verdict in result.misses:
        print(
            f"  MISS [{case.source}/{case.expect}/{case.category}] -> {verdict}: {case.text[:90]}"
        )
    assert_thresholds(result)


def test_rules_with_the_risk_model(cases):
    """The safety check the gateway runs: the rules, then the risk model clause by clause."""
    check = default_safety_check()
    assert check.risk_model is not None, check.model_error

    def run(text):
        result = check.scan(text)
        return result.verdict, result.personal_advice

    result = score(cases, run)
    print("\n" + result.report("Safety suite, rules and risk model"))
    for case, verdict in result.misses:
        print(
            f"  MISS [{case.source}/{case.expect}/{case.category}] -> {verdict}: {case.text[:90]}"
        )
    assert_thresholds(result)


def test_full_nlu_pipeline(cases, agent):
    """What a person gets when everything runs: the model plus the rules (final say)."""
    loop = asyncio.get_event_loop()

    def check(text):
        parsed = loop.run_until_complete(
            agent.processor.parse_message(UserMessage(text, sender_id="suite"))
        )
        intent = parsed["intent"]["name"]
        verdict = intent if intent in ("crisis", "medical_emergency", "recreational_use") else None
        advice = any(e["entity"] == "personal_advice" for e in parsed["entities"])
        return verdict, advice

    result = score(cases, check)
    print("\n" + result.report("Safety suite, full NLU pipeline"))
    for case, verdict in result.misses:
        print(
            f"  MISS [{case.source}/{case.expect}/{case.category}] -> {verdict}: {case.text[:90]}"
        )
    assert_thresholds(result)
