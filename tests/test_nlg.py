"""The response generator: "did you mean" in place of "I can't answer that"."""

import asyncio

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.nlg import ClinicResponseGenerator
from assistant.paths import PROJECT_ROOT


def reply(parse_data, channel="rest"):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    generator = ClinicResponseGenerator(domain=domain)
    tracker = DialogueStateTracker.from_events(
        "nlg",
        [
            BotUttered("earlier answer"),  # not the first message: no disclosure in front
            UserUttered("spravato?", parse_data={"intent": {"name": "nlu_fallback"}, **parse_data}),
        ],
    )
    return asyncio.run(generator.generate("utter_cannot_answer", tracker, channel))


def test_plausible_topics_become_quick_replies_with_a_way_to_the_clinic():
    message = reply({"did_you_mean": ["faq/spravato", "faq/cost"]})
    assert message["text"].startswith("I want to be sure I answer the right question.")
    assert "(555) 010-0142" in message["text"]
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("Spravato", "/faq/spravato"),
        ("Cost", "/faq/cost"),
        ("Talk to the clinic", "/request_human"),
    ]


def test_without_suggestions_the_refusal_is_unchanged():
    message = reply({})
    assert message["text"].startswith("I'm sorry, I can't answer that.")
    assert [b["payload"] for b in message["buttons"]][0] == "/faq/what_is_ketamine"
