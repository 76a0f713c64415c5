"""Rasa NLU component: answer when sure, offer "did you mean" when torn, refuse when out of scope.

The topic classifier can be sure a message is "an FAQ" yet torn between two topics ("what does
spravato cost": cost or spravato?), or unsure of everything. A confident wrong answer is one of
the worst failures this assistant can have, and a bare "I can't answer that" to a plain
question is the next. So, for a message whose intent is ``faq`` or ``nlu_fallback``:

- the chosen topic is sure (confidence at least ``threshold`` and ahead of the runner-up by
  ``ambiguity_threshold``): the answer stands;
- otherwise, if the message is clearly about the FAQ (the FAQ topics together hold at least
  ``min_faq_share`` of the probability), it becomes ``nlu_fallback`` with ``did_you_mean``: up
  to three likeliest topics (each at least ``suggestion_floor`` among the topics), which the
  reply offers as quick replies (SMS: a numbered menu) with a way to contact the clinic
  (``assistant.nlg``);
- otherwise (the message may be out of scope) it gets the plain "I can't answer that".

The safety check runs after this component and always has the final say.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.message_edits import (
    force_intent,
    selector_confidence,
    selector_ranking,
    set_suggestions,
)
from assistant.nlu.rule_component import RuleComponent

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AnswerConfidenceGuard(RuleComponent):
    """Sends unsure FAQ selections to ``nlu_fallback``, with suggestions where plausible."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "retrieval_intent": "faq",
            "threshold": 0.4,
            "ambiguity_threshold": 0.0,
            "suggestion_floor": 0.05,
            "min_faq_share": 0.8,
            "max_suggestions": 3,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        config = self.config
        self._intent = config["retrieval_intent"]
        self._threshold = float(config["threshold"])
        self._ambiguity = float(config["ambiguity_threshold"])
        self._floor = float(config["suggestion_floor"])
        self._min_share = float(config["min_faq_share"])
        self._max = int(config["max_suggestions"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            set_suggestions(message, [])
            name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if name not in (self._intent, FALLBACK):
                continue
            top, second = selector_confidence(message, self._intent)
            if top is None:
                continue
            sure = top >= self._threshold and (top - (second or 0.0)) >= self._ambiguity
            if name == self._intent and sure:
                continue
            suggestions = self._suggestions(message)
            force_intent(message, FALLBACK, top)
            set_suggestions(message, suggestions)
        return messages

    def _suggestions(self, message: Message) -> List[str]:
        ranking = {
            r.get(INTENT_NAME_KEY): r.get(PREDICTED_CONFIDENCE_KEY) or 0.0
            for r in message.get(INTENT_RANKING_KEY) or []
        }
        faq_share = ranking.get(self._intent, 0.0)
        if faq_share < self._min_share or ranking.get(OUT_OF_SCOPE, 0.0) >= faq_share:
            return []
        return [
            topic
            for topic, confidence in selector_ranking(message, self._intent)[: self._max]
            if confidence >= self._floor
        ]
