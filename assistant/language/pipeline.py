"""The project's own spaCy pipeline, built in code (no pretrained model is downloaded).

Blank English with the lookup lemmatizer from spacy-lookups-data and an EntityRuler for the
domain terms in ``terms.yml`` (medicines and their classes, other substances, conditions, routes
and ketamine products). It is saved under ``build/spacy/`` and Rasa's ``SpacyNLP`` loads it by
path; the safety scanner runs on the same pipeline.

    python -m assistant.language.pipeline            # build if missing or out of date
    python -m assistant.language.pipeline --force    # rebuild
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import yaml

from assistant.paths import SPACY_PIPELINE_DIR

TERMS_FILE = Path(__file__).with_name("terms.yml")
ENTITY_LABELS = ("medication", "substance", "condition", "route", "product")
_FINGERPRINT_FILE = "terms.sha256"


@dataclass(frozen=True)
class Term:
    """One recognised domain term."""

    label: str
    name: str
    display: str
    drug_class: Optional[str]
    aliases: tuple


def load_terms(path: Path = TERMS_FILE) -> List[Term]:
    """Reads ``terms.yml``."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms: List[Term] = []
    for label in ENTITY_LABELS:
        for entry in document.get(label, []):
            aliases = tuple(str(alias).lower() for alias in entry["aliases"])
            terms.append(
                Term(
                    label=label,
                    name=entry["name"],
                    display=entry.get("display", entry["name"]),
                    drug_class=entry.get("class"),
                    aliases=aliases,
                )
            )
    return terms


@cache
def term_index() -> Dict[str, Term]:
    """Alias (lower case) to term, for turning an entity's text back into its term."""
    return {alias: term for term in load_terms() for alias in term.aliases}


def _patterns(terms: Iterable[Term]) -> List[dict]:
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    patterns = []
    for term in terms:
        for alias in term.aliases:
            tokens = [{"LOWER": token.lower_} for token in tokenizer(alias)]
            patterns.append({"label": term.label, "pattern": tokens, "id": term.name})
    return patterns


def _terms_fingerprint() -> str:
    return hashlib.sha256(TERMS_FILE.read_bytes()).hexdigest()


def build_pipeline(output_dir: Path = SPACY_PIPELINE_DIR) -> Path:
    """Builds and saves the pipeline; returns its directory."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True})
    nlp.initialize()  # loads the lemma lookup table from spacy-lookups-data
    ruler.add_patterns(_patterns(load_terms()))
    nlp.meta["name"] = output_dir.name
    nlp.meta["description"] = "Ketamine clinic assistant: lemmas and domain-term entities."
    output_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output_dir)
    (output_dir / _FINGERPRINT_FILE).write_text(_terms_fingerprint(), encoding="utf-8")
    return output_dir


def is_up_to_date(output_dir: Path = SPACY_PIPELINE_DIR) -> bool:
    """Whether the saved pipeline exists and was built from the current ``terms.yml``."""
    marker = output_dir / _FINGERPRINT_FILE
    return (
        (output_dir / "meta.json").exists()
        and marker.exists()
        and marker.read_text(encoding="utf-8").strip() == _terms_fingerprint()
    )


@cache
def load_pipeline(path: Path = SPACY_PIPELINE_DIR):
    """Loads the saved pipeline once per process."""
    import spacy

    if not (path / "meta.json").exists():
        raise FileNotFoundError(
            f"spaCy pipeline not found at {path}; run `make build-spacy` to build it"
        )
    return spacy.load(path)


def main(argv: List[str]) -> int:
    force = "--force" in argv
    if not force and is_up_to_date():
        print(f"spaCy pipeline up to date: {SPACY_PIPELINE_DIR}")
        return 0
    path = build_pipeline()
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    print(f"Built spaCy pipeline {meta['name']} ({', '.join(meta['pipeline'])}) at {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
