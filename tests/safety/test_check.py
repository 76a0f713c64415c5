"""The safety check as every message gets it: the rules, then the risk model, one verdict."""

import logging

import pytest

from assistant.safety import default_scanner
from assistant.safety.check import SafetyCheck, default_safety_check, load_risk_model
from assistant.safety.risk_model import clauses


@pytest.fixture(scope="module")
def check():
    loaded = default_safety_check()
    assert loaded.risk_model is not None, loaded.model_error
    return loaded


@pytest.mark.parametrize(
    "text",
    [
        "there is a rope in the garage and i keep going out there to look at it",
        "i have been collecting my pills in a jar for weeks",
        "everyone would be fine without me, they would get over it",
    ],
)
def test_the_model_adds_a_crisis_the_rules_do_not_know(check, text):
    assert default_scanner().scan(text).verdict is None
    result = check.scan(text)
    assert result.verdict == "crisis"
    assert result.category == "model:crisis"


def test_a_risk_sentence_inside_a_long_message_is_not_diluted(check):
    text = (
        "Hi, I had a few questions before booking. How much is the first infusion and do you "
        "take Aetna or is it all out of pocket? Also how long does each session last, I have to "
        "arrange childcare. I have been collecting my pills in a jar for weeks. And do I need a "
        "referral from my psychiatrist or can I book directly?"
    )
    assert check.scan(text).verdict == "crisis"


def test_an_anxious_habit_elsewhere_in_the_message_does_not_set_the_model_aside(check):
    text = (
        "My anxiety has been really bad since spring and my heart races when I get anxious at "
        "work, which is why I am looking into ketamine. I have been collecting my pills in a jar "
        "for weeks. Do you take Aetna, and how long is the first visit?"
    )
    frames = {m.verdict for m in default_scanner().scan(text).matches}
    assert "habitual" in frames and default_scanner().scan(text).verdict is None
    assert check.scan(text).verdict == "crisis"


def test_an_idiom_still_sets_aside_the_model_in_its_own_clause(check):
    assert check.scan("this wait is killing me lol").verdict is None


def test_the_model_never_removes_a_verdict_the_rules_gave(check):
    class SaysNothing:
        def verdict(self, text):
            raise AssertionError("the model is not asked when the rules already decided")

    text = "i want to kill myself"
    rules_only = default_scanner().scan(text)
    assert SafetyCheck(default_scanner(), SaysNothing()).scan(text).verdict == rules_only.verdict


@pytest.mark.parametrize(
    "text",
    [
        "this wait is killing me, when can i book",
        "I'm not suicidal, just really anxious before my first infusion",
        "can ketamine help with suicidal thoughts?",
        "how much does a series of six infusions cost",
    ],
)
def test_idioms_negations_and_questions_stay_answers(check, text):
    assert check.scan(text).verdict is None


def test_without_the_model_the_rules_alone_decide(monkeypatch, caplog):
    monkeypatch.setattr("assistant.safety.risk_model.MODEL_FILE", "/nonexistent/risk_model.joblib")
    model, error = load_risk_model()
    assert model is None and error
    rules_only = SafetyCheck(default_scanner(), model, error)
    assert rules_only.status() == {
        "rules": True,
        "risk_model": False,
        "risk_model_error": error,
    }
    assert rules_only.scan("i want to end my life tonight").verdict == "crisis"
    assert rules_only.scan("overdosed on my pills and can't breathe").verdict == "medical_emergency"


def test_a_failing_model_leaves_the_rules_verdict(caplog):
    class Broken:
        def verdict(self, text):
            raise RuntimeError("onnx session died")

    with caplog.at_level(logging.ERROR):
        result = SafetyCheck(default_scanner(), Broken()).scan("what does a session cost")
    assert result.verdict is None
    assert "safety.risk_model.failed" in caplog.text


def test_messages_are_split_into_sentences_and_clauses():
    assert clauses("How much is it? I have a gun in my room. ok") == [
        "How much is it?",
        "I have a gun in my room. ok",
    ]
    assert clauses("what does it cost but also my wife hits me") == [
        "what does it cost",
        "my wife hits me",
    ]


class AlwaysSays:
    """A risk model that flags the whole message with one label: isolates the rules' frames."""

    def __init__(self, label):
        self.label = label

    def verdict(self, text):
        from assistant.safety.risk_model import RiskVerdict

        return RiskVerdict(self.label, 0.99, text)


@pytest.mark.parametrize(
    "text",
    [
        "my husband had a seizure last year after stopping his benzos too fast, hes been fine "
        "since. is it safe for him",
        "I fainted at my last blood draw, should I warn the nurse before the IV?",
        "i blacked out for a second when i stood up too fast, felt fine right after",
    ],
)
def test_a_physical_event_told_as_over_sets_aside_an_emergency_guess(text):
    check = SafetyCheck(default_scanner(), AlwaysSays("medical_emergency"))
    assert check.scan(text).verdict is None


@pytest.mark.parametrize(
    "text",
    [
        "my husband had a seizure last year and right now he is having another one",
        "i fainted at my last blood draw and now i fainted again and cant stand up",
    ],
)
def test_history_that_is_back_now_keeps_the_emergency_guess(text):
    check = SafetyCheck(default_scanner(), AlwaysSays("medical_emergency"))
    assert check.scan(text).verdict == "medical_emergency"


def test_resolved_history_sets_aside_a_crisis_guess_only_in_its_own_clause():
    check = SafetyCheck(default_scanner(), AlwaysSays("crisis"))
    assert check.scan("I went through a really dark time years ago, stable since").verdict is None
    assert check.scan("I went through a really dark time years ago and its back").verdict == (
        "crisis"
    )
