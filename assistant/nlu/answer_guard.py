"""Rasa NLU component: refuse to guess an FAQ answer the response selector is unsure of.

FallbackClassifier only looks at the intent's confidence. On small data DIET can be sure a
message is "an FAQ" while the response selector has no good idea which one, and the person
then gets a confident wrong answer. When the selector's own confidence for its chosen topic is
below ``threshold``, or the runner-up topic is within ``ambiguity_threshold``, this component
turns the message into ``nlu_fallback`` ("I can't answer that" with topic buttons).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PROPERTY_NAME,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.message_edits import force_intent, selector_confidence
from assistant.nlu.rule_component import RuleComponent

RESPONSE_SELECTOR_KEY = RESPONSE_SELECTOR_PROPERTY_NAME


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AnswerConfidenceGuard(RuleComponent):
    """Sends low-confidence FAQ selections to ``nlu_fallback``."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"retrieval_intent": "faq", "threshold": 0.4, "ambiguity_threshold": 0.0}

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        config = self.config
        self._intent = config["retrieval_intent"]
        self._threshold = float(config["threshold"])
        self._ambiguity = float(config["ambiguity_threshold"])

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
