"""Finding the FAQ answer a conversation last gave."""

from typing import Any, Dict, Iterable, Optional

FAQ_RESPONSE_PREFIX = "utter_faq/"


def last_faq_response(events: Iterable[Dict[str, Any]]) -> Optional[str]:
    """The response name (``utter_faq/<topic>``) of the most recent FAQ answer, if any."""
    for event in reversed(list(events)):
        if event.get("event") != "bot":
            continue
        utter_action = (event.get("metadata") or {}).get("utter_action") or ""
        if utter_action.startswith(FAQ_RESPONSE_PREFIX):
            return utter_action
    return None


def topic_of(response_name: str) -> str:
    """``utter_faq/cost`` -> ``faq/cost``."""
    return response_name[len("utter_") :]
