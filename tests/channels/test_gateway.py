"""The gateway in process: the safety check comes before every rate limit."""

import asyncio

import pytest
from rasa.shared.core.domain import Domain

from assistant.channels.gateway import Gateway, RateLimitedError
from assistant.channels.limits import Limits
from assistant.channels.payloads import PayloadSigner
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


def turn(gateway, text, sender="s1", ip=None, answered=None):
    async def on_new_message(message):
        (answered if answered is not None else []).append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "model answer")

    return asyncio.run(gateway.handle(sender, text, on_new_message, "twilio", client_ip=ip))


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
