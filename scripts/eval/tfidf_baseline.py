"""Nearest-question retrieval baselines: TF-IDF over the training examples, cosine 1-NN.

The label of the most similar training example is the prediction, so the baseline can only
refuse (``out_of_scope``) by matching an out-of-scope training example, exactly like a naive
FAQ search box. No threshold, no tuning on the held-out set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from nlu_data import catalogue_label

VARIANTS: Dict[str, Dict[str, object]] = {
    # word unigrams and bigrams
    "tfidf_word": {"analyzer": "word", "ngram_range": (1, 2)},
    # character n-grams inside word boundaries: robust to typos ("ketamin", "anxeity")
    "tfidf_char": {"analyzer": "char_wb", "ngram_range": (2, 5)},
}


@dataclass
class NearestQuestion:
    analyzer: str
    ngram_range: Tuple[int, int]
    fit_seconds: float = 0.0

    def describe(self) -> str:
        low, high = self.ngram_range
        return f"TfidfVectorizer(analyzer={self.analyzer!r}, ngram_range=({low}, {high}))"

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> NearestQuestion:
        from sklearn.feature_extraction.text import TfidfVectorizer

        start = time.perf_counter()
        self._vectorizer = TfidfVectorizer(
            analyzer=self.analyzer,
            ngram_range=self.ngram_range,
            lowercase=True,
            sublinear_tf=True,
            strip_accents="unicode",
        )
        self._matrix = self._vectorizer.fit_transform(list(texts))
        self._labels = list(labels)
        self.fit_seconds = time.perf_counter() - start
        return self

    def predict(self, texts: Sequence[str]) -> Tuple[List[str], List[float]]:
        """(label of the nearest training example, its cosine similarity) per text."""
        queries = self._vectorizer.transform(list(texts))
        similarities = (queries @ self._matrix.T).toarray()  # rows are L2-normalised
        best = similarities.argmax(axis=1)
        labels = [catalogue_label(self._labels[i]) for i in best]
        scores = [float(similarities[row, i]) for row, i in enumerate(best)]
        return labels, scores


def build(name: str) -> NearestQuestion:
    spec = VARIANTS[name]
    return NearestQuestion(analyzer=str(spec["analyzer"]), ngram_range=spec["ngram_range"])
