"""Load generator: N concurrent multi-turn conversations against a REST channel, one phase.

    python scripts/bench/loadgen.py --url http://127.0.0.1:5505/webhooks/rest/webhook \\
        --concurrency 10 --duration 60 --messages questions.json --out phase.json

Runs in its own process (started by run_bench.py) so its CPU and memory are not the server's.
Only the standard library and aiohttp (already in the project's lock file).

Closed loop: each of the N virtual users holds one conversation at a time and sends the next
message as soon as the previous reply arrives (``--think-time`` adds a pause). A conversation:
sometimes a greeting, two to four questions drawn from the held-out set, after a reply with
buttons sometimes a button press (the payload sent back exactly as received, signature
included), sometimes a thank-you or goodbye. Each conversation gets a new sender id and, for
the per-address rate limit behind a trusted proxy, its own X-Real-IP.

Requests that start during ``--warmup`` are sent but not counted. After ``--duration`` no new
request starts; the ones in flight finish (or time out) and count.

Errors: HTTP status other than 200, client timeout, connection failure, a reply that is not a
non-empty JSON list of messages, and a "degraded" reply (the gateway's "having trouble" text,
sent when the model did not answer within its own timeout).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp


def percentile(ordered: List[float], p: float) -> Optional[float]:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def vm_hwm_kib(pid: str = "self") -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class Phase:
    def __init__(self, args: argparse.Namespace, material: Dict[str, List[str]]) -> None:
        self.args = args
        self.material = material
        self.start = 0.0
        self.measure_from = 0.0
        self.stop_at = 0.0
        self.latencies: List[float] = []  # seconds, successful counted requests
        self.error_latencies: List[float] = []
        self.errors: Dict[str, int] = {}
        self.error_samples: List[str] = []
        self.kinds: Dict[str, int] = {}
        self.counted = 0
        self.warmup_requests = 0
        self.conversations = 0
        self.last_done = 0.0
        self.conversation_ids = itertools.count(1)

    # -------------------------------------------------------------- one request
    async def send(
        self, session: aiohttp.ClientSession, sender: str, ip: str, text: str, kind: str
    ) -> Optional[List[Dict[str, Any]]]:
        started = time.perf_counter()
        counted = started >= self.measure_from
        error: Optional[str] = None
        detail = ""
        messages: Optional[List[Dict[str, Any]]] = None
        try:
            async with session.post(
                self.args.url,
                json={"sender": sender, "message": text},
                headers={"X-Real-IP": ip},
            ) as reply:
                body = await reply.read()
                if reply.status != 200:
                    error, detail = f"http_{reply.status}", body[:200].decode(errors="replace")
                else:
                    try:
                        messages = json.loads(body)
                    except ValueError:
                        error = "bad_json"
                    if error is None and (not isinstance(messages, list) or not messages):
                        error, messages = "empty_reply", None
                    elif (
                        error is None
                        and self.args.degraded_prefix
                        and any(
                            str(m.get("text", "")).startswith(self.args.degraded_prefix)
                            for m in messages
                        )
                    ):
                        error = "degraded_reply"
        except asyncio.TimeoutError:
            error = "timeout"
        except aiohttp.ClientError as exc:
            error, detail = "connection", type(exc).__name__
        elapsed = time.perf_counter() - started
        self.last_done = max(self.last_done, time.perf_counter())
        if not counted:
            self.warmup_requests += 1
        else:
            self.counted += 1
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
            if error is None:
                self.latencies.append(elapsed)
            else:
                self.errors[error] = self.errors.get(error, 0) + 1
                self.error_latencies.append(elapsed)
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{error} {kind} {text[:60]!r} {detail[:120]}")
        return messages if error is None else None

    # -------------------------------------------------------------- one virtual user
    async def user(self, session: aiohttp.ClientSession, number: int) -> None:
        rng = random.Random(self.args.seed * 1000 + number)
        if self.args.stagger:
            await asyncio.sleep(rng.random() * self.args.stagger)
        while time.perf_counter() < self.stop_at:
            conversation = next(self.conversation_ids)
            sender = f"bench-{self.args.label}-{os.getpid()}-{number}-{conversation}"
            ip = f"10.{(conversation >> 16) & 255}.{(conversation >> 8) & 255}.{conversation & 255}"
            if time.perf_counter() >= self.measure_from:
                self.conversations += 1  # conversations started in the measured window
            await self.conversation(session, rng, sender, ip)

    async def conversation(self, session, rng: random.Random, sender: str, ip: str) -> None:
        plan: List[str] = []
        if rng.random() < 0.3:
            plan.append("greeting")
        plan += ["question"] * rng.randint(2, 4)
        if rng.random() < 0.3:
            plan.append("closing")
        buttons: List[Dict[str, Any]] = []
        for step in plan:
            if time.perf_counter() >= self.stop_at:
                return
            if step == "question" and buttons and rng.random() < self.args.button_rate:
                button = rng.choice(buttons)
                text, kind = str(button["payload"]), "button"
            else:
                pool = {"greeting": "greetings", "closing": "closings"}.get(step, "questions")
                text, kind = rng.choice(self.material[pool]), step
            messages = await self.send(session, sender, ip, text, kind)
            if messages is None:
                return  # a failed turn ends the conversation
            buttons = [
                b
                for m in messages
                for b in (m.get("buttons") or [])
                if isinstance(b, dict) and b.get("payload")
            ]
            if self.args.think_time:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * self.args.think_time)

    # -------------------------------------------------------------- the phase
    async def run(self) -> Dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=self.args.timeout)
        connector = aiohttp.TCPConnector(limit=self.args.concurrency + 5)
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            self.start = time.perf_counter()
            self.measure_from = self.start + self.args.warmup
            self.stop_at = self.measure_from + self.args.duration
            await asyncio.gather(*(self.user(session, n) for n in range(self.args.concurrency)))
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        measured = max(self.last_done - self.measure_from, 1e-9)
        ordered = sorted(self.latencies)
        ms = lambda v: None if v is None else round(1000 * v, 1)  # noqa: E731
        return {
            "label": self.args.label,
            "url": self.args.url,
            "concurrency": self.args.concurrency,
            "duration_s": self.args.duration,
            "warmup_s": self.args.warmup,
            "think_time_s": self.args.think_time,
            "measured_s": round(measured, 2),
            "requests": self.counted,
            "ok": len(self.latencies),
            "errors": sum(self.errors.values()),
            "errors_by_kind": self.errors,
            "error_samples": self.error_samples,
            "warmup_requests": self.warmup_requests,
            "conversations": self.conversations,
            "turns_by_kind": self.kinds,
            "throughput_rps": round(len(self.latencies) / measured, 3),
            "latency_ms": {
                "p50": ms(percentile(ordered, 50)),
                "p90": ms(percentile(ordered, 90)),
                "p95": ms(percentile(ordered, 95)),
                "p99": ms(percentile(ordered, 99)),
                "max": ms(ordered[-1] if ordered else None),
                "mean": ms(sum(ordered) / len(ordered) if ordered else None),
            },
            "latencies_ms": [round(1000 * v, 2) for v in self.latencies],
            "loadgen_cpu_s": round(
                (cpu_after.ru_utime - cpu_before.ru_utime)
                + (cpu_after.ru_stime - cpu_before.ru_stime),
                2,
            ),
            "loadgen_vm_hwm_kib": vm_hwm_kib(),
        }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--duration", type=float, required=True, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds not counted")
    parser.add_argument(
        "--messages",
        type=Path,
        required=True,
        help='JSON {"greetings": [...], "questions": [...], "closings": [...]}',
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--label", default="bench")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout, seconds")
    parser.add_argument(
        "--think-time",
        type=float,
        default=0.0,
        help="mean pause between a reply and the next message (default none)",
    )
    parser.add_argument(
        "--button-rate",
        type=float,
        default=0.3,
        help="chance a question turn presses a button of the previous reply",
    )
    parser.add_argument(
        "--stagger", type=float, default=1.0, help="users start spread over this many seconds"
    )
    parser.add_argument(
        "--degraded-prefix", default="", help="a reply starting with this text counts as an error"
    )
    args = parser.parse_args(argv)
    material = json.loads(args.messages.read_text(encoding="utf-8"))
    for pool in ("greetings", "questions", "closings"):
        if not material.get(pool):
            parser.error(f"{args.messages} has no {pool}")
    result = asyncio.run(Phase(args, material).run())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result), encoding="utf-8")
    summary = {k: result[k] for k in ("label", "concurrency", "requests", "errors")}
    print(json.dumps({**summary, **result["latency_ms"], "rps": result["throughput_rps"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
