"""Training and held-out NLU data for the evaluation: loading, labels, folds, fold files.

A label is the intent, or for a retrieval intent the full name (``faq/cost``): the same
reading as tests/nlu/test_holdout.py and the answer catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OUT_OF_SCOPE = "out_of_scope"
FALLBACK_INTENTS = ("nlu_fallback", OUT_OF_SCOPE)
# Intents of this assistant that give a catalogue topic's answer in their own way: "delete this
# chat" starts the deletion itself, where the catalogue files "how to have it deleted" under
# faq/privacy. Truth and predictions of every system are scored under the catalogue's name.
CATALOGUE_LABEL = {"delete_conversation": "faq/privacy"}


def catalogue_label(label: str) -> str:
    return CATALOGUE_LABEL.get(label, label)


@dataclass(frozen=True)
class Example:
    text: str
    label: str


def normalise(text: str) -> str:
    """Lower case, letters and digits only, single spaces: for spotting duplicates."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def load_training_data(config: Path, data_dir: Path, domain: Path):
    """Rasa's TrainingData for ``data_dir`` (NLU examples and retrieval responses)."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_nlu_importer_from_config(
        str(config), training_data_paths=[str(data_dir)], domain_path=str(domain)
    )
    return importer.get_nlu_data()


def examples_of(training_data) -> List[Example]:
    return [
        Example(m.get("text"), m.get_full_intent())
        for m in training_data.intent_examples
        if m.get("text")
    ]


def load_holdout(path: Path) -> List[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    return examples_of(load_data(str(path)))


def stratified_folds(
    labels: Sequence[str], n_splits: int, seed: int
) -> List[Tuple[List[int], List[int]]]:
    """(train indices, test indices) per fold, stratified by label, shuffled with ``seed``."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    dummy = [[0] for _ in labels]
    return [
        (list(map(int, train)), list(map(int, test)))
        for train, test in splitter.split(dummy, list(labels))
    ]


def write_subset(training_data, indices: Sequence[int], path: Path) -> Path:
    """Writes the chosen intent examples, with every retrieval response, as Rasa YAML."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    messages = [m for m in training_data.intent_examples if m.get("text")]
    subset = TrainingData(
        training_examples=[messages[i] for i in indices],
        responses=dict(training_data.responses),
        entity_synonyms=dict(training_data.entity_synonyms),
        regex_features=list(training_data.regex_features),
        lookup_tables=list(training_data.lookup_tables),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RasaYAMLWriter().dumps(subset), encoding="utf-8")
    return path


def duplicates_in_training(holdout: Sequence[Example], training: Sequence[Example]) -> List[bool]:
    """For each held-out example: does the same text (normalised) occur in the training data?"""
    seen: Dict[str, str] = {normalise(e.text): e.label for e in training}
    return [normalise(e.text) in seen for e in holdout]
