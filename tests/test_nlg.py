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


def crisis_reply(kinds, channel="rest"):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    generator = ClinicResponseGenerator(domain=domain)
    entities = [{"entity": "crisis_kind", "value": kind} for kind in kinds]
    tracker = DialogueStateTracker.from_events(
        "nlg",
        [UserUttered("...", intent={"name": "crisis"}, entities=entities)],
    )
    return asyncio.run(generator.generate("utter_crisis", tracker, channel))


def test_abuse_gets_the_regions_domestic_violence_and_child_abuse_lines():
    message = crisis_reply(["abuse_safeguarding"])
    assert message["text"].startswith("I'm really sorry you're going through this.")
    assert message["text"].endswith(
        "If someone is hurting, threatening or controlling you: National Domestic Violence "
        "Hotline, 1-800-799-7233 (or text START to 88788). If a child is being hurt or is in "
        "danger: Childhelp National Child Abuse Hotline, 1-800-422-4453. If you or anyone else "
        "is in danger right now, call 911."
    )


def test_each_kind_named_adds_its_lines_once_in_order():
    message = crisis_reply(["explicit", "harm_to_others", "third_party", "harm_to_others"])
    text = message["text"]
    assert text.count("If you feel you might hurt someone") == 1
    assert text.index("If you feel you might hurt someone") < text.index(
        "If you're worried about someone else: if they are in danger right now, call 911."
    )
    assert "Domestic Violence" not in text


def test_a_plain_crisis_gets_the_plain_reply():
    assert crisis_reply([])["text"] == crisis_reply(["explicit"])["text"]
    assert "Domestic Violence" not in crisis_reply([])["text"]


def test_sms_gets_the_short_lines():
    text = crisis_reply(["abuse_safeguarding"], channel="twilio")["text"]
    assert text.startswith("I'm so sorry you're going through this.")
    assert "Abuse at home: National Domestic Violence Hotline, 1-800-799-7233" in text


def test_channels_render_the_same_lines_without_a_tracker():
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    generator = ClinicResponseGenerator(domain=domain)
    assert (
        generator.render("utter_crisis", "rest", ["abuse_safeguarding"])["text"]
        == crisis_reply(["abuse_safeguarding"])["text"]
    )
