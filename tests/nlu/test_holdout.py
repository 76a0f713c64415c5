"""Held-out NLU check: messages never used in training (tests/nlu_holdout.yml).

Prints accuracy per topic and intent and fails below 90% overall. A prediction is the intent,
or for `faq` the chosen topic (`faq/<topic>`); `nlu_fallback` counts as `out_of_scope`, and
`delete_conversation` (which offers to delete at once) as the catalogue's `faq/privacy`.
"""

import asyncio
from collections import Counter, defaultdict

import yaml

from assistant.paths import PROJECT_ROOT

HOLDOUT = PROJECT_ROOT / "tests" / "nlu_holdout.yml"
MIN_ACCURACY = 0.90


def holdout_examples():
    document = yaml.safe_load(HOLDOUT.read_text(encoding="utf-8"))
    for block in document["nlu"]:
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield block["intent"], line[2:].strip()


def predicted_label(parse) -> str:
    intent = parse["intent"]["name"]
    if intent == "faq":
        return parse["intent"].get("full_retrieval_intent_name") or "faq"
    if intent == "delete_conversation":
        return "faq/privacy"
    return "out_of_scope" if intent == "nlu_fallback" else intent


def test_holdout_accuracy(agent):
    loop = asyncio.get_event_loop()
    per_label = defaultdict(lambda: [0, 0])
    confusions = Counter()
    for label, text in holdout_examples():
        predicted = predicted_label(loop.run_until_complete(agent.parse_message(text)))
        per_label[label][0] += 1
        per_label[label][1] += predicted == label
        if predicted != label:
            confusions[(label, predicted)] += 1
    total = sum(n for n, _ in per_label.values())
    correct = sum(c for _, c in per_label.values())
    print(f"\nheld-out accuracy: {correct}/{total} = {correct / total:.3f}")
    for label, (n, c) in sorted(per_label.items()):
        print(f"  {label:32s} {c}/{n} = {c / n:.2f}")
    for (label, predicted), count in confusions.most_common(10):
        print(f"  confused: {label} -> {predicted} ({count})")
    assert total >= 5 * 44, "the held-out file lost examples"
    assert all(n >= 5 for n, _ in per_label.values())
    assert correct / total >= MIN_ACCURACY
