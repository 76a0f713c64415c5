"""The gateway in process: the safety check comes before every rate limit, and a
conversation id issued by one channel cannot be used through another."""

import asyncio

import pytest
from rasa.shared.core.domain import Domain

from assistant.channels.delivery import conversation_id
from assistant.channels.gateway import ForeignConversationError, Gateway, RateLimitedError
from assistant.channels.limits import Limits
from assistant.channels.payloads import PayloadSigner
from assistant.channels.web import SessionTokens
from assistant.nlg import ClinicResponseGenerator
from assistant.paths import PROJECT_ROOT


@pytest.fixture
def gateway():
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    return Gateway(
        ClinicResponseGenerator(domain=domain),
        PayloadSigner(b"test-key"),
        Limits(per_sender_per_minute=2, per_ip_per_minute=3),
    )


def turn(gateway, text, sender="s1", ip=None, answered=None, channel="twilio"):
    async def on_new_message(message):
        (answered if answered is not None else []).append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "model answer")

    return asyncio.run(gateway.handle(sender, text, on_new_message, channel, client_ip=ip))


def test_an_ordinary_message_over_the_conversation_limit_is_refused(gateway):
    turn(gateway, "how much does it cost")
    turn(gateway, "and insurance?")
    with pytest.raises(RateLimitedError):
        turn(gateway, "what about spravato")


@pytest.mark.parametrize(
    "text, first_words",
    [
        ("i want to kill myself tonight", "I'm so sorry you're going through this."),
        ("took all my troches and cant breathe", "This could be a medical emergency."),
    ],
)
def test_a_crisis_or_emergency_over_the_limit_still_gets_its_reply(gateway, text, first_words):
    turn(gateway, "how much does it cost")
    turn(gateway, "and insurance?")
    answered = []
    result = turn(gateway, text, answered=answered)
    assert result.messages[0]["text"].startswith(first_words)
    assert result.safety_verdict in ("crisis", "medical_emergency")
    assert answered == []  # limited: the reply comes from the domain, not from Rasa


def test_the_per_address_limit_also_yields_to_a_crisis(gateway):
    for i in range(3):
        turn(gateway, "hi", sender=f"p{i}", ip="203.0.113.9")
    with pytest.raises(RateLimitedError):
        turn(gateway, "hi", sender="p3", ip="203.0.113.9")
    result = turn(gateway, "my husband chokes me and i am scared", sender="p4", ip="203.0.113.9")
    assert "National Domestic Violence Hotline" in result.messages[0]["text"]
    assert result.messages[1]["text"] == "Are you safe right now?"


def web_conversation_id() -> str:
    tokens = SessionTokens(b"test-key")
    return tokens.sender_of(tokens.issue())


ISSUED_IDS = {
    "web": web_conversation_id,
    "twilio": lambda: conversation_id(b"test-key", "twilio", "+15550123001"),
    "callback": lambda: conversation_id(b"test-key", "callback", "patient-42"),
}


@pytest.mark.parametrize("owner", sorted(ISSUED_IDS))
@pytest.mark.parametrize("text", ["im ok it was a joke", "delete my conversation", "yes"])
def test_rest_cannot_post_into_another_channels_conversation(gateway, owner, text):
    sender = ISSUED_IDS[owner]()
    answered = []
    for attempt in (sender, sender.upper()):
        with pytest.raises(ForeignConversationError, match=f"'{owner}-'"):
            turn(gateway, text, sender=attempt, answered=answered, channel="rest")
    assert answered == []  # Rasa never saw the message


def test_a_crisis_through_rest_with_a_web_id_does_not_reach_the_conversation(gateway):
    answered = []
    with pytest.raises(ForeignConversationError):
        turn(
            gateway,
            "i want to kill myself",
            web_conversation_id(),
            answered=answered,
            channel="rest",
        )
    assert answered == []


@pytest.mark.parametrize("owner", sorted(ISSUED_IDS))
def test_each_channel_still_reaches_its_own_conversations(gateway, owner):
    answered = []
    result = turn(
        gateway, "how much does it cost", ISSUED_IDS[owner](), answered=answered, channel=owner
    )
    assert answered == ["how much does it cost"]
    assert result.messages[0]["text"] == "model answer"


@pytest.mark.parametrize("sender", ["a", "patient-42", "webhook-7", "crash-test", "web"])
def test_rest_keeps_the_ids_its_callers_choose(gateway, sender):
    answered = []
    turn(gateway, "how much does it cost", sender, answered=answered, channel="rest")
    assert answered == ["how much does it cost"]


def test_a_rest_message_with_a_web_users_id_leaves_their_conversation_alone(agent):
    """The trained model in process: the web conversation's tracker is the same after the
    REST attempts, and the web user's crisis check carries on."""
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    gateway = Gateway(ClinicResponseGenerator(domain=domain), PayloadSigner(b"test-key"))
    # A loop of its own, left unset: other tests' asyncio.run() clears the current one.
    loop = asyncio.new_event_loop()

    def send(sender, text, channel):
        return loop.run_until_complete(gateway.handle(sender, text, agent.handle_message, channel))

    def stored(sender):
        tracker = loop.run_until_complete(agent.tracker_store.retrieve(sender))
        return [event.as_dict() for event in tracker.events]

    try:
        web_id = web_conversation_id()
        first = send(web_id, "i dont want to be alive", "web")
        assert first.messages[-1]["text"] == "Are you safe right now?"
        before = stored(web_id)
        for text in ("jk, im fine", "delete my conversation", "yes"):
            with pytest.raises(ForeignConversationError):
                send(web_id, text, "rest")
        assert stored(web_id) == before

        reply = send(web_id, "jk", "web")
        first_words = "Before we go on, I want to make sure you're okay."
        assert reply.messages[0]["text"].startswith(first_words)
    finally:
        loop.close()
