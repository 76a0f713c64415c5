"""Conversations survive a crash, personal details never reach storage, "forget me" and
retention delete, the API is closed to strangers, and a store outage is not met with silence.
"""

import asyncio
import json
import signal
import threading
import time
import urllib.request
import uuid

import jwt
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.paths import PROJECT_ROOT
from assistant.privacy.tracker_store import RedactingSQLTrackerStore
from assistant.stack import Stack, post_json
from tests.conftest import TEST_PORTS, TEST_SETTINGS
from tests.stack.helpers import stored_events, texts, user_texts

API_SECRET = "test-secret-for-the-http-api-0123456789"


def make_stack(tmp_path, offset, env=None, with_actions=False):
    return Stack(
        rasa_port=TEST_PORTS["rasa_port"] + offset,
        actions_port=TEST_PORTS["actions_port"] + offset,
        web_port=TEST_PORTS["web_port"] + offset,
        with_actions=with_actions,
        with_web=False,
        log_dir=tmp_path / "logs",
        env={
            "CLINIC_SETTINGS": str(TEST_SETTINGS),
            "TRACKER_DB": str(tmp_path / "c.db"),
            "ASSISTANT_RATE_PER_IP": "100000",
            **(env or {}),
        },
    )


@pytest.mark.stack
def test_conversation_survives_sigkill_and_restart(model_path, tmp_path):
    stack = make_stack(tmp_path, 40)
    stack.start_rasa()
    try:
        sender = "crash-test"
        texts(stack, sender, "how much does it cost")
        texts(stack, sender, "i dont want to be alive anymore")
        before = stored_events(tmp_path / "c.db", sender)
        rasa = next(name for name in stack.processes if name.startswith("rasa"))
        stack.stop(rasa, sig=signal.SIGKILL)
        stack.start_rasa()
        # The conversation continues where it was: still in the crisis check.
        replies = texts(stack, sender, "jk")
        assert replies[0].startswith("Before we go on, I want to make sure you're okay.")
        after = stored_events(tmp_path / "c.db", sender)
        assert after[: len(before)] == before
        assert user_texts(tmp_path / "c.db", sender) == [
            "how much does it cost",
            "i dont want to be alive anymore",
            "jk",
        ]
    finally:
        stack.stop()


@pytest.mark.stack
def test_unreachable_store_still_answers_and_keeps_nothing(model_path, tmp_path):
    stack = make_stack(
        tmp_path, 50, env={"TRACKER_STORE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    )
    stack.start_rasa()
    try:
        replies = texts(stack, "outage", "how much does it cost")
        assert "IV ketamine infusion often costs" in replies[0]
        assert texts(stack, "outage", "i want to die")[0].startswith("I'm really sorry")
        log = (stack.log_dir / f"rasa-{stack.rasa_port}.log").read_text(errors="replace")
        assert "tracker_store.save_failed" in log or "tracker_store.unavailable" in log
        # Nothing kept in memory: the next turn does not know about the crisis.
        assert not texts(stack, "outage", "jk")[0].startswith("Before we go on")
    finally:
        stack.stop()


@pytest.mark.stack
def test_http_api_needs_a_jwt_when_turned_on(model_path, tmp_path):
    stack = make_stack(tmp_path, 60, env={"ASSISTANT_API_JWT_SECRET": API_SECRET})
    stack.start_rasa()
    try:
        url = f"{stack.rasa_url}/conversations/someone/tracker"
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(url, timeout=10)
        assert error.value.code == 401
        token = jwt.encode({"user": {"username": "ops", "role": "admin"}}, API_SECRET, "HS256")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 200
        wrong = jwt.encode({"user": {"username": "ops", "role": "admin"}}, "x" * 40, "HS256")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {wrong}"})
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=10)
        assert error.value.code == 401
    finally:
        stack.stop()


@pytest.mark.stack
def test_per_address_rate_limit(model_path, tmp_path):
    stack = make_stack(tmp_path, 70, env={"ASSISTANT_RATE_PER_IP": "10"})
    stack.start_rasa()
    try:
        statuses = [
            post_json(
                f"{stack.rasa_url}/webhooks/rest/webhook", {"sender": f"s{i}", "message": "hi"}
            )[0]
            for i in range(14)
        ]
        assert statuses[:10] == [200] * 10 and statuses[10:] == [429] * 4
        # The safety check comes before the limit: a crisis from the same address is answered.
        status, _, messages = post_json(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            {"sender": "s-crisis", "message": "i want to end my life tonight"},
        )
        assert status == 200
        assert messages[0]["text"].startswith("I'm really sorry you're going through this.")
        assert messages[1]["text"] == "Are you safe right now?"
    finally:
        stack.stop()


@pytest.mark.stack
def test_concurrent_messages_of_one_conversation_are_kept_in_order(running_stack):
    sender = f"order-{uuid.uuid4().hex[:8]}"
    messages = [f"question number {i} about cost" for i in range(6)]
    results = {}

    def send(i):
        results[i] = post_json(
            f"{running_stack.rasa_url}/webhooks/rest/webhook",
            {"sender": sender, "message": messages[i]},
        )[0]

    threads = []
    for i in range(len(messages)):
        threads.append(threading.Thread(target=send, args=(i,)))
        threads[-1].start()
        time.sleep(0.05)  # arrival order
    for thread in threads:
        thread.join()
    assert all(status == 200 for status in results.values())
    assert user_texts(running_stack.env["TRACKER_DB"], sender) == messages


@pytest.mark.stack
def test_forget_me_deletes_every_stored_event(running_stack):
    sender = f"forget-{uuid.uuid4().hex[:8]}"
    db = running_stack.env["TRACKER_DB"]
    texts(running_stack, sender, "what is ketamine")
    assert stored_events(db, sender)
    assert texts(running_stack, sender, "forget me")[0].startswith("Do you want me to delete")
    assert stored_events(db, sender)
    assert texts(running_stack, sender, "yes")[0].startswith(
        "Done. I've deleted this conversation."
    )
    assert stored_events(db, sender) == []
    # Writing again starts fresh, with the disclosure.
    assert texts(running_stack, sender, "hello")[0].startswith("I'm an automated assistant")


def tracker_at(sender, timestamp, text="hello"):
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    events = [
        ActionExecuted("action_session_start", timestamp=timestamp),
        SessionStarted(timestamp=timestamp),
        UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=timestamp),
    ]
    return DialogueStateTracker.from_events(sender, events, domain.slots)


def test_retention_purges_only_old_conversations(tmp_path):
    store = RedactingSQLTrackerStore(url=f"sqlite:///{tmp_path / 'r.db'}")
    now = 1_800_000_000.0
    loop = asyncio.new_event_loop()
    loop.run_until_complete(store.save(tracker_at("old", now - 31 * 86400)))
    loop.run_until_complete(store.save(tracker_at("recent", now - 2 * 86400)))
    assert store.purge_older_than(30, now=now) == {"conversations": 1, "events": 3}
    assert loop.run_until_complete(store.retrieve("old")) is None
    assert loop.run_until_complete(store.retrieve("recent")) is not None


def test_store_masks_text_that_did_not_come_through_the_gateway(tmp_path):
    store = RedactingSQLTrackerStore(url=f"sqlite:///{tmp_path / 'm.db'}")
    loop = asyncio.new_event_loop()
    loop.run_until_complete(
        store.save(
            tracker_at(
                "api", 1_800_000_000.0, "my name is Jane Doe, call 555-867-5309 or jane@x.com"
            )
        )
    )
    dump = json.dumps(stored_events(tmp_path / "m.db", "api"))
    for secret in ("Jane", "Doe", "867-5309", "jane@x.com"):
        assert secret not in dump
    assert "[PHONE]" in dump and "[EMAIL]" in dump and "[NAME]" in dump


def test_retention_command_runs(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "assistant.privacy.retention", "--days", "30"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **__import__("os").environ,
            "TRACKER_DB": str(tmp_path / "x.db"),
            "CLINIC_SETTINGS": str(TEST_SETTINGS),
            "PYTHONPATH": str(PROJECT_ROOT),
        },
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Deleted 0 conversations (0 events) older than 30 days." in result.stdout
