"""Rasa NLU component: refuse to guess an FAQ answer the response selector is unsure of.

FallbackClassifier only looks at the intent's confidence. On small data DIET can be sure a
message is "an FAQ" while the response selector has no good idea which one, and the person
then gets a confident wrong answer. When the selector's own confidence for its chosen topic is
below ``threshold``, or the runner-up topic is within ``ambiguity_threshold``, this component
turns the message into ``nlu_fallback`` ("I can't answer that" with topic buttons).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.safety_classifier import force_intent

RESPONSE_SELECTOR_KEY = RESPONSE_SELECTOR_PROPERTY_NAME


def selector_confidence(message: Message, intent: str) -> tuple:
    """(confidence of the chosen topic, confidence of the runner-up) for ``intent``."""
    selectors = message.get(RESPONSE_SELECTOR_KEY) or {}
    selected = selectors.get(intent) or selectors.get(RESPONSE_SELECTOR_DEFAULT_INTENT)
    if not selected:
        return None, None
    top = (selected.get(RESPONSE_SELECTOR_PREDICTION_KEY) or {}).get("confidence")
    ranking = selected.get(RESPONSE_SELECTOR_RANKING_KEY) or []
    second = ranking[1].get("confidence") if len(ranking) > 1 else 0.0
    return top, second


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AnswerConfidenceGuard(GraphComponent):
    """Sends low-confidence FAQ selections to ``nlu_fallback``."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"retrieval_intent": "faq", "threshold": 0.4, "ambiguity_threshold": 0.0}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AnswerConfidenceGuard:
        return cls(config)

    def __init__(self, config: Dict[str, Any]) -> None:
        self._intent = config["retrieval_intent"]
        self._threshold = float(config["threshold"])
        self._ambiguity = float(config["ambiguity_threshold"])

    def process_training_data(self, training_data):  # noqa: D102 - nothing to learn
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != self._intent:
                continue
            top, second = selector_confidence(message, self._intent)
            if top is None:
                continue
            if top < self._threshold or (top - (second or 0.0)) < self._ambiguity:
                force_intent(message, "nlu_fallback", top)
        return messages
