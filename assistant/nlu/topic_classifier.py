"""Rasa NLU component: which intent or FAQ topic a message is, in one classifier.

A multinomial logistic regression over three views of the message: the sentence encoder's
vector (meaning; from ``SentenceEncoderFeaturizer``), character n-grams (typos, "ketamin",
"insurnce") and word uni- and bigrams. Every intent and every FAQ topic is one class, so
"what is the price of spravato" competes directly between ``faq/cost``, ``faq/spravato`` and
``faq/insurance`` instead of passing two separate models.

It fills the same output as Rasa's DIETClassifier plus ResponseSelector, so the rest of the
pipeline and the dialogue rules are unchanged:

- ``intent``: ``faq`` (its confidence is the sum over the FAQ topics) or another intent;
- ``intent_ranking``: the intents by confidence;
- ``response_selector.faq``: the chosen topic (confidence within the FAQ topics) and the
  topic ranking, which the answer guard uses to answer, offer "did you mean" or refuse.

Chosen over DIET by the evaluation (docs/understanding.md): better on held-out questions and
trains in seconds instead of minutes.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Tuple

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from assistant.nlu.sentence_features import SentenceEncoderFeaturizer

logger = logging.getLogger(__name__)

MODEL_FILE = "topic_classifier.joblib"
RANKING_LENGTH = 10


def label_of(example: Message) -> Optional[str]:
    """``faq/<topic>`` for an FAQ example, else its intent."""
    return example.get(INTENT_RESPONSE_KEY) or example.get(INTENT)


class TopicModel:
    """The fitted vectorisers and classifier (what is saved with the Rasa model)."""

    def __init__(self, config: Dict[str, Any]) -> None:
        self.encoder_weight = float(config["encoder_weight"])
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=tuple(config["char_ngrams"]),
            sublinear_tf=True,
            min_df=2,
            lowercase=True,
        )
        self.word = TfidfVectorizer(
            analyzer="word", ngram_range=tuple(config["word_ngrams"]), sublinear_tf=True
        )
        self.classifier = LogisticRegression(
            C=float(config["C"]), max_iter=3000, random_state=int(config["random_seed"])
        )

    def features(self, texts: List[str], vectors: np.ndarray, fit: bool = False):
        char = self.char.fit_transform(texts) if fit else self.char.transform(texts)
        word = self.word.fit_transform(texts) if fit else self.word.transform(texts)
        return hstack([csr_matrix(vectors * self.encoder_weight), char, word]).tocsr()

    def fit(self, texts: List[str], vectors: np.ndarray, labels: List[str]) -> None:
        self.classifier.fit(self.features(texts, vectors, fit=True), labels)

    def probabilities(self, texts: List[str], vectors: np.ndarray) -> np.ndarray:
        return self.classifier.predict_proba(self.features(texts, vectors))

    @property
    def labels(self) -> List[str]:
        return list(self.classifier.classes_)


def sentence_vector(message: Message, dimensions: int) -> np.ndarray:
    _, sentence = message.get_dense_features(TEXT, [SentenceEncoderFeaturizer.__name__])
    if sentence is None:
        return np.zeros(dimensions, dtype=np.float32)
    return np.asarray(sentence.features).reshape(-1)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TopicClassifier(GraphComponent):
    """Intent and FAQ topic from the encoder vector, character and word n-grams."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [SentenceEncoderFeaturizer]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "retrieval_intent": "faq",
            "C": 10.0,
            "encoder_weight": 2.0,
            "char_ngrams": [2, 5],
            "word_ngrams": [1, 2],
            "random_seed": 42,
            "dimensions": 384,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[TopicModel] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model
        self._retrieval = self._config["retrieval_intent"]

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TopicClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TopicClassifier:
        with model_storage.read_from(resource) as directory:
            model = joblib.load(directory / MODEL_FILE)
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(TEXT) and label_of(e)]
        texts = [e.get(TEXT) for e in examples]
        vectors = np.vstack([sentence_vector(e, self._config["dimensions"]) for e in examples])
        model = TopicModel(self._config)
        model.fit(texts, vectors, [label_of(e) for e in examples])
        self._model = model
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(model, directory / MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None or not messages:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        vectors = np.vstack([sentence_vector(m, self._config["dimensions"]) for m in messages])
        for message, row in zip(messages, self._model.probabilities(texts, vectors), strict=True):
            self._set_prediction(message, row)
        return messages

    def _set_prediction(self, message: Message, row: np.ndarray) -> None:
        prefix = f"{self._retrieval}/"
        labels = self._model.labels
        topics: List[Tuple[str, float]] = []
        intents: Dict[str, float] = {}
        for label, p in zip(labels, row, strict=True):
            if label.startswith(prefix):
                topics.append((label, float(p)))
                intents[self._retrieval] = intents.get(self._retrieval, 0.0) + float(p)
            else:
                intents[label] = float(p)
        ranking = sorted(intents.items(), key=lambda kv: -kv[1])[:RANKING_LENGTH]
        top_name, top_confidence = ranking[0]
        message.set(
            INTENT,
            {INTENT_NAME_KEY: top_name, PREDICTED_CONFIDENCE_KEY: top_confidence},
            add_to_output=True,
        )
        message.set(
            INTENT_RANKING_KEY,
            [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: p} for n, p in ranking],
            add_to_output=True,
        )
        if not topics:
            return
        total = sum(p for _, p in topics) or 1.0
        topics.sort(key=lambda kv: -kv[1])
        best, best_p = topics[0]
        utter = f"utter_{best}"
        selector = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
        selector[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [self._retrieval]
        selector[self._retrieval] = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: [],
                PREDICTED_CONFIDENCE_KEY: best_p / total,
                INTENT_RESPONSE_KEY: best,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter,
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {INTENT_RESPONSE_KEY: t, PREDICTED_CONFIDENCE_KEY: p / total}
                for t, p in topics[:RANKING_LENGTH]
            ],
        }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
