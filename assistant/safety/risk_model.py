"""The learned risk classifier: crisis, medical emergency or none, read clause by clause.

The rules (``assistant.safety.scanner``) catch what someone wrote down; this model catches
phrasings nobody did ("there's a rope in the garage and I keep looking at it"). It is a
logistic regression over the sentence encoder's vector and character n-grams, trained on
the risk examples (``example_files`` in ``risk_model.yml``, one file per author: risk messages
by kind, and hard negatives: idioms, denials, resolved history, educational questions), the
safety suite's labelled cases (``case_files``) and every ordinary training question of the
assistant as a negative. A long message is split into sentences and clauses and each is read on
its own, so a risk sentence inside a paragraph about costs is not diluted; the most urgent
clause decides. Because the model reads clauses, the clauses of every negative example are
negatives too: "He lives alone, so I'd plan to take the day off" alone is not a crisis.

Built at set-up into ``build/risk/`` (``python -m assistant.safety.risk_model``) and loaded by
path; if it cannot load, the rules alone decide (``assistant.safety.check``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml

from assistant.paths import PROJECT_ROOT

HERE = Path(__file__).parent
SETTINGS_FILE = HERE / "risk_model.yml"
# Ordinary questions (FAQ topics and small-talk intents) are negatives; the assistant's own
# crisis and emergency examples are positives.
NLU_DIRS = (PROJECT_ROOT / "data" / "faq", PROJECT_ROOT / "data" / "nlu")
MODEL_DIR = PROJECT_ROOT / "build" / "risk"
MODEL_FILE = MODEL_DIR / "risk_model.joblib"
FINGERPRINT_FILE = MODEL_DIR / "inputs.sha256"

CRISIS, MEDICAL_EMERGENCY, NONE = "crisis", "medical_emergency", "none"
INTENT_LABELS = {"crisis": CRISIS, "medical_emergency": MEDICAL_EMERGENCY}
# Examples of these intents say nothing about risk either way (a recreational question can
# mention overdose as a topic), so they are not used as negatives.
SKIPPED_INTENTS = {"recreational_use"}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|;\s*|\s+[-–—]+\s+")
_CLAUSE_SPLIT = re.compile(
    r",?\s+\b(?:but also|but|and then|also|anyway|btw|plus)\b\s+", re.IGNORECASE
)


@dataclass(frozen=True)
class RiskVerdict:
    """The most urgent clause's label and the model's probability for it."""

    label: Optional[str]
    probability: float
    clause: str


def clauses(text: str, min_chars: int = 12) -> List[str]:
    """Sentences, then clauses joined by "but", "also"... of a message; short bits are merged."""
    pieces: List[str] = []
    for sentence in _SENTENCE_END.split(text or ""):
        for clause in _CLAUSE_SPLIT.split(sentence):
            clause = clause.strip(" ,")
            if not clause:
                continue
            if pieces and len(clause) < min_chars:
                pieces[-1] = f"{pieces[-1]} {clause}"
            else:
                pieces.append(clause)
    return pieces


def load_settings(path: Path = SETTINGS_FILE) -> Dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def example_paths(settings: Dict) -> List[Path]:
    return sorted(PROJECT_ROOT.glob(settings["example_files"]))


def case_paths(settings: Dict) -> List[Path]:
    return (
        sorted(PROJECT_ROOT.glob(settings.get("case_files", "")))
        if settings.get("case_files")
        else []
    )


def training_examples(settings: Optional[Dict] = None) -> Tuple[List[str], List[str]]:
    """(texts, labels) the model is fitted on: the examples and their negative clauses."""
    settings = settings or load_settings()
    texts, labels = labelled_messages(settings)
    return with_negative_clauses(texts, labels, settings)


def labelled_messages(settings: Dict) -> Tuple[List[str], List[str]]:
    """(texts, labels) from the risk examples, the labelled safety cases and the NLU data."""
    texts: List[str] = []
    labels: List[str] = []
    for path in case_paths(settings):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            texts.append(str(case["text"]))
            labels.append(INTENT_LABELS.get(case["expect"], NONE))
    for path in example_paths(settings):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]:
            texts.append(str(entry["text"]))
            labels.append(entry["label"])
    for directory in NLU_DIRS:
        for path in sorted(directory.glob("*.yml")):
            for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
                intent = block.get("intent")
                if not intent or intent in SKIPPED_INTENTS:
                    continue
                for line in str(block.get("examples", "")).splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        texts.append(line[2:].strip())
                        labels.append(INTENT_LABELS.get(intent, NONE))
    return texts, labels


def reading_pieces(text: str, settings: Dict) -> List[str]:
    """What the model reads of one message: the whole text and each clause long enough."""
    min_words = int(settings.get("min_words", 1))
    pieces = [
        p for p in clauses(text, int(settings["min_clause_chars"])) if len(p.split()) >= min_words
    ]
    if not pieces:
        return []
    if len(pieces) > 1 or pieces[0] != text.strip():
        pieces = [text] + pieces
    return pieces


def with_negative_clauses(
    texts: List[str], labels: List[str], settings: Dict
) -> Tuple[List[str], List[str]]:
    """Adds each clause of a negative example as a negative (a positive's clauses are unknown:
    only one of them may carry the risk)."""
    seen = set(texts)
    out_texts, out_labels = list(texts), list(labels)
    for text, label in zip(texts, labels, strict=True):
        if label != NONE:
            continue
        for piece in reading_pieces(text, settings)[1:]:
            if piece not in seen:
                seen.add(piece)
                out_texts.append(piece)
                out_labels.append(NONE)
    return out_texts, out_labels


class RiskModel:
    """Fitted vectoriser and classifier, with the thresholds from ``risk_model.yml``."""

    def __init__(self, settings: Dict) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.settings = settings
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=tuple(settings["char_ngrams"]),
            sublinear_tf=True,
            min_df=2,
        )
        # Optional word n-grams beside the characters (``word_ngrams`` in risk_model.yml).
        self.words = (
            TfidfVectorizer(
                analyzer="word", ngram_range=tuple(settings["word_ngrams"]), sublinear_tf=True
            )
            if settings.get("word_ngrams")
            else None
        )
        self.classifier = LogisticRegression(C=float(settings["C"]), max_iter=3000, random_state=42)
        self.encoder = None  # set after loading (not pickled)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["encoder"] = None
        return state

    def _features(self, texts: Sequence[str], vectors: np.ndarray, fit: bool = False):
        from scipy.sparse import csr_matrix, hstack

        char = self.char.fit_transform(texts) if fit else self.char.transform(texts)
        weight = float(self.settings["encoder_weight"])
        blocks = [csr_matrix(vectors * weight), char]
        if self.words is not None:
            blocks.append(self.words.fit_transform(texts) if fit else self.words.transform(texts))
        return hstack(blocks).tocsr()

    def fit(self, texts: Sequence[str], vectors: np.ndarray, labels: Sequence[str]) -> None:
        self.classifier.fit(self._features(texts, vectors, fit=True), labels)

    def probabilities(
        self, texts: Sequence[str], vectors: Optional[np.ndarray] = None
    ) -> np.ndarray:
        """Rows of P(label) in ``self.labels`` order (``vectors``: the texts' encodings, if
        already known)."""
        if vectors is None:
            vectors = self.encoder.encode(list(texts))
        return self.classifier.predict_proba(self._features(texts, vectors))

    @property
    def labels(self) -> List[str]:
        return list(self.classifier.classes_)

    def verdict(self, text: str) -> RiskVerdict:
        """The most urgent clause's verdict (emergency before crisis), or no label."""
        pieces = reading_pieces(text, self.settings)
        if not pieces:
            return RiskVerdict(None, 0.0, "")
        rows = self.probabilities(pieces)
        labels = self.labels
        thresholds = self.settings["thresholds"]
        for label in (MEDICAL_EMERGENCY, CRISIS):
            column = rows[:, labels.index(label)]
            best = int(column.argmax())
            if column[best] >= float(thresholds[label]):
                return RiskVerdict(label, float(column[best]), pieces[best])
        return RiskVerdict(None, 0.0, "")


def inputs_fingerprint() -> str:
    digest = hashlib.sha256()
    settings = load_settings()
    paths = [SETTINGS_FILE, Path(__file__), *example_paths(settings), *case_paths(settings)]
    for directory in NLU_DIRS:
        paths.extend(sorted(directory.glob("*.yml")))
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build(force: bool = False) -> Path:
    """Trains the model into ``build/risk/`` unless it is up to date."""
    import joblib

    from assistant.language.encoder import default_encoder

    fingerprint = inputs_fingerprint()
    if (
        not force
        and MODEL_FILE.exists()
        and FINGERPRINT_FILE.exists()
        and FINGERPRINT_FILE.read_text().strip() == fingerprint
    ):
        return MODEL_FILE
    texts, labels = training_examples()
    encoder = default_encoder()
    model = RiskModel(load_settings())
    model.fit(texts, encoder.encode(texts), labels)
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, MODEL_FILE)
    FINGERPRINT_FILE.write_text(fingerprint)
    counts = {label: labels.count(label) for label in sorted(set(labels))}
    print(f"risk model trained on {json.dumps(counts)} -> {MODEL_FILE}")
    return MODEL_FILE


def load(path: Optional[Path] = None, settings: Optional[Dict] = None) -> RiskModel:
    """The built model with this process's encoder; raises if either cannot load."""
    import joblib

    from assistant.language.encoder import default_encoder

    model = joblib.load(path or MODEL_FILE)
    if not isinstance(model, RiskModel):
        raise TypeError(f"{path} does not hold a risk model")
    model.settings = settings or load_settings()
    model.encoder = default_encoder()
    return model


if __name__ == "__main__":
    # Through the package, so the pickled class is assistant.safety.risk_model.RiskModel.
    from assistant.safety import risk_model

    risk_model.build(force="--force" in sys.argv)
