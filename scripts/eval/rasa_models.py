"""Training NLU models with Rasa and reading their predictions through Agent.parse_message."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import yaml
from nlu_data import OUT_OF_SCOPE, catalogue_label

TRAINED_COMPONENTS = ("DIETClassifier", "ResponseSelector")


def quiet_rasa() -> None:
    """Rasa, TensorFlow and structlog at WARNING: the run's own progress lines stay readable."""
    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(logging.WARNING)
    try:
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)
    except ImportError:  # pragma: no cover - older Rasa
        pass
    for name in ("rasa", "tensorflow", "absl", "sanic", "urllib3", "matplotlib"):
        logging.getLogger(name).setLevel(logging.WARNING)


def load_config(path: Path) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def component(config: Dict[str, Any], name_suffix: str) -> Optional[Dict[str, Any]]:
    """The first pipeline component whose name ends with ``name_suffix``."""
    for item in config.get("pipeline") or []:
        if str(item.get("name", "")).endswith(name_suffix):
            return item
    return None


def write_config_variant(
    base: Path, out: Path, epochs: Optional[int] = None, seed: Optional[int] = None
) -> Path:
    """A copy of ``base`` with the epochs of DIET and ResponseSelector replaced (if given)
    and a random seed added where none is set (if given). Nothing else changes."""
    config = load_config(base)
    for item in config.get("pipeline") or []:
        if item.get("name") in TRAINED_COMPONENTS:
            if epochs is not None:
                item["epochs"] = int(epochs)
            if seed is not None:
                item.setdefault("random_seed", int(seed))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return out


@dataclass
class TrainedModel:
    path: Path
    wall_seconds: float
    cpu_seconds: float


def train_nlu_model(
    config: Path, nlu_data: Path, out_dir: Path, name: str, domain: Path
) -> TrainedModel:
    """Trains an NLU-only model (rasa.model_training.train_nlu) and times it."""
    from rasa.model_training import train_nlu

    out_dir.mkdir(parents=True, exist_ok=True)
    wall, cpu = time.perf_counter(), time.process_time()
    path = train_nlu(
        config=str(config),
        nlu_data=str(nlu_data),
        output=str(out_dir),
        fixed_model_name=name,
        domain=str(domain),
    )
    if not path:
        raise RuntimeError(f"training {name} produced no model")
    return TrainedModel(Path(path), time.perf_counter() - wall, time.process_time() - cpu)


@dataclass
class Reading:
    """What the model made of one message."""

    label: str  # the answer given: intent, faq/<topic>, out_of_scope for any refusal
    intent: Optional[str]  # the raw intent name (nlu_fallback kept)
    intent_confidence: float
    selector_confidence: Optional[float]  # response selector, when the intent is faq
    selector_runner_up: Optional[float]
    selector_key: Optional[str]
    seconds: float

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def reading_of(parse: Dict[str, Any], seconds: float = 0.0) -> Reading:
    intent = parse.get("intent") or {}
    name = intent.get("name")
    selectors = parse.get("response_selector") or {}
    retrieval = set(selectors.get("all_retrieval_intents") or [])
    selector = {}
    if name in retrieval or name == "faq":
        selector = selectors.get(name) or selectors.get("default") or {}
    response = selector.get("response") or {}
    ranking = selector.get("ranking") or []
    key = response.get("intent_response_key")
    if name in retrieval or name == "faq":
        label = intent.get("full_retrieval_intent_name") or key or str(name)
    elif name in (None, "", "nlu_fallback"):
        label = OUT_OF_SCOPE
    else:
        label = name
    return Reading(
        label=catalogue_label(label),
        intent=name,
        intent_confidence=float(intent.get("confidence") or 0.0),
        selector_confidence=float(response["confidence"]) if selector and response else None,
        selector_runner_up=float(ranking[1].get("confidence") or 0.0)
        if selector and len(ranking) > 1
        else (0.0 if selector else None),
        selector_key=key,
        seconds=seconds,
    )


def parse_all(model: Path, texts: Sequence[str]) -> List[Reading]:
    """Loads ``model`` with Agent.load and parses every text (custom components included)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run() -> List[Reading]:
        readings = []
        for text in texts:
            start = time.perf_counter()
            parse = await agent.parse_message(text)
            readings.append(reading_of(parse, time.perf_counter() - start))
        return readings

    readings = asyncio.run(run())
    agent = None
    gc.collect()
    return readings
