"""How the trained pipeline reads real phrasings: FAQ headings, products, two-part questions."""

import asyncio
import socket

import pytest
from rasa.core.channels.channel import UserMessage


def parse(agent, text):
    message = UserMessage(text, sender_id="topics")
    return asyncio.get_event_loop().run_until_complete(agent.processor.parse_message(message))


def answer_or_menu(result):
    """The topic answered, or the topics a "did you mean" menu offers."""
    if result["intent"]["name"] == "faq":
        return [result["intent"]["full_retrieval_intent_name"]]
    return list(result.get("did_you_mean") or [])


@pytest.mark.parametrize(
    "text, topic",
    [
        ("What Should I Expect During My First Infusion?", "faq/during_session"),
        ("How Much Does Ketamine Therapy Cost?", "faq/cost"),
        ("Is Ketamine Covered By Insurance?", "faq/insurance"),
        ("Will Ketamine Show Up On A Drug Test?", "faq/drug_test"),
        ("How Many Treatments Will I Need?", "faq/number_of_sessions"),
    ],
)
def test_title_case_faq_headings_get_their_answer(agent, text, topic):
    assert answer_or_menu(parse(agent, text))[:1] == [topic]


@pytest.mark.parametrize(
    "text, parts",
    [
        ("how much is spravato per session and is it cheaper than iv", {"faq/cost"}),
        ("is it safe and what are the side effects on the day", {"faq/safety", "faq/side_effects"}),
    ],
)
def test_two_part_questions_get_the_answer_to_a_part_or_a_menu_with_it(agent, text, parts):
    offered = answer_or_menu(parse(agent, text))
    assert parts & set(offered)


def test_a_torn_question_offers_topics_instead_of_refusing(agent):
    result = parse(agent, "spravato")
    offered = answer_or_menu(result)
    assert offered and all(t.startswith("faq/") for t in offered)
    assert "faq/spravato" in offered


def test_an_unrelated_question_is_refused_without_a_menu(agent):
    result = parse(agent, "what's the weather going to be like in Denver this weekend")
    assert result["intent"]["name"] in ("out_of_scope", "nlu_fallback")
    assert not result.get("did_you_mean")


def test_a_crisis_is_never_turned_into_a_menu(agent):
    result = parse(
        agent, "there is a rope in the garage and i keep looking at it. is spravato expensive"
    )
    assert result["intent"]["name"] == "crisis"
    assert not result.get("did_you_mean")


def test_the_pipeline_parses_with_no_network(agent, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert answer_or_menu(parse(agent, "Does Ketamine Help With Anxiety?"))
