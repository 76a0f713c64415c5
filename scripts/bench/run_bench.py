"""Benchmark: the assistant's REST channel under load, against a minimal Rasa bot as the floor.

    python scripts/bench/run_bench.py            # full run (`make bench`), about 20 minutes
    python scripts/bench/run_bench.py --quick    # 10 s phases, 2-epoch training: smoke test,
                                                 # report under reports/artifacts/quick/

In one run:
1. training time: `rasa train` from scratch in a temporary copy of the project (its own Rasa
   cache, so models/ and .rasa/ are untouched), then again after a one-line data change;
2. the minimal bot (scripts/bench/minimal_bot/) trained in a temporary directory;
3. both servers started (assistant: action server + Rasa on models/assistant.tar.gz; floor:
   Rasa on the minimal model) with identical flags, credentials.yml, endpoints.yml and
   environment; cold start = process start to the first answer on the REST channel;
4. for each concurrency (default 1, 10, 50 for 60, 60, 120 s) a load phase against the
   assistant, then the same against the floor, each driven by scripts/bench/loadgen.py in its
   own process;
5. peak RSS (VmHWM) of every process, server CPU per request, reports/bench.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(__file__).resolve().parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("CLINIC_SETTINGS", "tests/fixtures/clinic.test.yml")

import bench_report  # noqa: E402
import procinfo  # noqa: E402
import yaml  # noqa: E402

from assistant.stack import VENV_BIN, Stack, base_env, post_json  # noqa: E402
from scripts.machine import machine_info  # noqa: E402

REST_PATH = "/webhooks/rest/webhook"
ONE_LINE_CHANGE = ("data/faq/cost.yml", "    - roughly what would a whole course cost me\n")
# Labels of tests/nlu_holdout.yml used to open and close conversations; the rest are questions.
GREETINGS = ("greet",)
CLOSINGS = ("thank", "goodbye")
REPLIES = ("affirm", "deny")  # typed answers to "was this helpful?": sent as button presses


def log(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10 s phases, 2 s warm-up, 2-epoch training copy; report under "
        "reports/artifacts/quick/",
    )
    parser.add_argument(
        "--concurrency",
        default="1,10,50",
        help="comma-separated concurrent conversations per phase",
    )
    parser.add_argument(
        "--durations",
        default="60,60,120",
        help="measured seconds per phase (one value, or one per concurrency)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds at the start of each phase that are not counted",
    )
    parser.add_argument(
        "--think-time",
        type=float,
        default=0.0,
        help="mean pause between reply and next message (default 0: capacity)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout, seconds")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rasa-port", type=int, default=5505)
    parser.add_argument("--actions-port", type=int, default=5555)
    parser.add_argument("--floor-port", type=int, default=5506)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--holdout", type=Path, default=PROJECT_ROOT / "tests" / "nlu_holdout.yml")
    parser.add_argument(
        "--skip-training",
        action="store_true",
        help="skip the from-scratch and one-line-change training runs",
    )
    parser.add_argument(
        "--train-epochs",
        type=int,
        default=None,
        help="override DIET/ResponseSelector epochs in the training copy",
    )
    parser.add_argument("--skip-floor", action="store_true", help="no minimal-bot comparison")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="Sanic workers of each server (more than 1 shares conversation locks in Redis: "
        "REDIS_URL, default redis://127.0.0.1:6379)",
    )
    parser.add_argument("--out-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        if args.durations == "60,60,120":
            args.durations = "10"
        args.warmup = min(args.warmup, 2.0)
        args.train_epochs = 2 if args.train_epochs is None else args.train_epochs
    args.levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    durations = [float(d) for d in args.durations.split(",") if d.strip()]
    if len(durations) == 1:
        durations *= len(args.levels)
    if len(durations) != len(args.levels):
        parser.error("--durations needs one value or one per --concurrency value")
    args.phase_seconds = durations
    if args.out_dir is None:
        args.out_dir = PROJECT_ROOT / ("reports/artifacts/quick" if args.quick else "reports")
    args.artifacts = PROJECT_ROOT / (
        "reports/artifacts/quick/bench" if args.quick else "reports/artifacts/bench"
    )
    return args


# ------------------------------------------------------------------ helpers
def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def timed_command(args: List[str], cwd: Path, env: Dict[str, str], log_file: Path) -> Dict:
    """Runs a command; wall time, CPU time and peak RSS of the process tree (wait4 rusage)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "wb") as output:
        start = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "returncode": process.returncode,
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 0),
        "log": str(log_file.relative_to(PROJECT_ROOT)),
    }


def override_epochs(config_path: Path, epochs: int) -> None:
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for item in config.get("pipeline") or []:
        if item.get("name") in ("DIETClassifier", "ResponseSelector"):
            item["epochs"] = epochs
    for item in config.get("policies") or []:
        if "epochs" in item:
            item["epochs"] = epochs
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def degraded_prefix() -> str:
    """The start of the gateway's "having trouble" reply, up to its first placeholder."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    text = domain["responses"]["utter_service_trouble"][0]["text"]
    return re.split(r"[{.]", text, maxsplit=1)[0].strip()


def build_material(holdout: Path, out: Path) -> Dict[str, Any]:
    """The conversation material from the held-out set, grouped for the load generator."""
    document = yaml.safe_load(holdout.read_text(encoding="utf-8"))
    pools: Dict[str, List[str]] = {"greetings": [], "questions": [], "closings": []}
    labels: Dict[str, int] = {}
    for block in document["nlu"]:
        label = block["intent"]
        texts = [
            line.strip()[2:].strip()
            for line in block["examples"].splitlines()
            if line.strip().startswith("- ")
        ]
        if label in GREETINGS:
            pools["greetings"] += texts
        elif label in CLOSINGS:
            pools["closings"] += texts
        elif label in REPLIES:
            continue
        else:
            pools["questions"] += texts
            labels[label] = labels.get(label, 0) + len(texts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(pools, ensure_ascii=False, indent=1), encoding="utf-8")
    return {
        "greetings": len(pools["greetings"]),
        "questions": len(pools["questions"]),
        "closings": len(pools["closings"]),
        "question_labels": len(labels),
        "faq_questions": sum(n for k, n in labels.items() if k.startswith("faq/")),
    }


def stale_inputs(model: Path) -> List[str]:
    """Training inputs changed after the model was built (the Makefile's own list)."""
    built = model.stat().st_mtime
    inputs = [PROJECT_ROOT / "config.yml", PROJECT_ROOT / "domain.yml"]
    inputs += sorted((PROJECT_ROOT / "data").rglob("*.yml"))
    inputs.append(PROJECT_ROOT / "assistant" / "language" / "terms.yml")
    return [
        str(path.relative_to(PROJECT_ROOT))
        for path in inputs
        if path.exists() and path.stat().st_mtime > built
    ]


# ------------------------------------------------------------------ training
def training_benchmark(args, work: Path) -> Dict[str, Any]:
    """`rasa train` from scratch in a temporary copy, then after a one-line data change."""
    copy = work / "project-copy"
    copy.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(PROJECT_ROOT / name, copy / name)
    shutil.copytree(PROJECT_ROOT / "data", copy / "data")
    (copy / "build").symlink_to(PROJECT_ROOT / "build")  # the spaCy pipeline, read only
    if args.train_epochs is not None:
        override_epochs(copy / "config.yml", args.train_epochs)
    env = base_env({"RASA_CACHE_DIRECTORY": str(copy / ".rasa" / "cache")})
    command = [
        str(VENV_BIN / "rasa"),
        "train",
        "--fixed-model-name",
        "assistant",
        "--out",
        str(copy / "models"),
    ]
    logs = args.artifacts / "logs"
    log("training from scratch in a temporary copy of the project")
    scratch = timed_command(command, copy, env, logs / "train-scratch.log")
    model = copy / "models" / "assistant.tar.gz"
    scratch["model_mb"] = round(model.stat().st_size / 1e6, 1) if model.exists() else None
    log(f"  {scratch['wall_s']} s wall, {scratch['cpu_s']} s CPU, rc {scratch['returncode']}")

    path, line = ONE_LINE_CHANGE
    target = copy / path
    text = target.read_text(encoding="utf-8")
    marker = "  examples: |\n"
    target.write_text(text.replace(marker, marker + line, 1), encoding="utf-8")
    log(f"training again after adding one example to {path}")
    changed = timed_command(command, copy, env, logs / "train-one-line.log")
    log(f"  {changed['wall_s']} s wall, {changed['cpu_s']} s CPU, rc {changed['returncode']}")
    shipped = args.model
    return {
        "scratch": scratch,
        "one_line": changed,
        "change": f"one example added to {path}: {line.strip()!r}",
        "epochs": args.train_epochs,
        "shipped_model_mb": round(shipped.stat().st_size / 1e6, 1) if shipped.exists() else None,
    }


def build_minimal_bot(args, work: Path) -> Dict[str, Any]:
    bot = work / "minimal_bot"
    shutil.copytree(BENCH_DIR / "minimal_bot", bot)
    env = base_env(
        {
            "PYTHONPATH": f"{PROJECT_ROOT}{os.pathsep}{bot}",
            "RASA_CACHE_DIRECTORY": str(bot / ".rasa" / "cache"),
        }
    )
    log("training the minimal bot")
    result = timed_command(
        [
            str(VENV_BIN / "rasa"),
            "train",
            "--fixed-model-name",
            "minimal",
            "--out",
            str(bot / "models"),
        ],
        bot,
        env,
        args.artifacts / "logs" / "train-minimal.log",
    )
    model = bot / "models" / "minimal.tar.gz"
    if result["returncode"] != 0 or not model.exists():
        raise RuntimeError(f"minimal bot did not train; see {result['log']}")
    result["model"] = model
    result["model_kb"] = round(model.stat().st_size / 1e3, 1)
    result["dir"] = bot
    return result


# ------------------------------------------------------------------ servers
LOCK_DB = {"assistant": 5, "floor": 6}  # Redis databases for --workers above 1


def server_env(
    work: Path, name: str, workers: int, extra: Optional[Dict[str, str]] = None
) -> Dict[str, str]:
    """What both servers get (only the tracker database file and lock namespace differ)."""
    redis = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379"
    locks = (
        # Several workers must share each conversation's lock: Redis, one database per server.
        {"SANIC_WORKERS": str(workers), "REDIS_URL": f"{redis.rstrip('/')}/{LOCK_DB[name]}"}
        if workers > 1
        else {"REDIS_URL": ""}  # one process: Rasa's in-memory conversation lock
    )
    return {
        "CLINIC_SETTINGS": os.environ.get("CLINIC_SETTINGS", "tests/fixtures/clinic.test.yml"),
        # One load-generator machine stands for many people: behind the trusted proxy each
        # simulated conversation has its own address, so the per-address limit applies per
        # person as in production instead of throttling the whole benchmark.
        "ASSISTANT_TRUST_PROXY": "1",
        "TRACKER_DB": str(work / f"{name}-conversations.db"),
        "TRACKER_STORE_URL": "",  # SQLite file above, whatever the calling shell says
        **locks,
        **(extra or {}),
    }


def first_answer(url: str) -> Dict[str, Any]:
    start = time.perf_counter()
    status, _, body = post_json(
        url + REST_PATH,
        {
            "sender": f"bench-coldstart-{os.getpid()}-{int(time.time())}",
            "message": "what is ketamine",
        },
        headers={"X-Real-IP": "10.255.255.254"},
        timeout=60,
    )
    return {
        "status": status,
        "seconds": time.perf_counter() - start,
        "answered": status == 200 and isinstance(body, list) and bool(body),
    }


def start_server(stack: Stack, name: str, with_actions: bool) -> Dict[str, Any]:
    """Starts the stack's processes, timing process start to health and to the first answer."""
    result: Dict[str, Any] = {}
    if with_actions:
        start = time.perf_counter()
        stack.start_actions()
        result["actions_ready_s"] = time.perf_counter() - start
    start = time.perf_counter()
    stack.start_rasa()
    result["rasa_ready_s"] = time.perf_counter() - start
    answer = first_answer(stack.rasa_url)
    result["first_answer_s"] = time.perf_counter() - start
    result["first_request_s"] = answer["seconds"]
    result["first_answer_ok"] = answer["answered"]
    result["stack_total_s"] = result["first_answer_s"] + result.get("actions_ready_s", 0.0)
    log(
        f"{name}: Rasa ready after {result['rasa_ready_s']:.1f} s, first answer after "
        f"{result['first_answer_s']:.1f} s"
    )
    time.sleep(1)
    result["rss_after_start"] = {
        key: procinfo.tree_memory(process.pid).rss_kib for key, process in stack.processes.items()
    }
    return result


def run_phase(
    args, name: str, stack: Stack, concurrency: int, seconds: float, material: Path, prefix: str
) -> Dict[str, Any]:
    out = args.artifacts / f"phase-{name}-c{concurrency}.json"
    pids = {key: process.pid for key, process in stack.processes.items()}
    cpu_before = {key: procinfo.tree_cpu(pid) for key, pid in pids.items()}
    machine_before = procinfo.machine_busy_seconds()
    command = [
        sys.executable,
        str(BENCH_DIR / "loadgen.py"),
        "--url",
        stack.rasa_url + REST_PATH,
        "--concurrency",
        str(concurrency),
        "--duration",
        str(seconds),
        "--warmup",
        str(args.warmup),
        "--messages",
        str(material),
        "--out",
        str(out),
        "--label",
        name,
        "--seed",
        str(args.seed),
        "--timeout",
        str(args.timeout),
        "--think-time",
        str(args.think_time),
        "--degraded-prefix",
        prefix,
    ]
    log(
        f"{name}: {concurrency} concurrent conversations for {seconds:g} s "
        f"(+{args.warmup:g} s warm-up)"
    )
    wall = time.perf_counter()
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + args.warmup + args.timeout + 120,
    )
    wall = time.perf_counter() - wall
    if completed.returncode != 0 or not out.exists():
        raise RuntimeError(f"load generator failed: {completed.stderr[-2000:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    cpu = {key: procinfo.tree_cpu(pid) - cpu_before[key] for key, pid in pids.items()}
    result["server_cpu_s"] = {key: round(value, 2) for key, value in cpu.items()}
    result["phase_wall_s"] = round(wall, 1)
    total_cpu = sum(cpu.values())
    result["server_cpu_ms_per_request"] = (
        round(1000 * total_cpu / result["requests"], 1) if result["requests"] else None
    )
    result["server_cpu_utilisation"] = round(total_cpu / max(wall, 1e-9), 2)
    machine_after = procinfo.machine_busy_seconds()
    if machine_before is not None and machine_after is not None:
        # Cores kept busy by everything else on the machine (other people's work): the noise.
        others = (machine_after - machine_before) - total_cpu - result["loadgen_cpu_s"]
        result["other_cpu_cores"] = round(max(others, 0.0) / max(wall, 1e-9), 2)
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    lat = result["latency_ms"]
    log(
        f"  {result['requests']} requests, {result['errors']} errors, p50 {lat['p50']} ms, "
        f"p95 {lat['p95']} ms, p99 {lat['p99']} ms, {result['throughput_rps']} req/s"
    )
    return result


def peak_memory(stack: Stack) -> Dict[str, Dict[str, Any]]:
    memory = {}
    for key, process in stack.processes.items():
        tree = procinfo.tree_memory(process.pid)
        memory[key] = {
            "peak_kib": tree.peak_kib,
            "rss_kib": tree.rss_kib,
            "processes": tree.processes,
        }
    return memory


# ------------------------------------------------------------------ the run
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    os.chdir(PROJECT_ROOT)
    machine = machine_info()
    started = time.perf_counter()
    log(
        f"machine: {machine['usable_cpus']} CPUs, {machine.get('memory_gib')} GiB, load "
        f"{machine['load_average_start'][0]:.2f}"
    )
    ports = [args.rasa_port, args.actions_port] + ([] if args.skip_floor else [args.floor_port])
    busy = [p for p in ports if not port_free(p)]
    if busy:
        print(
            f"error: ports in use: {busy}; choose others with --rasa-port/--actions-port/"
            "--floor-port",
            file=sys.stderr,
        )
        return 2
    if not args.model.exists():
        print(f"error: {args.model} is missing; run `make train` first", file=sys.stderr)
        return 2

    stale = stale_inputs(args.model)
    if stale:
        log(
            f"warning: {args.model.name} is older than {len(stale)} training input(s), "
            f"e.g. {stale[0]}; benchmarking it as it is"
        )
    args.artifacts.mkdir(parents=True, exist_ok=True)
    for old in args.artifacts.glob("phase-*.json"):
        old.unlink()
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    material = args.artifacts / "conversation-material.json"
    results: Dict[str, Any] = {
        "args": {
            "quick": args.quick,
            "levels": args.levels,
            "phase_seconds": args.phase_seconds,
            "warmup": args.warmup,
            "think_time": args.think_time,
            "timeout": args.timeout,
            "seed": args.seed,
            "model": str(args.model.relative_to(PROJECT_ROOT))
            if args.model.is_relative_to(PROJECT_ROOT)
            else str(args.model),
            "ports": {
                "rasa": args.rasa_port,
                "actions": args.actions_port,
                "floor": args.floor_port,
            },
            "train_epochs": args.train_epochs,
            "workers": args.workers,
            "artifacts": str(args.artifacts.relative_to(PROJECT_ROOT)),
        },
        "machine": machine,
        "stale_inputs": stale,
        "material": build_material(args.holdout, material),
        "phases": {"assistant": {}, "floor": {}},
    }
    prefix = degraded_prefix()
    stacks: Dict[str, Stack] = {}
    try:
        if not args.skip_training:
            results["training"] = training_benchmark(args, work)
        logs = args.artifacts / "logs"
        stacks["assistant"] = Stack(
            rasa_port=args.rasa_port,
            actions_port=args.actions_port,
            model=args.model,
            log_dir=logs,
            with_actions=True,
            with_web=False,
            env=server_env(work, "assistant", args.workers),
        )
        if not args.skip_floor:
            minimal = build_minimal_bot(args, work)
            results["floor_training"] = {
                k: v for k, v in minimal.items() if k not in ("model", "dir")
            }
            stacks["floor"] = Stack(
                rasa_port=args.floor_port,
                actions_port=args.actions_port,
                model=minimal["model"],
                log_dir=logs,
                with_actions=False,
                with_web=False,
                env=server_env(
                    work,
                    "floor",
                    args.workers,
                    {"PYTHONPATH": f"{PROJECT_ROOT}{os.pathsep}{minimal['dir']}"},
                ),
            )
        results["cold_start"] = {}
        for name, stack in stacks.items():
            log(f"starting the {name} server")
            results["cold_start"][name] = start_server(stack, name, stack.with_actions)

        for concurrency, seconds in zip(args.levels, args.phase_seconds, strict=True):
            for name, stack in stacks.items():  # interleaved: drift on the machine hits both
                results["phases"][name][concurrency] = run_phase(
                    args, name, stack, concurrency, seconds, material, prefix
                )
                time.sleep(2)
        results["memory"] = {name: peak_memory(stack) for name, stack in stacks.items()}
    finally:
        for stack in stacks.values():
            stack.stop()
        shutil.rmtree(work, ignore_errors=True)

    machine["load_average_end"] = os.getloadavg()
    results["wall_minutes"] = (time.perf_counter() - started) / 60
    summary = {key: value for key, value in results.items() if key != "phases"}
    summary["phases"] = {
        name: {
            c: {k: v for k, v in phase.items() if k != "latencies_ms"}
            for c, phase in phases.items()
        }
        for name, phases in results["phases"].items()
    }
    (args.artifacts / "results.json").write_text(
        json.dumps(summary, indent=2, default=str), encoding="utf-8"
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    markdown = bench_report.render(results)
    (args.out_dir / "bench.md").write_text(markdown, encoding="utf-8")
    log(f"wrote {args.out_dir / 'bench.md'} ({results['wall_minutes']:.1f} min)")
    for line in bench_report.target_lines(results):
        log(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
