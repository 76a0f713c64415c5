"""Rasa NLU component for the benchmark's floor bot: every message is intent ``ask``.

No model, no features: the floor measures what the Rasa server, the channel, the gateway,
the response generator and the tracker store cost on their own.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

INTENT_NAME = "ask"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SingleIntentClassifier(GraphComponent):
    """Labels every message with the one intent, confidence 1.0."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SingleIntentClassifier:
        return cls()

    def process_training_data(self, training_data):  # noqa: D102 - nothing to learn
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = {INTENT_NAME_KEY: INTENT_NAME, "confidence": 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages
