"""NLU evaluation: trains the assistant and its baselines, scores them, writes reports/eval.md.

    python scripts/eval/run_eval.py            # full run (`make eval`), about 20-25 minutes
    python scripts/eval/run_eval.py --quick    # 5 epochs, one CV fold: a smoke test, about 5
                                               # minutes, report under reports/artifacts/quick/

In one run:
1. the assistant's NLU (config.yml) trained on data/, then every message of the held-out set
   (default tests/nlu_fresh.yml) parsed with Agent.load(model).parse_message, so the project's
   custom components (answer guard, payload gate, safety override) run;
2. stratified k-fold cross-validation on the training data with the same config;
3. out-of-scope refusal and low-confidence FAQ answers;
4. baselines on the same split: Rasa's default pipeline, TF-IDF nearest question (word and
   character n-grams);
5. a confusion matrix and a confidence histogram (PNG), and the Markdown report.

Nothing in models/, data/ or the project's .rasa/cache is touched: models are trained into a
temporary directory with their own Rasa cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENT = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
    "ACTION_SERVER_URL": "http://127.0.0.1:5555/webhook",
    "ACTION_SERVER_TOKEN": "",
    "CLINIC_SETTINGS": "tests/fixtures/clinic.test.yml",
    "TQDM_DISABLE": "1",  # no per-epoch progress bars in the log
}
for _name, _value in ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))  # the project's custom NLU components

import metrics  # noqa: E402
import nlu_data  # noqa: E402
import plots  # noqa: E402
import rasa_models  # noqa: E402
import report  # noqa: E402
import tfidf_baseline  # noqa: E402

from scripts.machine import machine_info as shared_machine_info  # noqa: E402

DEFAULT_BASELINE_CONFIG = Path(__file__).resolve().parent / "configs" / "rasa_default.yml"
QUICK_EPOCHS = 5
LOW_CONFIDENCE_FIXED = 0.6


def to_json(value: Any) -> Any:
    if isinstance(value, metrics.Rate):
        return {"hits": value.hits, "total": value.total, "value": value.value}
    return float(value)


def log(message: str) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"[eval {stamp}] {message}", flush=True)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_EPOCHS} epochs, one CV fold, report under "
        "reports/artifacts/quick/",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="override DIET/ResponseSelector epochs of every Rasa model "
        "(default: as configured; the report says so when overridden)",
    )
    parser.add_argument(
        "--cv-epochs",
        type=int,
        default=None,
        help="override epochs for the cross-validation models only",
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--run-folds", type=int, default=None, help="train only the first N folds (default: all)"
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the fold split")
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--no-rasa-baseline", action="store_true")
    parser.add_argument(
        "--no-shipped",
        action="store_true",
        help="skip the read-only check of models/assistant.tar.gz",
    )
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--domain", type=Path, default=Path("domain.yml"))
    # The independent set: written without sight of the training data and never tuned on.
    parser.add_argument("--holdout", type=Path, default=Path("tests/nlu_fresh.yml"))
    parser.add_argument("--shipped-model", type=Path, default=Path("models/assistant.tar.gz"))
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=None,
        help="where eval.md and the PNGs go (default reports/, or "
        "reports/artifacts/quick/ with --quick)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="keep trained models and fold files here (default: a temporary "
        "directory, removed at the end)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = QUICK_EPOCHS if args.epochs is None else args.epochs
        args.run_folds = 1 if args.run_folds is None else args.run_folds
    if args.out_dir is None:
        args.out_dir = Path("reports/artifacts/quick") if args.quick else Path("reports")
    args.run_folds = args.folds if args.run_folds is None else min(args.run_folds, args.folds)
    return args


# ------------------------------------------------------------------ machine and context
def machine_info() -> Dict[str, Any]:
    info = shared_machine_info()
    versions = {}
    for package in ("rasa", "tensorflow", "spacy", "scikit-learn", "matplotlib"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # noqa: BLE001 - informational only
            versions[package] = "?"
    info["versions"] = versions
    return info


@dataclass
class System:
    """One model or baseline and its held-out predictions."""

    key: str
    title: str
    description: str
    predicted: List[str] = field(default_factory=list)
    readings: Optional[List[rasa_models.Reading]] = None
    scores: Optional[List[float]] = None  # TF-IDF similarity of the nearest example
    train_wall: Optional[float] = None
    train_cpu: Optional[float] = None
    parse_seconds: Optional[float] = None


def thresholds_of(config_path: Path) -> Dict[str, Optional[float]]:
    config = rasa_models.load_config(config_path)
    guard = rasa_models.component(config, "AnswerConfidenceGuard") or {}
    fallback = rasa_models.component(config, "FallbackClassifier") or {}
    return {
        "guard_threshold": float(guard["threshold"]) if "threshold" in guard else None,
        "guard_ambiguity": float(guard.get("ambiguity_threshold", 0.0)) if guard else None,
        "fallback_threshold": float(fallback["threshold"]) if "threshold" in fallback else None,
        "fallback_ambiguity": float(fallback["ambiguity_threshold"])
        if "ambiguity_threshold" in fallback
        else None,
    }


def rasa_system(
    key: str, title: str, description: str, model, readings: List[rasa_models.Reading]
) -> System:
    return System(
        key=key,
        title=title,
        description=description,
        predicted=[r.label for r in readings],
        readings=readings,
        train_wall=model.wall_seconds if model else None,
        train_cpu=model.cpu_seconds if model else None,
        parse_seconds=sum(r.seconds for r in readings) / max(len(readings), 1),
    )


# ------------------------------------------------------------------ the run
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    os.chdir(PROJECT_ROOT)
    started = time.perf_counter()
    started_at = datetime.now(timezone.utc)
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="assistant-eval-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["RASA_CACHE_DIRECTORY"] = str(work / "rasa-cache")
    rasa_models.quiet_rasa()
    warnings.simplefilter("ignore")
    machine = machine_info()
    log(
        f"machine: {machine.get('usable_cpus')} CPUs, {machine.get('memory_gib')} GiB, "
        f"load {machine['load_average_start'][0]:.2f}; work dir {work}"
    )

    try:
        results = evaluate(args, work, machine)
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_average_end"] = os.getloadavg()
    results["run"]["wall_seconds"] = time.perf_counter() - started
    results["run"]["started"] = started_at.isoformat(timespec="seconds")

    out = args.out_dir
    artifacts = Path("reports/artifacts/quick") if args.quick else Path("reports/artifacts/eval")
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "results.json").write_text(
        json.dumps(results["json"], indent=2, default=to_json), encoding="utf-8"
    )
    markdown = report.render(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.md").write_text(markdown, encoding="utf-8")
    log(
        f"wrote {out / 'eval.md'} and {artifacts / 'results.json'} "
        f"({results['run']['wall_seconds'] / 60:.1f} min)"
    )
    for line in report.target_lines(results):
        log(line)
    return 0


def evaluate(args: argparse.Namespace, work: Path, machine: Dict[str, Any]) -> Dict[str, Any]:
    # Every model of the run trains on one snapshot of the data, even if data/ changes meanwhile.
    snapshot = work / "data"
    shutil.copytree(args.data, snapshot)
    data_label = args.data
    args.data = snapshot
    digest = hashlib.sha256()
    for path in sorted(snapshot.rglob("*.yml")):
        digest.update(path.relative_to(snapshot).as_posix().encode() + path.read_bytes())
    data_sha = digest.hexdigest()[:12]
    training = nlu_data.load_training_data(args.config, args.data, args.domain)
    train_examples = nlu_data.examples_of(training)
    holdout = nlu_data.load_holdout(args.holdout)
    texts = [e.text for e in holdout]
    truth = [nlu_data.catalogue_label(e.label) for e in holdout]
    duplicate = nlu_data.duplicates_in_training(holdout, train_examples)
    log(
        f"{len(train_examples)} training examples, {len(holdout)} held-out messages "
        f"({sum(duplicate)} also in the training data)"
    )

    assistant_config = args.config
    if args.epochs is not None:
        assistant_config = rasa_models.write_config_variant(
            args.config, work / "config.assistant.yml", epochs=args.epochs
        )
    cv_config = assistant_config
    if args.cv_epochs is not None:
        cv_config = rasa_models.write_config_variant(
            args.config, work / "config.cv.yml", epochs=args.cv_epochs
        )
    default_config = rasa_models.write_config_variant(
        DEFAULT_BASELINE_CONFIG, work / "config.rasa-default.yml", epochs=args.epochs, seed=42
    )
    thresholds = thresholds_of(args.config)
    systems: List[System] = []
    trainings: List[Dict[str, Any]] = []

    # 1. The assistant, trained now on data/ with config.yml.
    log(f"training the assistant's NLU ({assistant_config}) on {data_label}/ (snapshot)")
    model = rasa_models.train_nlu_model(
        assistant_config, args.data, work / "models", "assistant-nlu", args.domain
    )
    trainings.append(training_row("assistant NLU, all training data", model, args))
    log(f"  trained in {model.wall_seconds:.0f} s wall, {model.cpu_seconds:.0f} s CPU; parsing")
    assistant = rasa_system(
        "assistant",
        "assistant",
        f"config.yml{epochs_note(args.epochs)}, trained in this run",
        model,
        rasa_models.parse_all(model.path, texts),
    )
    systems.append(assistant)
    model_size = model.path.stat().st_size

    # 1b. The model in models/ as it is (read only): shows whether it is stale.
    if not args.no_shipped and args.shipped_model.exists():
        log(f"parsing with the shipped {args.shipped_model} (read only)")
        readings = rasa_models.parse_all(args.shipped_model, texts)
        systems.append(
            rasa_system(
                "shipped",
                "shipped model",
                f"{args.shipped_model} as found (not retrained)",
                None,
                readings,
            )
        )

    # 4a. Rasa's default pipeline on the same data.
    if not args.no_rasa_baseline:
        log("training baseline (a): Rasa's default pipeline")
        model = rasa_models.train_nlu_model(
            default_config, args.data, work / "models", "rasa-default-nlu", args.domain
        )
        trainings.append(training_row("Rasa default pipeline, all training data", model, args))
        systems.append(
            rasa_system(
                "rasa_default",
                "Rasa default",
                "`rasa init` default pipeline (scripts/eval/configs/rasa_default.yml)"
                + epochs_note(args.epochs),
                model,
                rasa_models.parse_all(model.path, texts),
            )
        )

    # 4b, 4c. TF-IDF nearest question.
    for key, title in (("tfidf_word", "TF-IDF word"), ("tfidf_char", "TF-IDF char")):
        baseline = tfidf_baseline.build(key).fit(
            [e.text for e in train_examples], [e.label for e in train_examples]
        )
        start = time.perf_counter()
        predicted, scores = baseline.predict(texts)
        systems.append(
            System(
                key=key,
                title=title,
                description=f"nearest training question, cosine, {baseline.describe()}",
                predicted=predicted,
                scores=scores,
                train_wall=baseline.fit_seconds,
                parse_seconds=(time.perf_counter() - start) / len(texts),
            )
        )

    # 2. Cross-validation on the training data.
    cv = None
    if not args.no_cv:
        cv = cross_validate(args, work, training, train_examples, cv_config, trainings)

    args.data_sha = data_sha
    return assemble(
        args,
        machine,
        holdout,
        truth,
        texts,
        duplicate,
        systems,
        thresholds,
        cv,
        trainings,
        model_size,
        len(train_examples),
    )


def epochs_note(epochs: Optional[int]) -> str:
    return f" with epochs overridden to {epochs}" if epochs is not None else ""


def training_row(what: str, model, args) -> Dict[str, Any]:
    return {
        "what": what,
        "wall_seconds": model.wall_seconds,
        "cpu_seconds": model.cpu_seconds,
        "epochs": args.epochs,
    }


def cross_validate(args, work, training, train_examples, cv_config, trainings) -> Dict[str, Any]:
    labels = [e.label for e in train_examples]
    folds = nlu_data.stratified_folds(labels, args.folds, args.seed)
    rows = []
    similarities: List[float] = []
    for number, (train_idx, test_idx) in enumerate(folds, start=1):
        test_texts = [train_examples[i].text for i in test_idx]
        test_truth = [nlu_data.catalogue_label(train_examples[i].label) for i in test_idx]
        row: Dict[str, Any] = {
            "fold": number,
            "train": len(train_idx),
            "test": len(test_idx),
            "assistant": None,
            "train_wall": None,
        }
        # The TF-IDF baselines are cheap: every fold, whatever --run-folds says.
        for key in ("tfidf_word", "tfidf_char"):
            baseline = tfidf_baseline.build(key).fit(
                [train_examples[i].text for i in train_idx], [labels[i] for i in train_idx]
            )
            predicted, scores = baseline.predict(test_texts)
            row[key] = metrics.accuracy(test_truth, predicted).value
            if key == "tfidf_char":
                similarities += scores
        if number <= args.run_folds:
            log(
                f"cross-validation fold {number}/{args.folds}: training on {len(train_idx)}, "
                f"testing on {len(test_idx)}"
            )
            fold_dir = work / f"fold{number}"
            fold_file = nlu_data.write_subset(training, train_idx, fold_dir / "nlu.yml")
            model = rasa_models.train_nlu_model(
                cv_config, fold_file, fold_dir, "model", args.domain
            )
            trainings.append(training_row(f"CV fold {number} (assistant config)", model, args))
            readings = rasa_models.parse_all(model.path, test_texts)
            row["assistant"] = metrics.accuracy(test_truth, [r.label for r in readings]).value
            row["train_wall"] = model.wall_seconds
            log(
                f"  fold {number}: assistant {row['assistant']:.3f}, TF-IDF word "
                f"{row['tfidf_word']:.3f}, char {row['tfidf_char']:.3f}"
            )
            shutil.rmtree(fold_dir, ignore_errors=True)
        rows.append(row)
    summary = {
        key: metrics.mean_sd([row[key] for row in rows if row[key] is not None])
        for key in ("assistant", "tfidf_word", "tfidf_char")
    }
    return {
        "folds": args.folds,
        "run_folds": args.run_folds,
        "seed": args.seed,
        "config": str(cv_config),
        "epochs": args.cv_epochs if args.cv_epochs is not None else args.epochs,
        "rows": rows,
        "summary": summary,
        "similarity": metrics.quartiles(similarities),
    }


# ------------------------------------------------------------------ scores, pictures, JSON
def assemble(
    args,
    machine,
    holdout,
    truth,
    texts,
    duplicate,
    systems,
    thresholds,
    cv,
    trainings,
    model_size,
    n_training,
) -> Dict[str, Any]:
    unseen = [not d for d in duplicate]
    scored = {}
    for system in systems:
        scored[system.key] = {
            "title": system.title,
            "description": system.description,
            "accuracy": metrics.accuracy(truth, system.predicted),
            "accuracy_unseen": metrics.accuracy(truth, system.predicted, unseen),
            "macro_f1": metrics.macro_f1(truth, system.predicted),
            "per_label": metrics.per_label(truth, system.predicted),
            "confusions": metrics.confusions(truth, system.predicted, texts),
            "refusal": metrics.refusal_rate(truth, system.predicted),
            "false_refusal": metrics.false_refusal_rate(truth, system.predicted),
            "train_wall": system.train_wall,
            "train_cpu": system.train_cpu,
            "parse_seconds": system.parse_seconds,
        }

    assistant = next(s for s in systems if s.key == "assistant")
    confidence = confidence_summary(assistant, truth, thresholds)
    baselines = [s.key for s in systems if s.key in ("rasa_default", "tfidf_word", "tfidf_char")]
    best_baseline = max(baselines, key=lambda k: scored[k]["accuracy"].value) if baselines else None

    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    pictures = {
        "confusion": plots.confusion_matrix_png(
            truth,
            assistant.predicted,
            out / "eval-confusion.png",
            f"Assistant on {args.holdout.name} (n={len(truth)}): rows = true label, "
            "shade = share of row, red numbers = mistakes",
        ),
        "confidence": plots.confidence_histogram_png(
            {
                "intent confidence (all held-out messages)": {
                    "correct": [
                        r.intent_confidence
                        for r, t in zip(assistant.readings, truth, strict=True)
                        if r.label == t
                    ],
                    "wrong": [
                        r.intent_confidence
                        for r, t in zip(assistant.readings, truth, strict=True)
                        if r.label != t
                    ],
                },
                "response-selector confidence (FAQ answers given)": {
                    "correct": confidence["faq_correct"],
                    "wrong": confidence["faq_wrong"],
                },
            },
            {
                "intent confidence (all held-out messages)": {
                    "FallbackClassifier threshold": thresholds["fallback_threshold"],
                },
                "response-selector confidence (FAQ answers given)": {
                    "AnswerConfidenceGuard threshold": thresholds["guard_threshold"],
                    "fixed line": LOW_CONFIDENCE_FIXED,
                },
            },
            out / "eval-confidence.png",
            "Assistant confidence on the held-out set (green correct, red wrong)",
        ),
    }

    predictions = []
    for i, example in enumerate(holdout):
        row = {"text": example.text, "true": example.label, "in_training_data": duplicate[i]}
        for system in systems:
            row[system.key] = system.predicted[i]
            if system.readings is not None:
                reading = system.readings[i]
                row[f"{system.key}_intent"] = reading.intent
                row[f"{system.key}_intent_confidence"] = round(reading.intent_confidence, 4)
                if reading.selector_confidence is not None:
                    row[f"{system.key}_selector_confidence"] = round(reading.selector_confidence, 4)
            if system.scores is not None:
                row[f"{system.key}_similarity"] = round(system.scores[i], 4)
        predictions.append(row)
    artifacts = Path("reports/artifacts/quick") if args.quick else Path("reports/artifacts/eval")
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "predictions.json").write_text(
        json.dumps(predictions, indent=1, ensure_ascii=False), encoding="utf-8"
    )

    summary_json = {
        key: {
            "accuracy": value["accuracy"].value,
            "accuracy_unseen": value["accuracy_unseen"].value,
            "macro_f1": value["macro_f1"],
            "oos_refusal": value["refusal"].value,
            "false_refusal": value["false_refusal"].value,
            "train_wall_seconds": value["train_wall"],
        }
        for key, value in scored.items()
    }
    return {
        "run": {
            "quick": args.quick,
            "epochs": args.epochs,
            "cv_epochs": args.cv_epochs,
            "holdout": str(args.holdout),
            "data_sha": args.data_sha,
            "config": str(args.config),
            "out_dir": str(out),
            "artifacts": str(artifacts),
        },
        "machine": machine,
        "holdout": {
            "n": len(holdout),
            "labels": len(set(truth)),
            "duplicates": sum(duplicate),
            "n_training": n_training,
            "similarity": metrics.quartiles(
                next((s.scores for s in systems if s.key == "tfidf_char"), None) or []
            ),
        },
        "systems": scored,
        "order": [s.key for s in systems],
        "best_baseline": best_baseline,
        "thresholds": thresholds,
        "confidence": confidence,
        "cv": cv,
        "trainings": trainings,
        "model_size": model_size,
        "pictures": {k: str(v.relative_to(out)) for k, v in pictures.items()},
        "json": {
            "summary": summary_json,
            "confidence": {k: v for k, v in confidence.items() if not isinstance(v, list)},
            "cv": cv,
            "trainings": trainings,
            "machine": machine,
        },
    }


def confidence_summary(assistant: System, truth, thresholds) -> Dict[str, Any]:
    """Low-confidence FAQ answers: answers given (intent faq) whose selector confidence is low."""
    answers = [
        (r, t)
        for r, t in zip(assistant.readings, truth, strict=True)
        if r.intent == "faq" and r.selector_confidence is not None
    ]
    guard = thresholds.get("guard_threshold")
    below_guard = sum(1 for r, _ in answers if guard is not None and r.selector_confidence < guard)
    below_fixed = sum(1 for r, _ in answers if r.selector_confidence < LOW_CONFIDENCE_FIXED)
    wrong_below_fixed = sum(
        1 for r, t in answers if r.selector_confidence < LOW_CONFIDENCE_FIXED and r.label != t
    )
    faq_truth = [
        (r, t) for r, t in zip(assistant.readings, truth, strict=True) if t.startswith("faq/")
    ]
    return {
        "faq_answers": len(answers),
        "below_guard": metrics.Rate(below_guard, len(answers)),
        "below_fixed": metrics.Rate(below_fixed, len(answers)),
        "wrong_below_fixed": wrong_below_fixed,
        "wrong_answers": sum(1 for r, t in answers if r.label != t),
        "faq_questions_refused": metrics.Rate(
            sum(1 for r, _ in faq_truth if r.label == nlu_data.OUT_OF_SCOPE), len(faq_truth)
        ),
        "guard_threshold": guard,
        "fixed_threshold": LOW_CONFIDENCE_FIXED,
        "faq_correct": [r.selector_confidence for r, t in answers if r.label == t],
        "faq_wrong": [r.selector_confidence for r, t in answers if r.label != t],
    }


if __name__ == "__main__":
    sys.exit(main())
