"""Score one safety case file (the suite's YAML format): rules alone and the full NLU pipeline.

Used to record a new set's first-run figures before anything is tuned on it:
    python scripts/eval/score_safety.py CASES.yml [--model models/assistant.tar.gz]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

import yaml

from tests.safety.suite import Case, score


def load(path: Path) -> list[Case]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return [Case(e["text"], e["expect"], e.get("category", "-"), path.stem) for e in entries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cases", type=Path)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    cases = load(args.cases)

    from assistant.safety import default_scanner

    scanner = default_scanner()

    def rules(text):
        result = scanner.scan(text)
        return result.verdict, result.personal_advice

    from assistant.safety.check import default_safety_check

    safety = default_safety_check()
    assert safety.risk_model is not None, safety.model_error

    def rules_and_model(text):
        result = safety.scan(text)
        return result.verdict, result.personal_advice

    checks = {"rules alone": rules, "rules + risk model": rules_and_model}
    if args.model:
        from rasa.core.agent import Agent
        from rasa.core.channels.channel import UserMessage

        agent = Agent.load(str(args.model))
        loop = asyncio.new_event_loop()

        def pipeline(text):
            parsed = loop.run_until_complete(
                agent.processor.parse_message(UserMessage(text, sender_id="score"))
            )
            intent = parsed["intent"]["name"]
            urgent = ("crisis", "medical_emergency", "recreational_use")
            advice = any(e["entity"] == "personal_advice" for e in parsed["entities"])
            return (intent if intent in urgent else None), advice

        checks["full NLU pipeline"] = pipeline
    for title, run in checks.items():
        timings = []

        def timed(text, run=run, timings=timings):
            start = time.perf_counter()
            try:
                return run(text)
            finally:
                timings.append((time.perf_counter() - start) * 1000)

        result = score(cases, timed)
        print(result.report(f"{args.cases.name}: {title}"))
        print(
            f"  time per message: {statistics.median(timings):.1f} ms median, "
            f"{statistics.quantiles(timings, n=20)[-1]:.1f} ms p95 (in-process, one thread)"
        )
        for case, verdict in result.misses:
            print(f"  MISS [{case.expect}/{case.category}] -> {verdict}: {case.text[:110]}")
        print()


if __name__ == "__main__":
    main()
