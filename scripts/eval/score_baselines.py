"""Strong baselines on a labelled question set, trained on the same data as the assistant.

    python scripts/eval/score_baselines.py tests/nlu_real_3.yml [--data data]

Three systems a team could ship instead, fitted on the training examples under ``--data``
(FAQ topics and intents, labels as in the answer catalogue) and scored on each set's accuracy:
nearest-question TF-IDF (character n-grams, cosine 1-NN), logistic regression on character
n-grams, and logistic regression on the sentence encoder's vectors plus character n-grams. None
of them refuses except by predicting ``out_of_scope``. Run beside ``score_nlu.py`` on the same
set, before anything is learned from it, for a same-run comparison.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).parent))

from nlu_data import catalogue_label  # noqa: E402
from tfidf_baseline import NearestQuestion  # noqa: E402

REFUSALS = {"out_of_scope", "nlu_fallback"}


def training_examples(data_dir: Path):
    texts, labels = [], []
    for path in sorted(data_dir.glob("faq/*.yml")) + sorted(data_dir.glob("nlu/*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            intent = block.get("intent")
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if intent and line.startswith("- "):
                    texts.append(line[2:].strip())
                    labels.append(catalogue_label(intent))
    return texts, labels


def questions(path: Path):
    """Texts, labels and the second annotator's labels (the first ones where there is none)."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    return (
        [str(q["text"]) for q in entries],
        [q["label"] for q in entries],
        [q.get("second_label", q["label"]) for q in entries],
    )


class CharLogistic:
    def __init__(self, with_encoder: bool) -> None:
        self.with_encoder = with_encoder

    def _features(self, texts, fit=False):
        from scipy.sparse import csr_matrix, hstack

        char = self.char.fit_transform(texts) if fit else self.char.transform(texts)
        if not self.with_encoder:
            return char
        from assistant.language.encoder import default_encoder

        return hstack([csr_matrix(default_encoder().encode(list(texts)) * 2.0), char]).tocsr()

    def fit(self, texts, labels):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        self.model = LogisticRegression(C=10.0, max_iter=3000)
        self.model.fit(self._features(texts, fit=True), labels)
        return self

    def predict(self, texts):
        return list(self.model.predict(self._features(texts)))


def accuracy(predicted, labels):
    right = [
        (p in REFUSALS) if t == "out_of_scope" else p == t
        for p, t in zip(predicted, labels, strict=True)
    ]
    return float(np.mean(right)), int(sum(right))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--data", type=Path, default=Path("data"))
    args = parser.parse_args()
    texts, labels = training_examples(args.data)
    systems = {
        "nearest-question TF-IDF (char 2-5)": NearestQuestion("char_wb", (2, 5)),
        "logistic regression, char 2-5": CharLogistic(with_encoder=False),
        "logistic regression, encoder + char 2-5": CharLogistic(with_encoder=True),
    }
    for system in systems.values():
        system.fit(texts, labels)
    for path in args.sets:
        set_texts, set_labels, second_labels = questions(path)
        for name, system in systems.items():
            predicted = system.predict(set_texts)
            if isinstance(predicted, tuple):  # NearestQuestion also returns similarities
                predicted = predicted[0]
            rate, right = accuracy(predicted, set_labels)
            in_scope = [
                (p, t) for p, t in zip(predicted, set_labels, strict=True) if t != "out_of_scope"
            ]
            wrong = sum(p != t and p not in REFUSALS for p, t in in_scope) / len(in_scope)
            oos = [p for p, t in zip(predicted, set_labels, strict=True) if t == "out_of_scope"]
            either = sum(
                accuracy([p], [t])[1] or accuracy([p], [s])[1]
                for p, t, s in zip(predicted, set_labels, second_labels, strict=True)
            )
            print(
                f"{path}: {name}: accuracy {rate:.3f} ({right}/{len(set_labels)}); in-scope wrong "
                f"{wrong:.3f}; out-of-scope refused {sum(p in REFUSALS for p in oos)}/{len(oos)}"
                + (
                    f"; against either annotator {either / len(set_labels):.3f}"
                    if second_labels != set_labels
                    else ""
                )
            )


if __name__ == "__main__":
    main()
