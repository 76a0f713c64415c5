"""The answer catalogue as data: every FAQ answer with its variants, sources and review record.

Read by the sources action, the content checks in tests/ and the content review report, so
they all see the same thing as Rasa does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from assistant.paths import PROJECT_ROOT

FAQ_DIR = PROJECT_ROOT / "data" / "faq"
SOURCES_FILE = PROJECT_ROOT / "content" / "sources.yml"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: Optional[str]


@dataclass(frozen=True)
class Answer:
    """One FAQ answer (``utter_faq/<topic>``) and its review record."""

    topic: str
    response: str
    variants: Tuple[Dict[str, Any], ...]
    examples: Tuple[str, ...]
    sources: Tuple[str, ...]
    last_reviewed: str
    reviewer_role: str
    approved_sha256: str
    path: Path = field(repr=False)

    @property
    def intent(self) -> str:
        return f"faq/{self.topic}"

    def fingerprint(self) -> str:
        """SHA-256 of the exact text and buttons of every variant (what approval covers)."""
        return fingerprint(self.variants)


def fingerprint(variants) -> str:
    canonical = json.dumps(list(variants), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _examples(block: str) -> Tuple[str, ...]:
    return tuple(
        line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")
    )


def load_answer(path: Path) -> Answer:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    topic = path.stem
    response = f"utter_faq/{topic}"
    nlu = [n for n in document.get("nlu", []) if n.get("intent") == f"faq/{topic}"]
    review = (document.get("review") or {}).get(response) or {}
    return Answer(
        topic=topic,
        response=response,
        variants=tuple((document.get("responses") or {}).get(response) or ()),
        examples=_examples(nlu[0]["examples"]) if nlu else (),
        sources=tuple(review.get("sources") or ()),
        last_reviewed=str(review.get("last_reviewed", "")),
        reviewer_role=str(review.get("reviewer_role", "")),
        approved_sha256=str(review.get("approved_sha256", "")),
        path=path,
    )


@cache
def answers() -> Dict[str, Answer]:
    """Every FAQ answer by topic name."""
    return {path.stem: load_answer(path) for path in sorted(FAQ_DIR.glob("*.yml"))}


@cache
def sources() -> Dict[str, Source]:
    document = yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8"))
    return {
        key: Source(id=key, title=value["title"], url=value.get("url"))
        for key, value in (document.get("sources") or {}).items()
    }


@cache
def domain_responses() -> Dict[str, List[Dict[str, Any]]]:
    """The responses in domain.yml (conversation and safety replies)."""
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")).get("responses") or {}


def all_responses() -> Dict[str, List[Dict[str, Any]]]:
    """Domain responses and FAQ answers together, by response name."""
    merged = dict(domain_responses())
    merged.update({a.response: list(a.variants) for a in answers().values()})
    return merged
