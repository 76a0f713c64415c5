"""Rasa NLU component: no answer to a message in which the assistant knows no word.

DIET and the response selector also read character n-grams, which lets them cope with typos
but also makes them sure of an answer for "xxxxxxxx…" or "aaaaaaaaaa" (a long run of one
letter scored an FAQ at 0.9). When the model picks an FAQ answer for a message whose words are
all unknown to the training data, not even as a near spelling, the message gets
``nlu_fallback`` ("I can't answer that", with topic buttons) instead of that guess. Other
intents are left alone: "goodnight" is rightly read as a goodbye from its letters. The
vocabulary is learnt at training time and stored with the model.

Runs before the safety check, which reads the raw text itself and has the final say.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Dict, Iterable, List, Optional, Set

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.nlu.message_edits import force_intent

VOCABULARY_FILE = "vocabulary.json"
_WORD = re.compile(r"^[^\W\d_]+$")  # letters only, any script


def words(tokens: Iterable[Any]) -> List[str]:
    """The lower-cased words of a token list (numbers, emoji and punctuation left out)."""
    return [t.text.lower() for t in tokens if _WORD.match(t.text)]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWordsGuard(GraphComponent):
    """Sends FAQ picks for messages without a known (or nearly known) word to the fallback."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # A word counts as nearly known at this similarity (difflib ratio): "insurnce" and
        # "ketamin" pass, "xxxxxxxx" and "qwertyuiop" do not.
        return {"retrieval_intent": "faq", "similarity": 0.8, "min_length_for_similarity": 4}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Optional[Set[str]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._vocabulary: Set[str] = set(vocabulary or ())
        self._by_initial: Dict[str, List[str]] = {}
        self._index()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsGuard:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsGuard:
        with model_storage.read_from(resource) as directory:
            vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, set(vocabulary))

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary: Set[str] = set()
        for example in training_data.training_examples:
            vocabulary.update(words(example.get(TOKENS_NAMES[TEXT]) or []))
        self._vocabulary = vocabulary
        self._index()
        with self._storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(sorted(vocabulary)), encoding="utf-8"
            )
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if not self._vocabulary:
            return messages
        for message in messages:
            text: str = message.get(TEXT) or ""
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != self._config["retrieval_intent"]:
                continue
            if text.startswith("/") or message.get(ENTITIES):
                continue  # button payloads; messages naming a medicine or condition
            found = words(message.get(TOKENS_NAMES[TEXT]) or [])
            if found and not any(self.knows(word) for word in found):
                force_intent(message, "nlu_fallback", 1.0)
        return messages

    def knows(self, word: str) -> bool:
        if word in self._vocabulary:
            return True
        if len(word) < self._config["min_length_for_similarity"]:
            return False
        candidates = self._by_initial.get(word[0], [])
        return bool(
            difflib.get_close_matches(word, candidates, n=1, cutoff=self._config["similarity"])
        )

    def _index(self) -> None:
        # Near spellings are looked up among words with the same first letter: typos rarely
        # change it, and it keeps the search to a few hundred words.
        self._by_initial = {}
        for word in self._vocabulary:
            self._by_initial.setdefault(word[0], []).append(word)
