"""Add a scored real-question set to the training data, each question under its label.

    python scripts/eval/add_real_questions.py tests/nlu_real_2.yml [more sets]

Only for a set whose first-run figures are recorded (docs/understanding.md): after this it is
training data. FAQ labels go to ``data/faq/<topic>.yml``, other intents to
``data/nlu/<intent>.yml``; a question already present (case-insensitive) is skipped.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from assistant.paths import PROJECT_ROOT


def training_file(label: str) -> Path:
    if label.startswith("faq/"):
        return PROJECT_ROOT / "data" / "faq" / f"{label.split('/', 1)[1]}.yml"
    return PROJECT_ROOT / "data" / "nlu" / f"{label}.yml"


def existing_examples(text: str) -> set:
    return {
        line.strip()[2:].strip().lower() for line in text.splitlines() if line.startswith("    - ")
    }


def append_examples(path: Path, intent: str, questions: list) -> int:
    text = path.read_text(encoding="utf-8")
    header = re.search(rf"^- intent: {re.escape(intent)}\n  examples: \|\n", text, re.M)
    if header is None:
        raise SystemExit(f"{path}: no examples block for {intent}")
    lines = text[header.end() :].split("\n")
    count = 0
    while count < len(lines) and lines[count].startswith("    - "):
        count += 1
    seen = existing_examples(text)
    new = []
    for question in questions:
        flat = " ".join(question.split())
        if flat and flat.lower() not in seen:
            seen.add(flat.lower())
            new.append(f"    - {flat}")
    lines[count:count] = new
    path.write_text(text[: header.end()] + "\n".join(lines), encoding="utf-8")
    return len(new)


def main() -> None:
    by_label: dict = {}
    for set_path in sys.argv[1:]:
        for q in yaml.safe_load(Path(set_path).read_text(encoding="utf-8"))["questions"]:
            by_label.setdefault(q["label"], []).append(str(q["text"]))
    for label, questions in sorted(by_label.items()):
        added = append_examples(training_file(label), label, questions)
        print(f"{label}: {added} added")


if __name__ == "__main__":
    main()
