"""Without credentials in the environment, both channels register and answer 503."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from assistant.paths import PROJECT_ROOT
from assistant.stack import base_env, port_is_free, wait_for
from tests.channels.channel_fakes import post_callback, post_twilio, twilio_form
from tests.channels.conftest import CHANNEL_PORTS
from tests.conftest import TEST_SETTINGS

SERVER = Path(__file__).with_name("bare_channel_server.py")


@pytest.fixture(scope="module")
def bare_server():
    # The demo page's port of the channel stack, which does not start the demo page.
    port = CHANNEL_PORTS["web_port"]
    if not port_is_free(port):
        pytest.fail(f"port {port} is in use; set ASSISTANT_TEST_PORT_OFFSET to move it")
    env = {
        k: v
        for k, v in base_env({"CLINIC_SETTINGS": str(TEST_SETTINGS)}).items()
        if not k.startswith(("TWILIO_", "CALLBACK_"))
    }
    log = open(PROJECT_ROOT / "var" / "logs" / "tests-channels-bare.log", "wb")
    process = subprocess.Popen(
        [sys.executable, str(SERVER), str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/webhooks/twilio/", 120, process), (
            "the bare channel server did not start; see var/logs/tests-channels-bare.log"
        )
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_twilio_without_credentials_answers_503(bare_server):
    status, _, body = post_twilio(bare_server, twilio_form("+15550123099", "hello"))
    assert status == 503
    assert "not configured" in body


def test_callback_without_secret_answers_503(bare_server):
    status, answer, _ = post_callback(bare_server, {"sender": "p-1", "message": "hello"})
    assert status == 503
    assert "not configured" in answer["error"]


def test_health_routes_still_answer(bare_server):
    for path in ("/webhooks/twilio/", "/webhooks/callback/"):
        with urllib.request.urlopen(bare_server + path, timeout=5) as reply:
            assert reply.status == 200
