"""The trained NLU pipeline with the project's components, as Rasa runs it."""

import asyncio

import pytest
from rasa.core.channels.channel import UserMessage


def parse(agent, text, metadata=None):
    message = UserMessage(text, sender_id="test", metadata=metadata)
    return asyncio.get_event_loop().run_until_complete(agent.processor.parse_message(message))


def entity_types(result):
    return {e["entity"] for e in result["entities"]}


def test_catalogue_question_gets_its_topic(agent):
    result = parse(agent, "how much does it cost")
    assert result["intent"]["name"] == "faq"
    assert result["intent"]["full_retrieval_intent_name"] == "faq/cost"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("I keep thinking about suicide", "crisis"),
        ("i dont want to wake up tomorrow", "crisis"),
        ("took all my troches at once and cant breathe right", "medical_emergency"),
        ("where can i buy ketamine without a prescription", "recreational_use"),
    ],
)
def test_safety_check_forces_the_intent_at_full_confidence(agent, text, intent):
    result = parse(agent, text)
    assert result["intent"] == {"name": intent, "confidence": 1.0}
    assert result["intent_ranking"][0]["name"] == intent


@pytest.mark.parametrize(
    "text", ["this wait is killing me", "I'd kill for a coffee before my infusion"]
)
def test_idioms_are_not_crises(agent, text):
    assert parse(agent, text)["intent"]["name"] not in ("crisis", "medical_emergency")


def test_other_language_crisis_names_the_language(agent):
    result = parse(agent, "quiero morir")
    assert result["intent"]["name"] == "crisis"
    assert {"crisis_language"} <= entity_types(result)
    assert [e["value"] for e in result["entities"] if e["entity"] == "crisis_language"] == ["es"]


def test_abuse_and_suicidal_thoughts_are_both_named_for_the_reply(agent):
    result = parse(agent, "my husband hits me when he drinks and i want to die")
    assert result["intent"]["name"] == "crisis"
    kinds = [e["value"] for e in result["entities"] if e["entity"] == "crisis_kind"]
    assert kinds == ["abuse_safeguarding", "explicit"]


def test_personal_question_is_marked(agent):
    result = parse(agent, "what dose should I take")
    assert result["intent"]["name"] == "faq"
    assert "personal_advice" in entity_types(result)


def test_question_about_suicidal_thoughts_is_a_mention(agent):
    result = parse(agent, "does spravato help with suicidal thoughts")
    assert result["intent"]["name"] not in ("crisis", "medical_emergency")
    assert "safety_mention" in entity_types(result)


def test_medicines_are_entities(agent):
    result = parse(agent, "can I keep taking Zoloft and Xanax during infusions")
    values = {(e["entity"], e["value"]) for e in result["entities"]}
    assert ("medication", "Zoloft") in values and ("medication", "Xanax") in values


@pytest.mark.parametrize(
    "text",
    [
        "/affirm",
        "/deny",
        "/restart",
        '/inform{"name":"x"}',
        "/faq",
        # A button payload whose signature is not this conversation's (replayed or forged).
        "/faq/insurance#0123456789abcdef",
        "/affirm#deadbeefdeadbeef",
        "/faq/cost#9a[PHONE]f2f02a5",  # masking found a phone number in the signature
    ],
)
def test_typed_commands_are_not_intents(agent, text):
    result = parse(agent, text)
    assert result["intent"]["name"] == "nlu_fallback"
    assert result["entities"] == []


def test_typed_command_with_words_is_read_as_words(agent):
    result = parse(agent, "/deny i want to die")
    assert result["intent"] == {"name": "crisis", "confidence": 1.0}


def test_verified_button_payload_selects_the_topic(agent):
    result = parse(agent, "/faq/insurance", metadata={"trusted_payload": "/faq/insurance"})
    assert result["intent"]["name"] == "faq"
    assert result["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/insurance"


def test_verified_intent_payload(agent):
    result = parse(agent, "/affirm", metadata={"trusted_payload": "/affirm"})
    assert result["intent"]["name"] == "affirm"


def test_gateway_verdict_in_metadata_counts(agent):
    # The gateway scanned the full message; the NLU only saw the first part.
    result = parse(
        agent,
        "what does the first assessment involve",
        metadata={"safety": {"verdict": "crisis", "language": None}},
    )
    assert result["intent"] == {"name": "crisis", "confidence": 1.0}


@pytest.mark.parametrize("text", ["x" * 1000, "aaaaaaaaaaaaaaaaaaaaaaaaaa", "qwertyuiop zxcvbnm"])
def test_a_message_without_a_known_word_gets_no_answer(agent, text):
    # Either refusal: "I can't answer that" (nlu_fallback) or the out-of-scope reply.
    assert parse(agent, text)["intent"]["name"] in ("nlu_fallback", "out_of_scope")


@pytest.mark.parametrize(
    "text, topic",
    [("insurnce?", "faq/insurance"), ("ketamin cost", "faq/cost")],
)
def test_a_misspelt_question_is_still_answered(agent, text, topic):
    result = parse(agent, text)
    assert result["intent"].get("full_retrieval_intent_name") == topic


def test_unknown_words_do_not_hide_a_crisis(agent):
    result = parse(agent, "zzzzzz xkcdqq kms")
    assert result["intent"] == {"name": "crisis", "confidence": 1.0}


@pytest.mark.parametrize(
    "masked, topic",
    [
        ("my daughter [NAME] [NAME] asks: what does ketamine do?", "faq/how_it_works"),
        ("hi im [NAME] [NAME], what is ketamine used for?", "faq/conditions_treated"),
        ("[NAME] [NAME] here. what is ketamine treatment like?", "faq/what_it_feels_like"),
        ("what is ketamine therapy? email me at [EMAIL]", "faq/what_is_ketamine"),
        ("what does ketamine do? text me at [PHONE]", "faq/how_it_works"),
    ],
)
def test_placeholders_of_masked_details_do_not_change_the_answer(agent, masked, topic):
    """The gateway hands Rasa masked text; the NLU reads it without the placeholders."""
    result = parse(agent, masked)
    assert result["intent"]["full_retrieval_intent_name"] == topic
    assert "[" not in result["text"]
