"""Fixtures for the messaging channel tests: fake Twilio, a callback receiver, a real stack.

The stack is the project's own (``assistant.stack.Stack``: action server and Rasa server with
the trained model), started with the Twilio and callback channels configured through
environment variables, as in production, pointing at the local fakes. It needs its own
environment, so it cannot be the shared ``running_stack``: it listens on the test ports plus
``PORT_SHIFT`` (``ASSISTANT_TEST_PORT_OFFSET`` moves both) and lives only while the tests of
this package run, so a full ``pytest`` run never has two stacks on one port.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.paths import PROJECT_ROOT
from assistant.stack import port_is_free
from tests.channels.channel_fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLBACK_SECRET,
    CLINIC_NUMBER,
    PUBLIC_WEBHOOK_URL,
    SIGNING_KEY,
    CallbackReceiver,
    FakeTwilio,
)
from tests.conftest import MODEL, TEST_PORTS, TEST_SETTINGS

CREDENTIALS = PROJECT_ROOT / "tests" / "fixtures" / "credentials.channels.yml"
LOG_DIR = PROJECT_ROOT / "var" / "logs" / "tests-channels"
# Other suites' own stacks use TEST_PORTS + 10 ... + 80; the shared running_stack + 0.
PORT_SHIFT = 90
PER_IP_LIMIT = 3
CHANNEL_PORTS = {name: port + PORT_SHIFT for name, port in TEST_PORTS.items()}


@pytest.fixture(scope="package")
def fake_twilio():
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def callback_receiver():
    server = CallbackReceiver().start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def tracker_db(tmp_path_factory) -> Path:
    """The stack's conversation database (SQLite), which tests inspect."""
    return tmp_path_factory.mktemp("channels-db") / "conversations.db"


@pytest.fixture(scope="package")
def channel_stack(fake_twilio, callback_receiver, tracker_db):
    """Action server + Rasa server with the Twilio and callback channels configured."""
    from assistant.stack import Stack

    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    ports = CHANNEL_PORTS
    busy = [p for p in (ports["rasa_port"], ports["actions_port"]) if not port_is_free(p)]
    if busy:
        pytest.fail(f"ports {busy} are in use; set ASSISTANT_TEST_PORT_OFFSET to move them")
    stack = Stack(
        model=MODEL,
        log_dir=LOG_DIR,
        with_web=False,
        credentials=CREDENTIALS,
        env={
            "CLINIC_SETTINGS": str(TEST_SETTINGS),
            "TRACKER_DB": str(tracker_db),
            "ASSISTANT_SIGNING_KEY": SIGNING_KEY,
            # Every test request comes from 127.0.0.1, as Twilio's come from a few addresses
            # for many patients: signed channels must not be throttled by address, and this
            # limit is far below what the suite sends from one address.
            "ASSISTANT_RATE_PER_IP": str(PER_IP_LIMIT),
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_NUMBER": CLINIC_NUMBER,
            "TWILIO_API_BASE": fake_twilio.url,
            "TWILIO_WEBHOOK_URL": PUBLIC_WEBHOOK_URL,
            "CALLBACK_SECRET": CALLBACK_SECRET,
            "CALLBACK_URL": f"{callback_receiver.url}/assistant/replies",
            "CALLBACK_TIMEOUT_SECONDS": "2",
            "CALLBACK_BACKOFF_SECONDS": "0.3",
            "CALLBACK_ATTEMPTS": "3",
        },
        rasa_port=ports["rasa_port"],
        actions_port=ports["actions_port"],
        web_port=ports["web_port"],
    )
    # Each run gets a fresh log, so tests can read what this server logged.
    (LOG_DIR / f"rasa-{stack.rasa_port}.log").unlink(missing_ok=True)
    try:
        stack.start()
    except Exception:
        stack.stop()
        raise
    yield stack
    stack.stop()


@pytest.fixture(scope="package")
def rasa_log(channel_stack) -> Path:
    return LOG_DIR / f"rasa-{channel_stack.rasa_port}.log"
