"""The Twilio channel against the real stack, with webhooks in Twilio's exact format.

Each test texts from its own number, so conversations and rate limits do not mix. Replies are
read from the fake Twilio Messages API, which records every SMS the assistant would send.
"""

from __future__ import annotations

import re
import sqlite3
import time

import pytest

from assistant.channels.delivery import conversation_id
from tests.channels.channel_fakes import (
    AUTH_TOKEN,
    SIGNING_KEY,
    WHATSAPP_SENDER,
    post_twilio,
    twilio_form,
    twilio_signature,
    within_three_segments,
)
from tests.stack.helpers import rest

pytestmark = pytest.mark.stack

# Fragments of the answers' SMS variants that survive rewording of the rest.
CLINIC_PHONE = "(555) 010-0142"
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
COST = "a few hundred dollars"
INSURANCE = "Insurance usually does not"
SIDE_EFFECTS = "usually pass within hours"
TEXT_ONLY = "I can only read text messages. Please type your question."


def flat(bodies) -> str:
    """A turn's SMS as one line of text (SMS are split wherever they fill up)."""
    return " ".join(" ".join(bodies).split())


def user_messages(tracker_db, address: str) -> int:
    """How many user messages of this number the Rasa server stored."""
    sender_id = conversation_id(SIGNING_KEY.encode(), "twilio", address)
    with sqlite3.connect(tracker_db) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
            (sender_id,),
        ).fetchone()
    return count


def test_signed_question_is_answered_by_sms(channel_stack, fake_twilio):
    number = "+15550123001"
    status, content_type, body = post_twilio(
        channel_stack.rasa_url, twilio_form(number, "how much does ketamine treatment cost?")
    )
    assert (status, body) == (200, TWIML_EMPTY)
    assert content_type.startswith("text/xml")

    sms = fake_twilio.wait_turn(number)
    text = flat(sms)
    assert COST in text
    assert "your provider there can plan with you" in text  # the provider referral
    assert CLINIC_PHONE in text
    assert "I'm an automated assistant" in text  # the first reply carries the disclosure
    assert "Was this helpful? Reply Y or N." in text  # the SMS variant, no emoji buttons
    assert sms[-1].endswith("Reply 1, 2 or 3: 1 Insurance, 2 How many sessions, 3 Treatment steps")
    assert not re.search(r"[\U0001F300-\U0001FAFF]", text)
    assert all(within_three_segments(b) for b in sms)
    assert len(sms) <= 2  # disclosure, answer, question and menu combined
    for message in fake_twilio.messages_to(number):
        assert message["from"] == "+15550100999"

    # "1" picks the first entry of that menu.
    post_twilio(channel_stack.rasa_url, twilio_form(number, "1"))
    answer = flat(fake_twilio.wait_turn(number, already=len(sms)))
    assert INSURANCE in answer
    assert "Reply 1, 2 or 3: 1 Cost, 2 Spravato, 3 FDA approval" in answer


def test_forged_and_unsigned_posts_are_refused(channel_stack, fake_twilio, rasa_log):
    number = "+15550123002"
    form = twilio_form(number, "how much does it cost")
    attempts = {
        "no signature": post_twilio(channel_stack.rasa_url, form, signature=None),
        "empty signature": post_twilio(channel_stack.rasa_url, form, signature=""),
        "wrong token": post_twilio(
            channel_stack.rasa_url, form, signature=twilio_signature(form, token="x" * 32)
        ),
        # Signed for the address the server sees, not the public URL Twilio was given.
        "internal url": post_twilio(
            channel_stack.rasa_url,
            form,
            signature=twilio_signature(
                form, url=f"{channel_stack.rasa_url}/webhooks/twilio/webhook"
            ),
        ),
        "body changed after signing": post_twilio(
            channel_stack.rasa_url,
            {**form, "Body": "something else"},
            signature=twilio_signature(form),
        ),
    }
    for name, (status, _, _) in attempts.items():
        assert status == 403, name
    time.sleep(2)
    assert fake_twilio.to(number) == []
    assert AUTH_TOKEN not in rasa_log.read_text()


def test_repeated_message_sid_is_processed_once(channel_stack, fake_twilio, tracker_db):
    number = "+15550123003"
    form = twilio_form(number, "how much does it cost")
    first = post_twilio(channel_stack.rasa_url, form)
    again = post_twilio(channel_stack.rasa_url, form)  # Twilio retrying the same webhook
    assert first[0] == again[0] == 200
    assert again[2] == TWIML_EMPTY

    sms = fake_twilio.wait_turn(number)
    # A later message shows the queue is past the duplicate.
    post_twilio(channel_stack.rasa_url, twilio_form(number, "what are the side effects"))
    sms += fake_twilio.wait_turn(number, already=len(sms))
    assert flat(sms).count(COST) == 1
    assert SIDE_EFFECTS in flat(sms)
    assert user_messages(tracker_db, number) == 2


def test_photo_without_text_gets_the_text_only_note(channel_stack, fake_twilio, tracker_db):
    number = "+15550123004"
    form = twilio_form(
        number,
        None,
        media_url="https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1",
    )
    assert post_twilio(channel_stack.rasa_url, form)[0] == 200
    assert fake_twilio.wait_turn(number) == [TEXT_ONLY]
    assert user_messages(tracker_db, number) == 0  # the model was not asked


def test_stop_silences_the_number_until_start(channel_stack, fake_twilio, tracker_db):
    number = "+15550123005"
    for text in ("STOP", "how much does it cost", "HELP", "1"):
        assert post_twilio(channel_stack.rasa_url, twilio_form(number, text))[0] == 200
    post_twilio(channel_stack.rasa_url, twilio_form(number, "start"))
    post_twilio(channel_stack.rasa_url, twilio_form(number, "what are the side effects"))

    sms = fake_twilio.wait_turn(number)  # messages are handled in order: all of them are done
    assert SIDE_EFFECTS in flat(sms)
    assert COST not in flat(sms)
    assert CLINIC_PHONE not in flat(sms)  # no HELP reply while opted out
    assert user_messages(tracker_db, number) == 1


def test_help_gives_the_clinic_and_crisis_lines(channel_stack, fake_twilio, tracker_db):
    number = "+15550123006"
    post_twilio(channel_stack.rasa_url, twilio_form(number, "help"))
    sms = fake_twilio.wait_turn(number)
    text = flat(sms)
    assert CLINIC_PHONE in text
    assert "call or text 988" in text
    assert "call 911" in text
    assert text.endswith("Reply STOP to opt out.")
    assert all(within_three_segments(b) for b in sms)
    assert user_messages(tracker_db, number) == 0


def test_whatsapp_replies_come_from_the_whatsapp_sender(channel_stack, fake_twilio):
    number = "whatsapp:+15550123007"
    post_twilio(
        channel_stack.rasa_url,
        twilio_form(number, "what is ketamine", to=WHATSAPP_SENDER),
    )
    fake_twilio.wait_turn(number)
    messages = fake_twilio.messages_to(number)
    assert messages and all(m["from"] == WHATSAPP_SENDER for m in messages)
    assert "anesthetic since the 1960s" in flat(m["body"] for m in messages)


def test_crisis_by_sms_gets_help_lines_and_a_working_menu(channel_stack, fake_twilio):
    number = "+15550123008"
    post_twilio(channel_stack.rasa_url, twilio_form(number, "i want to kill myself"))
    sms = fake_twilio.wait_turn(number)
    text = flat(sms)
    assert "Please call or text 988 now" in text
    assert "call 911" in text
    assert text.endswith("Reply 1 or 2: 1 Yes, I'm safe right now, 2 No, I need help now")
    assert all(within_three_segments(b) for b in sms)

    post_twilio(channel_stack.rasa_url, twilio_form(number, "2"))
    urgent = flat(fake_twilio.wait_turn(number, already=len(sms)))
    assert "Please call 911 now" in urgent


def test_rest_cannot_answer_for_an_sms_conversation(channel_stack, fake_twilio, tracker_db):
    """The SMS conversation's id (a keyed hash of the number) as the REST sender is refused,
    even by someone who learned it, and the person's crisis check carries on by SMS."""
    number = "+15550123012"
    post_twilio(channel_stack.rasa_url, twilio_form(number, "i want to kill myself"))
    sms = fake_twilio.wait_turn(number)
    sender_id = conversation_id(SIGNING_KEY.encode(), "twilio", number)
    for text in ("yes im safe now", "delete my conversation"):
        status, _, body = rest(channel_stack, sender_id, text)
        assert status == 403
        assert "the twilio channel" in body["error"]
    assert user_messages(tracker_db, number) == 1

    post_twilio(channel_stack.rasa_url, twilio_form(number, "2"))
    assert "Please call 911 now" in flat(fake_twilio.wait_turn(number, already=len(sms)))
    assert user_messages(tracker_db, number) == 2


def test_delivery_reports_are_not_answered(channel_stack, fake_twilio):
    number = "+15550123009"
    form = twilio_form(number, None)
    del form["Body"]
    form.update({"SmsStatus": "delivered", "MessageStatus": "delivered"})
    assert post_twilio(channel_stack.rasa_url, form)[0] == 200
    time.sleep(2)
    assert fake_twilio.to(number) == []


def test_twilio_send_errors_are_retried(channel_stack, fake_twilio):
    number = "+15550123010"
    fake_twilio.fail_next = 1  # the first send gets a 500
    post_twilio(channel_stack.rasa_url, twilio_form(number, "what are the side effects"))
    assert SIDE_EFFECTS in flat(fake_twilio.wait_turn(number))
    assert fake_twilio.fail_next == 0


def test_phone_numbers_never_reach_the_conversation_store(channel_stack, tracker_db):
    with sqlite3.connect(tracker_db) as db:
        rows = db.execute("SELECT sender_id, data FROM events").fetchall()
    senders = {sender for sender, _ in rows}
    assert any(s.startswith("twilio-") for s in senders)
    assert not any("+1555" in sender or "+1555" in data for sender, data in rows)
    # The callback platform's ids ("patient-1001", ...) are kept as pseudonyms too.
    assert not any(s.startswith("patient-") for s in senders)


def test_menu_survives_a_restart(channel_stack, fake_twilio):
    number = "+15550123011"
    post_twilio(channel_stack.rasa_url, twilio_form(number, "how much does it cost"))
    sms = fake_twilio.wait_turn(number)
    assert "1 Insurance" in sms[-1]

    channel_stack.stop(f"rasa-{channel_stack.rasa_port}")
    channel_stack.start_rasa()  # a new process: nothing of the menu left in memory

    post_twilio(channel_stack.rasa_url, twilio_form(number, "1"))
    assert INSURANCE in flat(fake_twilio.wait_turn(number, already=len(sms)))


def test_every_sms_sent_is_within_three_segments(fake_twilio):
    assert fake_twilio.sent, "run with the other tests of this module"
    too_long = [m["body"] for m in fake_twilio.sent if not within_three_segments(m["body"])]
    assert too_long == []


def test_many_patients_texting_through_one_twilio_address_are_all_answered(
    channel_stack, fake_twilio
):
    """Twilio posts for every patient from a few addresses: no per-address throttling."""
    from tests.channels.conftest import PER_IP_LIMIT

    numbers = [f"+1555012{4100 + i}" for i in range(PER_IP_LIMIT + 3)]
    for number in numbers:
        status, _, body = post_twilio(
            channel_stack.rasa_url, twilio_form(number, "how much does ketamine treatment cost?")
        )
        assert (status, body) == (200, TWIML_EMPTY)
    for number in numbers:
        assert COST in flat(fake_twilio.wait_turn(number))
