"""Unit tests of the channel parts that do not need the model: signatures, forms, menus from
the tracker, opt-outs, retries and ordering of background work."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import sqlite3
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from twilio.request_validator import RequestValidator

from assistant.channels.callback import CallbackSettings, sign_body, valid_signature
from assistant.channels.common import SENDER_PATTERN
from assistant.channels.delivery import (
    BoundedDict,
    ConversationTasks,
    HttpPoster,
    SeenIds,
    conversation_id,
)
from assistant.channels.opt_out import OptOutStore
from assistant.channels.sms import count_segments, pack_sms
from assistant.channels.twilio import (
    InboundSms,
    TwilioSettings,
    TwilioSmsInput,
    last_turn_buttons,
    parse_form,
    signed_url,
)
from tests.channels.channel_fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_WEBHOOK_URL,
    CallbackReceiver,
    FakeTwilio,
    twilio_form,
    twilio_signature,
)

# ------------------------------------------------------------------ Twilio requests


def test_blank_fields_are_kept_because_twilio_signs_them():
    form = twilio_form("+15550123001", "hello")
    signature = twilio_signature(form)
    body = urlencode(form).encode()
    validator = RequestValidator(AUTH_TOKEN)
    assert validator.validate(PUBLIC_WEBHOOK_URL, parse_form(body), signature)
    # A parser that drops blank values (as Sanic's request.form does) breaks real posts.
    dropped = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert "FromCity" not in dropped
    assert not validator.validate(PUBLIC_WEBHOOK_URL, dropped, signature)


def test_a_changed_field_or_url_fails_validation():
    form = twilio_form("+15550123001", "hello")
    signature = twilio_signature(form)
    validator = RequestValidator(AUTH_TOKEN)
    changed = parse_form(urlencode({**form, "Body": "hello!"}).encode())
    assert not validator.validate(PUBLIC_WEBHOOK_URL, changed, signature)
    same = parse_form(urlencode(form).encode())
    assert not validator.validate("http://10.0.0.5:5005/webhooks/twilio/webhook", same, signature)


def test_garbage_bodies_parse_to_nothing():
    assert parse_form(b"\xff\xfe") == {}


def test_signed_url_prefers_the_configured_public_url():
    request = SimpleNamespace(url="http://10.0.0.5:5005/webhooks/twilio/webhook", query_string="")
    assert signed_url(request, "") == request.url
    assert signed_url(request, PUBLIC_WEBHOOK_URL) == PUBLIC_WEBHOOK_URL
    with_query = SimpleNamespace(url=request.url + "?clinic=2", query_string="clinic=2")
    assert signed_url(with_query, PUBLIC_WEBHOOK_URL) == PUBLIC_WEBHOOK_URL + "?clinic=2"


def test_inbound_messages_are_read_from_the_form():
    sms = InboundSms.from_form(parse_form(urlencode(twilio_form("+15550123001", "hi")).encode()))
    assert (sms.address, sms.our_address, sms.body, sms.num_media) == (
        "+15550123001",
        "+15550100999",
        "hi",
        0,
    )
    photo = twilio_form("+15550123001", None, media_url="https://api.twilio.com/media/ME1")
    mms = InboundSms.from_form(parse_form(urlencode(photo).encode()))
    assert (mms.body, mms.num_media, mms.message_sid[:2]) == ("", 1, "MM")


def test_settings_come_from_the_environment_only():
    assert not TwilioSettings.from_env({}).configured
    assert not TwilioSettings.from_env({"TWILIO_ACCOUNT_SID": ACCOUNT_SID}).configured
    settings = TwilioSettings.from_env(
        {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_NUMBER": "+15550100999",
            "TWILIO_API_BASE": "http://127.0.0.1:9/",
        }
    )
    assert settings.configured
    assert settings.messages_url == (
        f"http://127.0.0.1:9/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    )
    assert TwilioSettings.from_env({}).api_base == "https://api.twilio.com"


# ------------------------------------------------------------------ menus from the tracker


def tracker_with(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("twilio-test", list(events))


COST_BUTTONS = [
    {"title": "Insurance", "payload": "/faq/insurance"},
    {"title": "How many sessions", "payload": "/faq/number_of_sessions"},
]


def test_the_menu_is_the_last_bot_turn_buttons():
    tracker = tracker_with(
        UserUttered("hi"),
        BotUttered("Hi!", {"buttons": [{"title": "Cost", "payload": "/faq/cost"}]}),
        UserUttered("how much"),
        ActionExecuted("utter_faq"),
        BotUttered("It costs...", {"buttons": COST_BUTTONS}),
        ActionExecuted("utter_ask_feedback"),
        BotUttered("Was this helpful? Reply Y or N.", {"buttons": None}),
    )
    assert last_turn_buttons(tracker) == COST_BUTTONS


def test_no_menu_after_a_turn_without_buttons():
    tracker = tracker_with(
        UserUttered("how much"),
        BotUttered("It costs...", {"buttons": COST_BUTTONS}),
        UserUttered("thanks"),
        BotUttered("You're welcome.", {}),
    )
    assert last_turn_buttons(tracker) == []


class _Store:
    def __init__(self, tracker=None, error=None) -> None:
        self.tracker, self.error = tracker, error

    async def retrieve(self, sender_id):
        if self.error:
            raise self.error
        return self.tracker


@pytest.fixture
def sms_channel(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_SIGNING_KEY", "unit-test-key")
    settings = TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, "+15550100999")
    return TwilioSmsInput(
        settings, opt_outs=OptOutStore(b"k", "twilio", f"sqlite:///{tmp_path}/o.db")
    )


def test_a_number_reply_becomes_the_signed_payload(sms_channel):
    tracker = tracker_with(UserUttered("how much"), BotUttered("...", {"buttons": COST_BUTTONS}))
    reply = asyncio.run(sms_channel._menu_reply("2", "twilio-abc", _Store(tracker)))
    assert sms_channel.gateway.signer.verify("twilio-abc", reply) == "/faq/number_of_sessions"
    # Signed for this conversation only.
    assert sms_channel.gateway.signer.verify("twilio-other", reply) is None
    # Out of range, or not a number: the text goes to the model unchanged.
    assert asyncio.run(sms_channel._menu_reply("3", "twilio-abc", _Store(tracker))) == "3"
    assert asyncio.run(sms_channel._menu_reply("yes", "twilio-abc", _Store(tracker))) == "yes"


def test_without_the_tracker_store_the_last_menu_sent_is_used(sms_channel):
    sms_channel._menus["twilio-abc"] = [{"title": "Cost", "payload": "/faq/cost#signed"}]
    store = _Store(error=RuntimeError("database down"))
    assert asyncio.run(sms_channel._menu_reply("1", "twilio-abc", store)) == "/faq/cost#signed"
    assert asyncio.run(sms_channel._menu_reply("1", "twilio-abc", _Store(None))) == (
        "/faq/cost#signed"
    )


def test_help_reply_names_clinic_crisis_line_and_stop(sms_channel):
    bodies = pack_sms(sms_channel.help_text())
    text = " ".join(bodies)
    assert "(555) 010-0142" in text and "988" in text and "911" in text
    assert text.endswith("Reply STOP to opt out.")
    assert all(count_segments(b).segments <= 3 for b in bodies)


# ------------------------------------------------------------------ callback signatures


def test_callback_signature_is_hmac_sha256_of_the_raw_body():
    body = b'{"sender": "p-1", "message": "hi"}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sign_body("s3cret", body) == f"sha256={expected}"
    assert valid_signature("s3cret", body, f"sha256={expected}")
    assert valid_signature("s3cret", body, f"SHA256={expected.upper()}")
    assert not valid_signature("s3cret", body + b" ", f"sha256={expected}")
    assert not valid_signature("s3cret", body, expected)
    assert not valid_signature("s3cret", body, None)
    assert not valid_signature("", body, sign_body("", body))


def test_callback_settings():
    assert not CallbackSettings.from_env({"CALLBACK_SECRET": "x"}).configured
    settings = CallbackSettings.from_env(
        {"CALLBACK_SECRET": "x", "CALLBACK_URL": "https://p.example/in", "CALLBACK_ATTEMPTS": "5"}
    )
    assert settings.configured and settings.attempts == 5 and settings.timeout_seconds == 10


# ------------------------------------------------------------------ ids and memories


def test_conversation_ids_are_stable_pseudonyms():
    one = conversation_id(b"key", "twilio", "+15550123001")
    assert one == conversation_id(b"key", "twilio", "+15550123001")
    assert one != conversation_id(b"key", "twilio", "+15550123002")
    assert one != conversation_id(b"other", "twilio", "+15550123001")
    assert one != conversation_id(b"key", "twilio", "whatsapp:+15550123001")
    assert SENDER_PATTERN.match(one)
    assert not any(ch.isdigit() for ch in one.split("-", 1)[1])  # log masking leaves it alone
    assert "5550123001" not in one


def test_seen_ids_remember_a_bounded_number_for_a_while():
    seen = SeenIds(capacity=3, ttl_seconds=60)
    assert seen.first_time("SM1", now=0)
    assert not seen.first_time("SM1", now=1)
    for sid in ("SM2", "SM3", "SM4"):
        assert seen.first_time(sid, now=2)
    assert len(seen) == 3
    assert seen.first_time("SM1", now=3)  # forgotten: the oldest made room
    assert seen.first_time("SM2", now=100)  # forgotten: older than the ttl


def test_bounded_dict_forgets_the_oldest():
    memory = BoundedDict(capacity=2)
    memory["a"], memory["b"], memory["c"] = 1, 2, 3
    assert list(memory) == ["b", "c"]


def test_opt_outs_persist_and_hold_no_phone_numbers(tmp_path):
    url = f"sqlite:///{tmp_path}/conversations.db"
    store = OptOutStore(b"key", "twilio", url)
    assert not asyncio.run(store.is_opted_out("+15550123001"))
    asyncio.run(store.set("+15550123001", True))
    asyncio.run(store.set("+15550123001", True))  # twice is fine
    assert asyncio.run(OptOutStore(b"key", "twilio", url).is_opted_out("+15550123001"))
    assert not asyncio.run(store.is_opted_out("whatsapp:+15550123001"))
    with sqlite3.connect(tmp_path / "conversations.db") as db:
        rows = db.execute("SELECT * FROM channel_opt_outs").fetchall()
    assert len(rows) == 1 and "5550123001" not in repr(rows)
    asyncio.run(store.set("+15550123001", False))
    assert not asyncio.run(store.is_opted_out("+15550123001"))


def test_opt_outs_fall_back_to_memory_when_the_database_is_down(tmp_path):
    store = OptOutStore(b"key", "twilio", f"sqlite:///{tmp_path}/missing/dir/db.sqlite")
    asyncio.run(store.set("+15550123001", True))
    assert asyncio.run(store.is_opted_out("+15550123001"))
    assert not asyncio.run(store.is_opted_out("+15550123002"))


# ------------------------------------------------------------------ delivery


@pytest.fixture
def receiver():
    server = CallbackReceiver().start()
    yield server
    server.stop()


def post(poster: HttpPoster, url: str):
    async def run():
        try:
            return await poster.post(url, data=b"{}", label="test")
        finally:
            await poster.close()

    return asyncio.run(run())


def test_poster_retries_server_errors_then_gives_up(receiver):
    receiver.mode = "error"
    result = post(HttpPoster(attempts=3, timeout=2, backoff=0.01), receiver.url)
    assert (result.ok, result.status, result.attempts) == (False, 500, 3)
    assert len(receiver.attempts) == 3


def test_poster_retries_a_timeout(receiver):
    receiver.mode, receiver.slow_seconds = "slow", 1.5
    started = time.monotonic()
    result = post(HttpPoster(attempts=3, timeout=0.5, backoff=0.01), receiver.url)
    assert (result.ok, result.attempts) == (True, 2)
    assert time.monotonic() - started < 1.5


def test_poster_gives_up_on_a_closed_port(receiver):
    url = receiver.url
    receiver.stop()
    result = post(HttpPoster(attempts=2, timeout=1, backoff=0.01), url)
    assert (result.ok, result.status, result.attempts) == (False, 0, 2)


def test_poster_does_not_retry_a_client_error():
    twilio = FakeTwilio().start()  # answers 404 for any other path, as Twilio would
    try:
        result = post(HttpPoster(attempts=3, timeout=2, backoff=0.01), twilio.url + "/nowhere")
        assert (result.ok, result.status, result.attempts) == (False, 404, 1)
        assert twilio.requests == 1
    finally:
        twilio.stop()


def test_tasks_run_in_order_per_conversation_and_in_parallel_across():
    log = []

    async def work(key, n, delay):
        log.append(f"start {key}{n}")
        await asyncio.sleep(delay)
        log.append(f"end {key}{n}")

    async def run():
        tasks = ConversationTasks(max_pending=10)
        tasks.submit("a", lambda: work("a", 1, 0.05))
        tasks.submit("a", lambda: work("a", 2, 0.0))
        tasks.submit("b", lambda: work("b", 1, 0.0))
        await tasks.drain()
        return tasks

    tasks = asyncio.run(run())
    assert log.index("end a1") < log.index("start a2")
    assert log.index("end b1") < log.index("end a1")  # b did not wait for a
    assert tasks.pending == 0


def test_tasks_refuse_work_beyond_the_cap_and_survive_failures():
    async def boom():
        raise ValueError("broken")

    async def run():
        tasks = ConversationTasks(max_pending=2)
        accepted = [tasks.submit("a", boom) for _ in range(3)]
        await tasks.drain()
        return accepted, tasks.submit("a", boom)

    accepted, later = asyncio.run(run())
    assert accepted == [True, True, False]
    assert later  # room again once the work is done
