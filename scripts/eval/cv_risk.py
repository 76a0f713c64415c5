"""Cross-validated thresholds for the risk model, read the way it runs: clause by clause.

    python scripts/eval/cv_risk.py [--folds 5]

Splits the model's labelled messages (risk examples, safety cases, NLU questions) into folds;
for each fold it fits the model on the rest (with their negative clauses, as at build time) and
reads each held-out message as ``RiskModel.verdict`` does: the whole text and every clause, the
most likely clause decides. Prints crisis and emergency recall and false alarms (on every
negative, and on the hard negatives of the safety cases and risk examples) at a grid of
thresholds. The model alone: the rules, which run first, are not applied.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.model_selection import StratifiedKFold

from assistant.language.encoder import default_encoder
from assistant.safety.risk_model import (
    CRISIS,
    MEDICAL_EMERGENCY,
    NONE,
    RiskModel,
    case_paths,
    example_paths,
    labelled_messages,
    load_settings,
    reading_pieces,
    with_negative_clauses,
)

GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9)


def hard_negative_texts(settings) -> set:
    import yaml

    texts = set()
    for path in case_paths(settings):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            if case["expect"] not in (CRISIS, MEDICAL_EMERGENCY):
                texts.add(str(case["text"]))
    for path in example_paths(settings):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]:
            if entry["label"] == NONE:
                texts.add(str(entry["text"]))
    return texts


def cached_vectors(texts, cache_path: str) -> dict:
    import os

    known = {}
    if cache_path and os.path.exists(cache_path):
        saved = np.load(cache_path, allow_pickle=True)
        known = dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))
    missing = [t for t in texts if t not in known]
    if missing:
        known.update(zip(missing, default_encoder().encode(missing), strict=True))
        if cache_path:
            keys = list(known)
            np.savez(
                cache_path,
                texts=np.array(keys, dtype=object),
                vectors=np.array([known[k] for k in keys]),
            )
    return known


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a risk_model.yml setting (YAML value), e.g. C=3",
    )
    parser.add_argument("--vector-cache", default="", help="an .npz file to reuse encodings")
    args = parser.parse_args()
    import yaml

    settings = load_settings()
    for item in args.set:
        key, value = item.split("=", 1)
        settings[key] = yaml.safe_load(value)
    texts, labels = labelled_messages(settings)
    hard = hard_negative_texts(settings)
    pieces = {t: reading_pieces(t, settings) for t in texts}
    unique = sorted({p for ps in pieces.values() for p in ps} | set(texts))
    vectors = cached_vectors(unique, args.vector_cache)

    y = np.array(labels)
    best = {CRISIS: np.zeros(len(texts)), MEDICAL_EMERGENCY: np.zeros(len(texts))}
    folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=7)
    for number, (train, test) in enumerate(folds.split(texts, y), 1):
        fit_texts, fit_labels = with_negative_clauses(
            [texts[i] for i in train], [labels[i] for i in train], settings
        )
        model = RiskModel(settings)
        model.fit(fit_texts, np.array([vectors[t] for t in fit_texts]), fit_labels)
        columns = {label: model.labels.index(label) for label in best}
        for i in test:
            ps = pieces[texts[i]]
            if not ps:
                continue
            rows = model.probabilities(ps, np.array([vectors[p] for p in ps]))
            for label, column in columns.items():
                best[label][i] = rows[:, column].max()
        print(f"fold {number}/{args.folds} done", flush=True)

    negatives = y == NONE
    hard_mask = np.array([t in hard for t in texts]) & negatives
    print(
        f"messages {len(texts)}: crisis {sum(y == CRISIS)}, emergency {sum(y == MEDICAL_EMERGENCY)}"
    )
    print(f"negatives {negatives.sum()} (hard {hard_mask.sum()})")
    print("crisis_t emerg_t | crisis_recall emerg_recall | false_alarms all / hard")
    for tc in GRID:
        for te in GRID:
            emergency = best[MEDICAL_EMERGENCY] >= te
            crisis = (best[CRISIS] >= tc) & ~emergency
            urgent = crisis | emergency
            print(
                f"{tc:.2f} {te:.2f} | {crisis[y == CRISIS].mean():.3f} "
                f"{emergency[y == MEDICAL_EMERGENCY].mean():.3f} | "
                f"{urgent[negatives].mean():.3f} / {urgent[hard_mask].mean():.3f}"
            )


if __name__ == "__main__":
    main()
