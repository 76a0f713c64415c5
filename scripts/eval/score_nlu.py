"""Score labelled question sets against a trained model, as a person would see the reply.

    python scripts/eval/score_nlu.py models/assistant.tar.gz tests/nlu_real.yml tests/nlu_fresh.yml
    python scripts/eval/score_nlu.py --misses models/assistant.tar.gz tests/nlu_real.yml

For each set: accuracy (the right topic answered, or an out-of-scope question refused), and for
in-scope questions the share answered with a wrong topic, refused outright, and offered a
"did you mean" menu (with how often the right topic was in it); out-of-scope refusals.
Accepts the Rasa NLU format (``nlu:``) and the real-question format (``questions:``). Where a
set also carries a second annotator's blind label (``second_label``), it also prints the accuracy
against either annotator: two careful people disagree on some questions, so the first author's
label alone undercounts answers a clinic would accept.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter

import yaml
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

REFUSALS = {"out_of_scope", "nlu_fallback"}


def load(path: str):
    document = yaml.safe_load(open(path, encoding="utf-8"))
    if "questions" in document:
        return [
            (q["text"], q["label"], q.get("second_label", q["label"]))
            for q in document["questions"]
        ]
    return [
        (line.strip()[2:], block["intent"], block["intent"])
        for block in document["nlu"]
        for line in block["examples"].splitlines()
        if line.strip()
    ]


def is_right(name: str, label: str) -> bool:
    return name in REFUSALS if label == "out_of_scope" else name == label


def main() -> None:
    args = sys.argv[1:]
    show_misses = "--misses" in args
    args = [a for a in args if a != "--misses"]
    agent = Agent.load(args[0])
    loop = asyncio.new_event_loop()
    for path in args[1:]:
        c: Counter = Counter()
        questions = load(path)
        for text, label, second_label in questions:
            parsed = loop.run_until_complete(
                agent.processor.parse_message(UserMessage(text, sender_id="score"))
            )
            name = parsed["intent"]["name"]
            if name == "faq":
                name = parsed["response_selector"]["faq"]["response"]["intent_response_key"]
            menu = parsed.get("did_you_mean") or []
            right = is_right(name, label)
            c["either"] += right or is_right(name, second_label)
            if show_misses and not right:
                print(f"MISS {label} -> {name} menu={menu}: {text}")
            c["n"] += 1
            if label == "out_of_scope":
                c["oos"] += 1
                c["ok"] += name in REFUSALS
                c["oos_refused"] += name in REFUSALS and not menu
            else:
                c["in"] += 1
                c["ok"] += name == label
                c["wrong"] += name not in REFUSALS and name != label
                c["refused"] += name in REFUSALS and not menu
                c["menu"] += bool(menu)
                c["menu_right"] += label in menu
        print(
            f"{path}: accuracy {c['ok'] / c['n']:.3f} ({c['ok']}/{c['n']}); in-scope wrong "
            f"{c['wrong'] / c['in']:.3f}, refused {c['refused'] / c['in']:.3f}, did-you-mean "
            f"{c['menu'] / c['in']:.3f} (right topic in it {c['menu_right']}/{c['menu']}); "
            f"out-of-scope refused {c['oos_refused']}/{c['oos']}"
        )
        if any(q[2] != q[1] for q in questions):
            agreement = sum(q[2] == q[1] for q in questions)
            print(
                f"{path}: accuracy against either annotator {c['either'] / c['n']:.3f} "
                f"({c['either']}/{c['n']}); the two annotators agree on {agreement}/{c['n']}"
            )


if __name__ == "__main__":
    main()
