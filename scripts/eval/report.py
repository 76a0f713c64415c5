"""reports/eval.md from the evaluation's results (see docs/evaluation.md for how to read it)."""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

from metrics import Rate

TARGET_ACCURACY = 0.95
TARGET_MARGIN = 0.10
TARGET_REFUSAL = 0.90
SAFETY_LABELS = ("crisis", "medical_emergency", "recreational_use", "out_of_scope")


def pct(value: Optional[float], digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{100 * value:.{digits}f}%"


def rate(r: Rate, ci: bool = True) -> str:
    if not r.total:
        return "n/a"
    text = f"{pct(r.value)} ({r.hits}/{r.total})"
    if ci:
        low, high = r.interval
        text += f" [{pct(low, 0)}–{pct(high, 0)}]"
    return text


def seconds(value: Optional[float]) -> str:
    if value is None:
        return "–"
    return f"{value:.0f} s" if value >= 10 else f"{value:.2f} s"


def mean_sd(pair) -> str:
    mean, sd = pair
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    return pct(mean) + (f" ± {100 * sd:.1f}" if sd is not None else " (one fold)")


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def targets(results: Dict[str, Any]) -> List[Dict[str, str]]:
    systems = results["systems"]
    assistant = systems["assistant"]
    rows = [
        {
            "target": f"held-out accuracy ≥ {pct(TARGET_ACCURACY, 0)}",
            "measured": rate(assistant["accuracy"]),
            "result": verdict(assistant["accuracy"].value >= TARGET_ACCURACY),
        }
    ]
    best = results.get("best_baseline")
    if best:
        margin = assistant["accuracy"].value - systems[best]["accuracy"].value
        rows.append(
            {
                "target": f"≥ {100 * TARGET_MARGIN:.0f} points above the best baseline",
                "measured": f"{100 * margin:+.1f} points over {systems[best]['title']} "
                f"({pct(systems[best]['accuracy'].value)})",
                "result": verdict(margin >= TARGET_MARGIN),
            }
        )
    rows.append(
        {
            "target": f"out-of-scope refusal ≥ {pct(TARGET_REFUSAL, 0)}",
            "measured": rate(assistant["refusal"]),
            "result": verdict(assistant["refusal"].value >= TARGET_REFUSAL),
        }
    )
    return rows


def target_lines(results: Dict[str, Any]) -> List[str]:
    return [f"{r['target']}: {r['measured']} -> {r['result'].strip('*')}" for r in targets(results)]


def table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


def render(results: Dict[str, Any]) -> str:
    run, machine, holdout = results["run"], results["machine"], results["holdout"]
    systems, order = results["systems"], results["order"]
    conf, thresholds = results["confidence"], results["thresholds"]
    lines: List[str] = [
        "# NLU evaluation",
        "",
        "Written by `scripts/eval/run_eval.py` (`make eval`); do not edit by hand. How to read "
        "it: [docs/evaluation.md](../docs/evaluation.md).",
        "",
    ]
    if run["quick"] or run["epochs"] is not None or run["cv_epochs"] is not None:
        lines += [
            "> **Not the project's real figures.** "
            + ("Quick smoke-test settings: " if run["quick"] else "Overridden settings: ")
            + (
                f"DIET/ResponseSelector epochs {run['epochs']} instead of config.yml's; "
                if run["epochs"] is not None
                else ""
            )
            + (
                f"cross-validation epochs {run['cv_epochs']}; "
                if run["cv_epochs"] is not None
                else ""
            )
            + (
                f"{results['cv']['run_folds']} of {results['cv']['folds']} CV folds run. "
                if results.get("cv")
                else ""
            )
            + "Run `make eval` for the real figures.",
            "",
        ]
    commit = machine.get("commit", "?") + (" (uncommitted changes)" if machine.get("dirty") else "")
    lines += [
        f"Run {run['started']} (UTC) at commit {commit}, training data snapshot sha256 "
        f"{run['data_sha']}, {run['wall_seconds'] / 60:.1f} min. "
        f"Machine: {machine.get('usable_cpus')} CPUs ({machine.get('cpu_model', '?')}), "
        f"{machine.get('memory_gib', '?')} GiB memory; load average "
        f"{machine['load_average_start'][0]:.2f} at the start, "
        f"{machine['load_average_end'][0]:.2f} at the end (other work on the machine slows "
        "training times, not the accuracy figures).",
        "",
        "## Targets",
        "",
    ]
    lines += table(
        ["target", "measured (95% interval)", "result"],
        [[r["target"], r["measured"], r["result"]] for r in targets(results)],
    )
    lines += [
        "",
        f"The held-out set is small ({holdout['n']} messages, {holdout['labels']} labels; "
        f"{systems['assistant']['refusal'].total} out-of-scope): one message moves the accuracy "
        f"by {100 / holdout['n']:.1f} points and the refusal rate by "
        f"{100 / max(systems['assistant']['refusal'].total, 1):.0f}. The interval in brackets "
        "is the 95% Wilson interval.",
        "",
        "## Overall, held-out set",
        "",
        f"`{run['holdout']}`: {holdout['n']} messages, never used for training. "
        f"**{holdout['duplicates']} of them ({pct(holdout['duplicates'] / holdout['n'])}) also "
        "occur in the training data** (same words after lower-casing and dropping punctuation), "
        "so the *unseen only* column, which leaves them out, is the fairer measure of "
        "generalisation.",
        "",
    ]
    lines += closeness(results)
    rows = []
    for key in order:
        s = systems[key]
        rows.append(
            [
                f"**{s['title']}**" if key == "assistant" else s["title"],
                s["description"],
                rate(s["accuracy"]),
                rate(s["accuracy_unseen"], ci=False),
                f"{s['macro_f1']:.3f}",
                rate(s["refusal"], ci=False),
                rate(s["false_refusal"], ci=False),
                seconds(s["train_wall"]),
                f"{1000 * s['parse_seconds']:.1f}" if s["parse_seconds"] is not None else "–",
            ]
        )
    lines += table(
        [
            "system",
            "what it is",
            "accuracy [95% interval]",
            "unseen only",
            "macro-F1",
            "out-of-scope refused",
            "in-scope refused",
            "training (wall)",
            "ms / message",
        ],
        rows,
    )

    # Per label.
    lines += [
        "",
        "## Per topic and intent",
        "",
        "Correct / messages for each true label (recall); *precision* is the assistant's share "
        "of correct answers among the messages it gave that label. Labels below 80% for the "
        "assistant are in bold.",
        "",
    ]
    labels = sorted(systems["assistant"]["per_label"])
    rows = []
    for label in labels:
        a = systems["assistant"]["per_label"][label]
        name = f"**{label}**" if a["recall"] < 0.8 else label
        row = [name, str(a["support"])]
        for key in order:
            p = systems[key]["per_label"][label]
            row.append(f"{p['correct']}/{p['support']}")
        row.append(pct(a["precision"], 0))
        rows.append(row)
    lines += table(
        ["label", "n"] + [systems[k]["title"] for k in order] + ["assistant precision"], rows
    )

    # Safety.
    lines += ["", "### Safety-critical labels", ""]
    rows = []
    for label in SAFETY_LABELS:
        if label not in systems["assistant"]["per_label"]:
            continue
        row = [label]
        for key in order:
            p = systems[key]["per_label"][label]
            row.append(f"{p['correct']}/{p['support']} (precision {pct(p['precision'], 0)})")
        rows.append(row)
    lines += table(["label"] + [systems[k]["title"] for k in order], rows)

    # Confusions.
    lines += ["", "## Most common confusions", "", "Assistant (true → answered as):", ""]
    lines += confusion_table(systems["assistant"]["confusions"])
    best = results.get("best_baseline")
    if best:
        lines += ["", f"Best baseline, {systems[best]['title']}:", ""]
        lines += confusion_table(systems[best]["confusions"][:8])

    # Cross-validation.
    cv = results.get("cv")
    lines += ["", "## Cross-validation on the training data", ""]
    if cv:
        lines += [
            f"{cv['folds']}-fold, stratified by label, shuffled with seed {cv['seed']}; "
            f"{cv['run_folds']} fold(s) run. Each fold trains the assistant's config "
            f"(`{cv['config']}`"
            + (f", epochs {cv['epochs']}" if cv["epochs"] is not None else ", as configured")
            + f") on {results['cv']['rows'][0]['train'] if cv['rows'] else '?'} examples and "
            "parses the rest with Agent.parse_message. The TF-IDF baselines use the same folds; "
            "Rasa's default pipeline is not cross-validated (another five trainings).",
            "",
        ]
        rows = [
            [
                str(r["fold"]),
                str(r["train"]),
                str(r["test"]),
                pct(r["assistant"]),
                pct(r["tfidf_word"]),
                pct(r["tfidf_char"]),
                seconds(r["train_wall"]),
            ]
            for r in cv["rows"]
        ]
        summary = cv["summary"]
        rows.append(
            [
                "**mean ± sd**",
                "",
                "",
                f"**{mean_sd(summary['assistant'])}**",
                mean_sd(summary["tfidf_word"]),
                mean_sd(summary["tfidf_char"]),
                "",
            ]
        )
        lines += table(
            ["fold", "train", "test", "assistant", "TF-IDF word", "TF-IDF char", "training"],
            rows,
        )
    else:
        lines += ["Not run (`--no-cv`)."]

    # Refusals and confidence.
    lines += [
        "",
        "## Refusals and answer confidence (assistant)",
        "",
        f"- Out-of-scope messages refused (answered `out_of_scope` or `nlu_fallback`): "
        f"{rate(systems['assistant']['refusal'])}.",
        f"- In-scope messages refused (the cost of refusing): "
        f"{rate(systems['assistant']['false_refusal'])}; FAQ questions refused: "
        f"{rate(conf['faq_questions_refused'])}.",
        f"- FAQ answers given (final intent `faq`): {conf['faq_answers']}, of which "
        f"{conf['wrong_answers']} name the wrong topic.",
        f"- Given with response-selector confidence below the AnswerConfidenceGuard threshold "
        f"({conf['guard_threshold']}): {rate(conf['below_guard'])}"
        " (the guard should make this 0).",
        f"- Given with response-selector confidence below {conf['fixed_threshold']}: "
        f"{rate(conf['below_fixed'])}; {conf['wrong_below_fixed']} of these are wrong.",
        f"- Thresholds in config.yml: FallbackClassifier {thresholds['fallback_threshold']} "
        f"(ambiguity {thresholds['fallback_ambiguity']}), AnswerConfidenceGuard "
        f"{thresholds['guard_threshold']} (ambiguity {thresholds['guard_ambiguity']}).",
        "",
        f"![Confusion matrix]({results['pictures']['confusion']})",
        "",
        f"![Confidence histogram]({results['pictures']['confidence']})",
        "",
    ]

    # Training time and machine.
    lines += ["## Training time", ""]
    lines += table(
        ["model", "wall", "CPU (all threads)", "epochs"],
        [
            [
                t["what"],
                seconds(t["wall_seconds"]),
                seconds(t["cpu_seconds"]),
                str(t["epochs"]) if t["epochs"] is not None else "as configured",
            ]
            for t in results["trainings"]
        ],
    )
    lines += [
        "",
        f"NLU-only models (`rasa.model_training.train_nlu`), trained in this process with a "
        f"fresh Rasa cache. Assistant NLU model: {results['model_size'] / 1e6:.1f} MB. Full "
        "`rasa train` times (NLU and dialogue, from scratch and after a one-line change) are "
        "in reports/bench.md.",
        "",
        "## Machine",
        "",
    ]
    versions = ", ".join(f"{k} {v}" for k, v in machine.get("versions", {}).items())
    lines += table(
        ["", ""],
        [
            ["CPUs", f"{machine.get('usable_cpus')} usable of {machine.get('cpu_count')}"],
            ["CPU model", machine.get("cpu_model", "?")],
            ["memory", f"{machine.get('memory_gib', '?')} GiB"],
            [
                "load average (1/5/15 min) at start",
                " / ".join(f"{x:.2f}" for x in machine["load_average_start"]),
            ],
            ["load average at end", " / ".join(f"{x:.2f}" for x in machine["load_average_end"])],
            ["Python", f"{machine.get('python')} on {machine.get('platform')}"],
            ["packages", versions],
        ],
    )
    lines += [
        "",
        "## Files",
        "",
        f"- Every held-out message with each system's answer and confidence: "
        f"`{run['artifacts']}/predictions.json` (gitignored).",
        f"- Summary numbers: `{run['artifacts']}/results.json`.",
        "",
    ]
    return "\n".join(lines)


def confusion_table(confusions: List[Dict[str, Any]]) -> List[str]:
    if not confusions:
        return ["No mistakes."]
    rows = [
        [
            f"{c['true']} → {c['predicted']}",
            str(c["count"]),
            "; ".join(f"“{e}”" for e in c["examples"]),
        ]
        for c in confusions
    ]
    return table(["confusion", "n", "examples"], rows)


def closeness(results: Dict[str, Any]) -> List[str]:
    """How near the held-out messages are to the training data, against CV test folds."""
    held = results["holdout"].get("similarity")
    cv = (results.get("cv") or {}).get("similarity")
    if not held:
        return []

    def describe(q: Dict[str, float]) -> str:
        return (
            f"median {q['median']:.2f} (quartiles {q['q1']:.2f}–{q['q3']:.2f}), "
            f"{pct(q['share_at_least_0.8'], 0)} at 0.8 or above"
        )

    text = (
        "Closeness to the training data (cosine similarity of character TF-IDF vectors to the "
        f"nearest training example): held-out messages {describe(held)}"
    )
    if cv:
        text += (
            f"; cross-validation test examples against their fold's training examples "
            f"{describe(cv)}. When the held-out set sits much closer to the training data than "
            "the folds do, the held-out accuracy measures recognition of near-paraphrases more "
            "than generalisation, and the cross-validation figures below are the harder test"
        )
    return [text + ".", ""]
