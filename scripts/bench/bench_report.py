"""reports/bench.md from the benchmark's results (see docs/evaluation.md for how to read it)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

P95_RATIO_MAX = 1.5
THROUGHPUT_RATIO_MIN = 0.8
ERROR_FREE_SECONDS = 120
ERROR_FREE_LEVEL = 50
COLD_START_MAX_S = 30.0
PRIMARY_LEVEL = 10


def fmt(value: Optional[float], unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def mib(kib: Optional[int]) -> str:
    return "n/a" if not kib else f"{kib / 1024:,.0f} MiB"


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None or b is None or b == 0:
        return None
    return a / b


def table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


def phase(results, name: str, level: int) -> Optional[Dict[str, Any]]:
    return results["phases"].get(name, {}).get(level)


def targets(results: Dict[str, Any]) -> List[Dict[str, str]]:
    rows = []
    a10, f10 = phase(results, "assistant", PRIMARY_LEVEL), phase(results, "floor", PRIMARY_LEVEL)
    if a10 and f10:
        r = ratio(a10["latency_ms"]["p95"], f10["latency_ms"]["p95"])
        rows.append(
            {
                "target": f"p95 latency at {PRIMARY_LEVEL} concurrent ≤ {P95_RATIO_MAX}× the floor",
                "measured": f"{fmt(a10['latency_ms']['p95'], ' ms')} vs "
                f"{fmt(f10['latency_ms']['p95'], ' ms')} = {fmt(r, '×', 2)}",
                "result": "PASS" if r is not None and r <= P95_RATIO_MAX else "FAIL",
            }
        )
        r = ratio(a10["throughput_rps"], f10["throughput_rps"])
        rows.append(
            {
                "target": f"throughput at {PRIMARY_LEVEL} concurrent ≥ {THROUGHPUT_RATIO_MIN}× "
                "the floor",
                "measured": f"{fmt(a10['throughput_rps'], ' req/s', 1)} vs "
                f"{fmt(f10['throughput_rps'], ' req/s', 1)} = {fmt(r, '×', 2)}",
                "result": "PASS" if r is not None and r >= THROUGHPUT_RATIO_MIN else "FAIL",
            }
        )
    else:
        rows.append(
            {
                "target": f"latency and throughput at {PRIMARY_LEVEL} concurrent vs floor",
                "measured": "not measured",
                "result": "NOT RUN",
            }
        )
    a50 = phase(results, "assistant", ERROR_FREE_LEVEL)
    if a50:
        long_enough = a50["duration_s"] >= ERROR_FREE_SECONDS
        errors = a50["errors"]
        result = "FAIL" if errors else ("PASS" if long_enough else "INCONCLUSIVE")
        rows.append(
            {
                "target": f"zero errors at {ERROR_FREE_LEVEL} concurrent for "
                f"{ERROR_FREE_SECONDS // 60} minutes",
                "measured": f"{errors} errors in {a50['requests']} requests over "
                f"{a50['duration_s']:g} s" + ("" if long_enough else " (phase too short)"),
                "result": result,
            }
        )
    cold = (results.get("cold_start") or {}).get("assistant")
    if cold:
        rows.append(
            {
                "target": f"cold start < {COLD_START_MAX_S:g} s "
                "(Rasa process start → first answer)",
                "measured": f"{cold['first_answer_s']:.1f} s (whole stack with the action server "
                f"first: {cold['stack_total_s']:.1f} s)",
                "result": "PASS"
                if cold["first_answer_ok"] and cold["first_answer_s"] < COLD_START_MAX_S
                else "FAIL",
            }
        )
    return rows


def target_lines(results: Dict[str, Any]) -> List[str]:
    return [f"{r['target']}: {r['measured']} -> {r['result']}" for r in targets(results)]


def render(results: Dict[str, Any]) -> str:
    args, machine, material = results["args"], results["machine"], results["material"]
    artifacts = args.get("artifacts", "reports/artifacts/bench")
    lines = [
        "# Load benchmark",
        "",
        "Written by `scripts/bench/run_bench.py` (`make bench`); do not edit by hand. How to "
        "read it: [docs/evaluation.md](../docs/evaluation.md).",
        "",
    ]
    if args["quick"]:
        lines += [
            "> **Quick smoke-test settings, not the real figures:** "
            f"{', '.join(f'{s:g}' for s in args['phase_seconds'])} s phases, "
            f"training copy with epochs {args['train_epochs']}. Run `make bench` for the real "
            "figures.",
            "",
        ]
    lines += [
        f"Run {machine['started']}, commit {machine.get('commit', '?')}, "
        f"{results['wall_minutes']:.1f} min. Machine: {machine['usable_cpus']} CPUs "
        f"({machine.get('cpu_model', '?')}), {machine.get('memory_gib', '?')} GiB memory; load "
        f"average {machine['load_average_start'][0]:.2f} at the start and "
        f"{machine['load_average_end'][0]:.2f} at the end. Server, action server and load "
        "generator share these CPUs.",
        "",
        "## Targets",
        "",
    ]
    lines += table(
        ["target", "measured", "result"],
        [[r["target"], r["measured"], f"**{r['result']}**"] for r in targets(results)],
    )
    if results.get("stale_inputs"):
        stale = results["stale_inputs"]
        lines += [
            "",
            f"> **The benchmarked model is older than {len(stale)} of its training inputs** "
            f"({', '.join(stale[:5])}{', ...' if len(stale) > 5 else ''}): it was benchmarked "
            "as found. Run `make train bench` to benchmark a model built from the current files.",
        ]
    lines += [
        "",
        "## How the load was made",
        "",
        "- **Servers.** Both started by `assistant.stack.Stack` with the same command line "
        "(`rasa run -m <model> --credentials credentials.yml --endpoints endpoints.yml -i "
        "127.0.0.1 -p <port>`), the same credentials.yml (the project's guarded REST and web "
        "channels, so the gateway's checks, masking and button signing run for both), the same "
        "endpoints.yml (response generator; SQL tracker store, each server on its own "
        "temporary SQLite file) and the same environment, "
        + (
            f"{args.get('workers', 1)} Sanic workers each, conversation locks in Redis. "
            if args.get("workers", 1) > 1
            else "Sanic workers at Rasa's default (1), conversation locks in memory. "
        )
        + "The "
        f"assistant runs `{args['model']}` with its action server; the floor runs the minimal "
        "bot.",
        "- **Floor.** scripts/bench/minimal_bot/: one intent, one response, no trained NLU "
        "(every message is `ask`), one rule. Same channel and tracker store type, so the "
        "ratios charge the assistant only for its model (spaCy pipeline, DIET, response "
        "selector, guards, safety override), its rules, its answers and its custom actions.",
        "- **Load generator.** scripts/bench/loadgen.py, an asyncio/aiohttp client in its own "
        "process (aiohttp is already in the lock file, so no second virtualenv). Closed loop: "
        "N virtual users, each one conversation at a time, the next message as soon as the "
        f"reply arrives (think time {args['think_time']:g} s), so the figures show capacity. "
        "Exact percentiles from every measured request.",
        f"- **Conversations.** From tests/nlu_holdout.yml: a greeting 30% of the time, then two "
        f"to four questions ({material['questions']} held-out messages over "
        f"{material['question_labels']} labels, {material['faq_questions']} of them FAQ), a "
        "button of the previous reply pressed instead of a typed question 30% of the time "
        "(signed payload sent back exactly), a thank-you or goodbye 30% of the time. Each "
        "conversation has its own sender id and, with `ASSISTANT_TRUST_PROXY=1`, its own "
        "X-Real-IP, so the per-address rate limit applies per simulated person.",
        f"- **Phases.** {', '.join(str(c) for c in args['levels'])} concurrent conversations "
        f"for {', '.join(f'{s:g}' for s in args['phase_seconds'])} s, after "
        f"{args['warmup']:g} s of uncounted warm-up each; assistant and floor phases alternate "
        "so load from other work on the machine hits both alike.",
        f"- **Errors.** HTTP status other than 200 (429 included), client timeout "
        f"({args['timeout']:g} s), connection errors, empty or malformed replies, and the "
        "gateway's \"having trouble\" reply (sent when the model misses the gateway's reply "
        "timeout).",
        "",
        "## Latency and throughput",
        "",
    ]
    rows = []
    for name in ("assistant", "floor"):
        for level in args["levels"]:
            p = phase(results, name, level)
            if not p:
                continue
            lat = p["latency_ms"]
            rows.append(
                [
                    name,
                    str(level),
                    f"{p['duration_s']:g}",
                    str(p["requests"]),
                    str(p["errors"]),
                    fmt(lat["p50"]),
                    fmt(lat["p95"]),
                    fmt(lat["p99"]),
                    fmt(lat["max"]),
                    fmt(p["throughput_rps"], digits=1),
                    str(p["conversations"]),
                    str(p["turns_by_kind"].get("button", 0)),
                    fmt(p["server_cpu_ms_per_request"], digits=1),
                    fmt(p["server_cpu_utilisation"], digits=2),
                    fmt(p.get("other_cpu_cores"), digits=2),
                ]
            )
    lines += table(
        [
            "server",
            "concurrent",
            "seconds",
            "requests",
            "errors",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "req/s",
            "conversations",
            "button presses",
            "server CPU ms/request",
            "server CPU (cores busy)",
            "other work on the machine (cores busy)",
        ],
        rows,
    )
    lines += [
        "",
        "Server CPU counts the Rasa process (and, for the assistant, the action server); "
        "1.00 means one core fully busy. A single Sanic worker runs the NLU pipeline on one "
        "core, so requests queue once that core is saturated and latency then grows with the "
        "number of concurrent conversations while throughput stays flat. *Other work* is the "
        "CPU used on the machine by everything except the servers and the load generator during "
        f"the phase (of {machine['usable_cpus']} cores): when it is high, the phase measured "
        "contention as much as the assistant.",
        "",
        "## The assistant relative to the floor",
        "",
    ]
    rows = []
    for level in args["levels"]:
        a, f = phase(results, "assistant", level), phase(results, "floor", level)
        if not (a and f):
            continue
        rows.append(
            [
                str(level),
                fmt(ratio(a["latency_ms"]["p50"], f["latency_ms"]["p50"]), "×", 2),
                fmt(ratio(a["latency_ms"]["p95"], f["latency_ms"]["p95"]), "×", 2),
                fmt(ratio(a["latency_ms"]["p99"], f["latency_ms"]["p99"]), "×", 2),
                fmt(ratio(a["throughput_rps"], f["throughput_rps"]), "×", 2),
                fmt(ratio(a["server_cpu_ms_per_request"], f["server_cpu_ms_per_request"]), "×", 1),
            ]
        )
    lines += (
        table(["concurrent", "p50", "p95", "p99", "throughput", "server CPU per request"], rows)
        if rows
        else ["Floor not run (`--skip-floor`)."]
    )

    errors = [
        (name, level, p)
        for name in ("assistant", "floor")
        for level, p in sorted(results["phases"].get(name, {}).items())
        if p["errors"]
    ]
    lines += ["", "## Errors", ""]
    if errors:
        for name, level, p in errors:
            kinds = ", ".join(f"{k} {v}" for k, v in p["errors_by_kind"].items())
            lines.append(f"- {name}, {level} concurrent: {kinds}")
            for sample in p["error_samples"][:3]:
                lines.append(f"  - `{sample}`")
    else:
        lines.append("None in any measured phase.")

    cold = results.get("cold_start") or {}
    lines += ["", "## Cold start", ""]
    lines += table(
        [
            "server",
            "action server start → health",
            "Rasa start → ready",
            "Rasa start → first answer",
            "first request alone",
        ],
        [
            [
                name,
                fmt(c.get("actions_ready_s"), " s", 1) if "actions_ready_s" in c else "–",
                fmt(c["rasa_ready_s"], " s", 1),
                fmt(c["first_answer_s"], " s", 1) + ("" if c["first_answer_ok"] else " (failed)"),
                fmt(1000 * c["first_request_s"], " ms"),
            ]
            for name, c in cold.items()
        ],
    )
    lines += [
        "",
        "Readiness is polled every 0.5 s (assistant.stack.wait_for), so start-up figures may "
        "be up to half a second high. The action server starts first and separately; the "
        "Rasa server does not wait for it. *First request alone* is the latency of the first "
        "message: the gateway builds its safety scanner and masking pipeline (spaCy) on first "
        "use; the assistant has already loaded them for its safety component while loading "
        "the model, the floor pays for them on its first message.",
        "",
        "## Training",
        "",
    ]
    training = results.get("training")
    rows = []
    if training:
        for key, label in (
            ("scratch", "from scratch (empty Rasa cache)"),
            ("one_line", "after a one-line data change (cache warm)"),
        ):
            t = training[key]
            rows.append(
                [
                    f"assistant, {label}",
                    fmt(t["wall_s"], " s"),
                    fmt(t["cpu_s"], " s"),
                    fmt(t["peak_rss_mib"], " MiB"),
                    "ok" if t["returncode"] == 0 else f"failed (rc {t['returncode']})",
                ]
            )
    floor = results.get("floor_training")
    if floor:
        rows.append(
            [
                "minimal bot, from scratch",
                fmt(floor["wall_s"], " s"),
                fmt(floor["cpu_s"], " s"),
                fmt(floor["peak_rss_mib"], " MiB"),
                "ok" if floor["returncode"] == 0 else "failed",
            ]
        )
    lines += (
        table(["`rasa train`", "wall", "CPU", "peak RSS", "result"], rows)
        if rows
        else ["Not run (`--skip-training`)."]
    )
    if training:
        lines += [
            "",
            f"In a temporary copy of config.yml, domain.yml and data/ (models/ and .rasa/ of "
            f"the project untouched); the change: {training['change']}."
            + (f" **Epochs overridden to {training['epochs']}.**" if training["epochs"] else "")
            + f" Model size: {fmt(training['scratch'].get('model_mb'), ' MB', 1)} (trained "
            f"copy), {fmt(training.get('shipped_model_mb'), ' MB', 1)} "
            f"({args['model']}); minimal bot {fmt((floor or {}).get('model_kb'), ' kB', 1)}.",
        ]

    lines += ["", "## Memory", ""]
    rows = []
    for name, processes in (results.get("memory") or {}).items():
        for key, m in processes.items():
            after = (cold.get(name) or {}).get("rss_after_start", {}).get(key)
            rows.append([f"{name}: {key}", mib(after), mib(m["peak_kib"]), str(m["processes"])])
    peaks = [
        p.get("loadgen_vm_hwm_kib")
        for phases in results["phases"].values()
        for p in phases.values()
        if p.get("loadgen_vm_hwm_kib")
    ]
    if peaks:
        rows.append(["load generator (largest phase)", "–", mib(max(peaks)), "1"])
    lines += table(["process", "RSS after start", "peak RSS (VmHWM)", "processes"], rows)
    lines += [
        "",
        "Peak RSS is /proc/<pid>/status VmHWM at the end of the run, summed over the process "
        "and its children; training peaks are in the training table.",
        "",
        "## Where targets fall short",
        "",
    ]
    lines += shortfalls(results)
    lines += [
        "",
        "## Files",
        "",
        f"- Per-phase results with every latency: `{artifacts}/phase-*.json` (gitignored); "
        f"summary: `{artifacts}/results.json`; server and training logs: `{artifacts}/logs/`.",
        "",
    ]
    return "\n".join(lines)


def shortfalls(results: Dict[str, Any]) -> List[str]:
    notes = []
    for row in targets(results):
        if row["result"] in ("PASS",):
            continue
        notes.append(f"- **{row['target']}**: {row['measured']} ({row['result']}).")
    if not notes:
        return ["Every target met."]
    a = {lvl: p for lvl, p in results["phases"].get("assistant", {}).items()}
    busiest = max(a.values(), key=lambda p: p["concurrency"]) if a else None
    if busiest:
        used = busiest["server_cpu_utilisation"] or 0.0
        others = busiest.get("other_cpu_cores")
        text = (
            f"- At {busiest['concurrency']} concurrent the assistant's server used "
            f"{fmt(used, digits=2)} cores for "
            f"{fmt(busiest['server_cpu_ms_per_request'], ' ms', 1)} of CPU per request"
        )
        if used >= 0.85:
            text += (
                ": one Sanic worker was CPU-bound, so throughput is capped at about 1000 / "
                "(CPU ms per request) replies per second and latency at high concurrency is "
                "mostly queueing."
            )
        else:
            text += (
                f", less than one core, while other work on the machine used "
                f"{fmt(others, digits=2)} cores: the server was short of CPU or waiting, "
                "so this phase says more about the machine than about the assistant."
            )
        notes.append(text)
    notes.append(
        "- Levers, none applied here (configuration is the project's call): more Rasa "
        "processes, as replicas behind the load balancer with shared REDIS_URL and "
        "TRACKER_STORE_URL (docs/deploy.md: one Sanic worker per replica; on two cores a second "
        "replica can use the second core); a cheaper model per message (reports/eval.md gives "
        "the NLU pipeline's own time per message; the difference in server CPU per request "
        "between assistant and floor is everything the assistant adds); faster start-up by "
        "loading fewer or smaller components. Keep the gateway's reply timeout "
        "(ASSISTANT_REPLY_TIMEOUT, 8 s) above the p99 at the expected peak so people get "
        'answers rather than the "having trouble" note.'
    )
    return notes
