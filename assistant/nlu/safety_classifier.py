"""Rasa NLU component: the safety check, last in the pipeline so its verdict is final.

For every message it runs ``assistant.safety.check`` (spaCy Matcher rules on normalised text,
then the learned risk model clause by clause, which may only add a verdict) and:

- sets intent ``crisis`` or ``medical_emergency`` at confidence 1.0 when the check fires,
  whatever the classifier said;
- sets ``recreational_use`` for buying, getting high or taking extra; a classifier guess of
  ``recreational_use`` that the rules do not share stands only when the classifier is sure;
- overrules the classifier when it guessed ``crisis``/``medical_emergency`` for a message the
  rules recognise as an idiom, a true negation or an educational question;
- adds the entities ``personal_advice`` (answer plus "only your prescriber can decide"),
  ``safety_mention`` (answer plus a resource line), ``crisis_language`` (help line in that
  language) and ``crisis_kind`` (the rules' category, for lines fitted to it: abuse, harm to
  others, someone else at risk).

The channel gateway may scan the full message before it is shortened for the NLU; its verdict
arrives in the message metadata and is merged here, so a crisis phrase past the length limit
still counts.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.message_edits import add_entity, force_intent, selector_confidence
from assistant.nlu.rule_component import RuleComponent
from assistant.safety import CRISIS, MEDICAL_EMERGENCY, RECREATIONAL_USE
from assistant.safety.check import default_safety_check
from assistant.safety.scanner import SafetyResult

METADATA_KEY = "metadata"
GATEWAY_SAFETY_KEY = "safety"  # metadata set by assistant.channels.gateway
URGENT = (CRISIS, MEDICAL_EMERGENCY)
_PRIORITY = {MEDICAL_EMERGENCY: 3, CRISIS: 2, RECREATIONAL_USE: 1, None: 0}
# The recreational-use reply is a refusal. On the classifier's word alone it would turn away
# patients asking "will I feel high?", so without the rules it needs a classifier this sure;
# otherwise the message gets the FAQ answer the response selector is sure of, or "I can't
# answer that". (Crisis and emergency guesses always stand: missing one costs far more.)
MODEL_ONLY_REFUSAL_CONFIDENCE = 0.9
ANSWER_CONFIDENCE = 0.4  # as AnswerConfidenceGuard in config.yml
RETRIEVAL_INTENT = "faq"


def _gateway_verdict(message: Message) -> Optional[Dict[str, Any]]:
    metadata = message.get(METADATA_KEY) or {}
    verdict = metadata.get(GATEWAY_SAFETY_KEY) if isinstance(metadata, dict) else None
    return verdict if isinstance(verdict, dict) else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyClassifier(RuleComponent):
    """Forces crisis/emergency/recreational intents from the rule-based safety check."""

    def __init__(self, config: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(config)
        # Built once per process (a few seconds), shared with the channel gateway: the rules
        # and, if it loads, the risk model (which may only add a crisis or emergency verdict).
        self._scanner = default_safety_check()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            # The gateway already ran the whole check (rules and risk model) on the raw text and
            # passes its verdict; only the rules run again here, on the masked text, for their
            # frames. Without the gateway (the HTTP API) the whole check runs here.
            checked = _gateway_verdict(message) is not None
            self._apply(
                message, self._scanner.scanner.scan(text) if checked else self._scanner.scan(text)
            )
        return messages

    def _apply(self, message: Message, result: SafetyResult) -> None:
        verdict, language = result.verdict, result.language
        categories = list(result.crisis_categories)
        gateway = _gateway_verdict(message)
        if gateway and _PRIORITY.get(gateway.get("verdict"), 0) > _PRIORITY[verdict]:
            verdict = gateway.get("verdict")
            language = language or gateway.get("language")
        if gateway and gateway.get("verdict") == verdict:
            # The gateway read the whole message before masking and shortening.
            categories += [c for c in gateway.get("crisis_categories") or [] if c not in categories]
        name = self.__class__.__name__
        current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)

        if verdict in URGENT or verdict == RECREATIONAL_USE:
            force_intent(message, verdict)
            if verdict == CRISIS and language:
                add_entity(message, "crisis_language", language, name)
            for category in categories if verdict == CRISIS else ():
                add_entity(message, "crisis_kind", category, name)
            return
        confidence = (message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
        if current == RECREATIONAL_USE and confidence < MODEL_ONLY_REFUSAL_CONFIDENCE:
            self._answer_instead(message)
        if current in URGENT and (result.mention or result.personal_advice or _only_frames(result)):
            # The classifier guessed crisis, the rules recognise an idiom, a negation or a
            # question about treatment: answer the question instead.
            self._fall_back_from(message, current)
        if result.mention:
            add_entity(message, "safety_mention", "true", name)
        if result.personal_advice:
            add_entity(message, "personal_advice", "true", name)

    @staticmethod
    def _answer_instead(message: Message) -> None:
        top, _ = selector_confidence(message, RETRIEVAL_INTENT)
        if top is not None and top >= ANSWER_CONFIDENCE:
            force_intent(message, RETRIEVAL_INTENT, top)
        else:
            force_intent(message, "nlu_fallback", 0.0)

    @staticmethod
    def _fall_back_from(message: Message, intent: str) -> None:
        ranking = [
            r
            for r in (message.get(INTENT_RANKING_KEY) or [])
            if r.get(INTENT_NAME_KEY) not in URGENT
        ]
        if ranking:
            best = ranking[0]
            force_intent(message, best[INTENT_NAME_KEY], best.get(PREDICTED_CONFIDENCE_KEY, 0.0))
        else:
            force_intent(message, "nlu_fallback", 0.0)


def _only_frames(result: SafetyResult) -> bool:
    """The rules found an idiom or negation frame and no risk at all."""
    kinds = {m.verdict for m in result.matches}
    return bool(kinds & {"idiom", "educational", "habitual"}) and not result.verdict
