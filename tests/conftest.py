"""Shared fixtures: the trained model, the clinic settings for tests, a running stack."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import yaml

from assistant.paths import PROJECT_ROOT

TEST_SETTINGS = PROJECT_ROOT / "tests" / "fixtures" / "clinic.test.yml"
MODEL = PROJECT_ROOT / "models" / "assistant.tar.gz"

# Ports of the stack the tests start (the developer's own `make run` keeps 5005/5055/8080).
# Tests that start a stack of their own add an offset below 100 to all three, so the three
# ranges must not overlap. ASSISTANT_TEST_PORT_OFFSET moves them, so two test runs can share a
# machine.
_OFFSET = int(os.environ.get("ASSISTANT_TEST_PORT_OFFSET", "0"))
TEST_PORTS = {
    "rasa_port": 5105 + _OFFSET,
    "actions_port": 6155 + _OFFSET,
    "web_port": 8180 + _OFFSET,
}

os.environ.setdefault("CLINIC_SETTINGS", str(TEST_SETTINGS))


@pytest.fixture(scope="session")
def model_path() -> Path:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    return MODEL


@pytest.fixture(scope="session")
def running_stack(model_path, tmp_path_factory):
    """Action server, Rasa server and demo page on the test ports, shared by all tests."""
    from assistant.stack import Stack

    db_dir = tmp_path_factory.mktemp("stack-db")
    settings = yaml.safe_load(TEST_SETTINGS.read_text())
    web_port = TEST_PORTS["web_port"]
    settings["web"]["allowed_origins"] = [
        f"http://127.0.0.1:{web_port}",
        f"http://localhost:{web_port}",
    ]
    settings_file = db_dir / "clinic.yml"
    settings_file.write_text(yaml.safe_dump(settings))
    stack = Stack(
        model=model_path,
        log_dir=PROJECT_ROOT / "var" / "logs" / "tests",
        env={
            "CLINIC_SETTINGS": str(settings_file),
            "TRACKER_DB": str(db_dir / "conversations.db"),
            # Every test talks from 127.0.0.1: the per-address limit is tested on its own.
            "ASSISTANT_RATE_PER_IP": "100000",
        },
        **TEST_PORTS,
    )
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(autouse=True)
def current_event_loop():
    """A usable current event loop for every test: a test that runs a coroutine with
    ``asyncio.run()`` leaves none behind, and the NLU tests parse on the current one, whatever
    ran before them."""
    policy = asyncio.get_event_loop_policy()
    try:
        usable = not policy.get_event_loop().is_closed()
    except RuntimeError:
        usable = False
    if not usable:
        policy.set_event_loop(policy.new_event_loop())


@pytest.fixture(scope="session")
def agent(model_path):
    """The trained model loaded in this process (for NLU and dialogue checks)."""
    import asyncio

    from rasa.core.agent import Agent

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return Agent.load(str(model_path))
