"""Small edits the project's NLU components make to a parsed message."""

from __future__ import annotations

from typing import List, Optional, Tuple

from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
)
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

# FAQ topics a torn message may mean (``faq/<topic>``), offered as quick replies; see
# assistant.nlu.answer_guard and assistant.nlg.
DID_YOU_MEAN_KEY = "did_you_mean"


def set_suggestions(message: Message, topics: List[str]) -> None:
    message.set(DID_YOU_MEAN_KEY, list(topics), add_to_output=True)


def force_intent(message: Message, name: str, confidence: float = 1.0) -> None:
    """Makes ``name`` the message's intent and puts it first in the ranking.

    Any "did you mean" suggestions are dropped: a later decision (the safety check, an unknown
    word, a forged payload) replaces the guess they came from.
    """
    set_suggestions(message, [])
    ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get(INTENT_NAME_KEY) != name]
    forced = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.set(INTENT, dict(forced), add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced] + ranking, add_to_output=True)


def add_entity(message: Message, entity: str, value: str, extractor: str) -> None:
    """Adds a whole-message entity (a flag such as ``personal_advice``) once per value."""
    text = message.get(TEXT) or ""
    entities = list(message.get(ENTITIES) or [])
    if any(
        e.get(ENTITY_ATTRIBUTE_TYPE) == entity and e.get(ENTITY_ATTRIBUTE_VALUE) == value
        for e in entities
    ):
        return
    entities.append(
        {
            ENTITY_ATTRIBUTE_TYPE: entity,
            ENTITY_ATTRIBUTE_VALUE: value,
            ENTITY_ATTRIBUTE_START: 0,
            ENTITY_ATTRIBUTE_END: len(text),
            EXTRACTOR: extractor,
        }
    )
    message.set(ENTITIES, entities, add_to_output=True)


def selector_confidence(message: Message, intent: str) -> Tuple[Optional[float], Optional[float]]:
    """(confidence of the chosen topic, confidence of the runner-up) for ``intent``."""
    selectors = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
    selected = selectors.get(intent) or selectors.get(RESPONSE_SELECTOR_DEFAULT_INTENT)
    if not selected:
        return None, None
    top = (selected.get(RESPONSE_SELECTOR_PREDICTION_KEY) or {}).get("confidence")
    ranking = selected.get(RESPONSE_SELECTOR_RANKING_KEY) or []
    second = ranking[1].get("confidence") if len(ranking) > 1 else 0.0
    return top, second


def selector_ranking(message: Message, intent: str) -> List[Tuple[str, float]]:
    """[(``faq/<topic>``, confidence within the FAQ topics)] best first."""
    selectors = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
    selected = selectors.get(intent) or selectors.get(RESPONSE_SELECTOR_DEFAULT_INTENT) or {}
    return [
        (r.get("intent_response_key"), r.get("confidence") or 0.0)
        for r in selected.get(RESPONSE_SELECTOR_RANKING_KEY) or []
        if r.get("intent_response_key")
    ]
