"""The answer catalogue is complete, and every answer cites sources that exist."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.content import answers, sources
from tests.content.content_rules import (
    CATALOGUE_FAQ_TOPICS,
    CATALOGUE_FILE,
    CATALOGUE_INTENTS,
    SMS_CHANNEL,
    citation_counts,
    domain_document,
    parse_catalogue,
    unknown_sources,
)

ANSWERS = list(answers().values())
IDS = [a.topic for a in ANSWERS]


def _spec() -> Path:
    return Path(os.environ.get("ANSWER_CATALOGUE", CATALOGUE_FILE))


def test_catalogue_copy_matches_the_spec():
    spec = _spec()
    if not spec.exists():
        pytest.skip(f"{spec} is not here (set ANSWER_CATALOGUE to its path)")
    topics, intents = parse_catalogue(spec.read_text(encoding="utf-8"))
    assert len(topics) >= 30 and len(intents) >= 10, "the spec's tables were not found"
    assert sorted(topics) == sorted(CATALOGUE_FAQ_TOPICS), (
        "update CATALOGUE_FAQ_TOPICS in tests/content/content_rules.py to the spec's list"
    )
    assert sorted(intents) == sorted(CATALOGUE_INTENTS), (
        "update CATALOGUE_INTENTS in tests/content/content_rules.py to the spec's list"
    )


@pytest.mark.parametrize("topic", CATALOGUE_FAQ_TOPICS)
def test_every_catalogue_topic_has_an_answer(topic):
    answer = answers().get(topic)
    assert answer is not None, (
        f"faq/{topic} is in the answer catalogue but data/faq/{topic}.yml is missing"
    )
    assert answer.examples, f"data/faq/{topic}.yml has no NLU examples for intent faq/{topic}"
    assert answer.variants, f"data/faq/{topic}.yml has no responses for utter_faq/{topic}"


def test_catalogue_intents_exist_in_the_domain():
    intents = set(domain_document().get("intents") or [])
    missing = sorted({"faq", *CATALOGUE_INTENTS} - intents)
    assert not missing, f"intents in the answer catalogue missing from domain.yml: {missing}"


@pytest.mark.parametrize("answer", ANSWERS, ids=IDS)
def test_answer_has_one_web_and_one_sms_variant(answer):
    channels = [v.get("channel") for v in answer.variants]
    assert channels.count(None) == 1, (
        f"{answer.response}: needs exactly one variant without a channel"
    )
    assert channels.count(SMS_CHANNEL) == 1, (
        f"{answer.response}: needs exactly one 'channel: {SMS_CHANNEL}' (SMS) variant"
    )
    assert all(not v.get("condition") for v in answer.variants), (
        f"{answer.response}: conditional variants are not reviewed by the content checks"
    )


@pytest.mark.parametrize("answer", ANSWERS, ids=IDS)
def test_answer_cites_known_sources(answer):
    assert answer.sources, f"{answer.response}: the review block lists no sources"
    unknown = unknown_sources(answer, sources())
    assert not unknown, f"{answer.response}: sources not in content/sources.yml: {unknown}"
    assert len(set(answer.sources)) == len(answer.sources), (
        f"{answer.response}: a source is listed twice"
    )


def test_every_source_has_a_title_and_a_link_or_a_reason():
    for source in sources().values():
        assert source.title.strip(), f"{source.id}: no title"
        assert source.url is None or source.url.startswith(("http://", "https://")), source.id


def test_citation_counts_cover_every_answer():
    counts = citation_counts()
    assert sum(counts.values()) == sum(len(set(a.sources)) for a in ANSWERS)
    assert set(counts) == set(sources())


def test_catalogue_parser_reads_the_tables():
    markdown = (
        "## FAQ topics (`faq/<topic>`)\n### Safety\n| name | covers |\n|---|---|\n"
        "| `faq/side_effects` | effects |\n| `faq/cost` | money |\n"
        "## Other intents\n| name | for |\n|---|---|\n| `greet`, `goodbye` | basics |\n"
        "| `crisis` | help |\n\n`nlu_fallback` is not a table row.\n"
    )
    assert parse_catalogue(markdown) == (["side_effects", "cost"], ["greet", "goodbye", "crisis"])
