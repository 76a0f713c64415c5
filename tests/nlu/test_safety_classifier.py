"""The safety component's decisions on parsed messages, without a trained model."""

import pytest
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.safety_classifier import SafetyClassifier


def parsed(text, intent, confidence, topic=None, topic_confidence=0.0):
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": confidence}, {"name": "faq", "confidence": 0.05}],
    )
    if topic:
        message.set(
            RESPONSE_SELECTOR_PROPERTY_NAME,
            {
                "faq": {
                    "response": {"intent_response_key": topic, "confidence": topic_confidence},
                    "ranking": [{"intent_response_key": topic, "confidence": topic_confidence}],
                }
            },
        )
    return message


@pytest.fixture(scope="module")
def component():
    return SafetyClassifier()


def intent_of(component, message):
    component.process([message])
    return message.get("intent")


def test_an_unsure_classifier_alone_does_not_refuse_a_patient(component):
    message = parsed(
        "will it make me feel spaced out", "recreational_use", 0.78, "faq/what_it_feels_like", 0.89
    )
    assert intent_of(component, message) == {"name": "faq", "confidence": 0.89}


def test_an_unsure_refusal_without_a_sure_answer_gets_the_fallback(component):
    message = parsed("is that a gray area", "recreational_use", 0.7, "faq/fda_approval", 0.2)
    assert intent_of(component, message)["name"] == "nlu_fallback"


def test_a_sure_classifier_refusal_stands(component):
    message = parsed("any plugs around here", "recreational_use", 0.95, "faq/cost", 0.6)
    assert intent_of(component, message) == {"name": "recreational_use", "confidence": 0.95}


def test_the_rules_refuse_whatever_the_classifier_says(component):
    message = parsed("where can i buy ketamine online", "faq", 0.99, "faq/cost", 0.9)
    assert intent_of(component, message) == {"name": "recreational_use", "confidence": 1.0}


def test_a_classifier_crisis_guess_stands_even_when_unsure(component):
    message = parsed("everything feels pointless lately", "crisis", 0.55, "faq/effectiveness", 0.7)
    assert intent_of(component, message)["name"] == "crisis"
