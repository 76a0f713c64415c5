"""What the stack's servers expose: loopback only, an action server only the Rasa server can use.

The shared ``running_stack`` is the one `make run` starts (on the test ports). One more
process, a bare action server without a token, shows the loopback-only fallback.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request

import pytest

from assistant.content import answers, sources
from assistant.paths import PROJECT_ROOT
from assistant.stack import base_env, port_is_free, post_json, wait_for
from tests.conftest import TEST_PORTS, TEST_SETTINGS
from tests.stack.helpers import listening_addresses, local_addresses, texts

pytestmark = pytest.mark.stack

TWENTY_MB = 20 * 1024 * 1024
# A call as the Rasa server makes it (rasa_sdk's /webhook format).
ACTION_CALL = {
    "next_action": "action_show_sources",
    "sender_id": "crafted",
    "version": "3.6.2",
    "tracker": {"sender_id": "crafted", "slots": {}, "latest_message": {}, "events": []},
    "domain": {},
}


def get(url: str, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_every_server_listens_on_loopback_only(running_stack):
    for port in (running_stack.rasa_port, running_stack.actions_port, running_stack.web_port):
        assert listening_addresses(port) == {"127.0.0.1"}, port
    for address in local_addresses():
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, running_stack.actions_port), timeout=5).close()


def test_action_server_answers_only_the_rasa_server(running_stack):
    actions = running_stack.actions_url
    assert get(f"{actions}/actions")[0] == 401
    assert get(f"{actions}/actions", bearer("guessed"))[0] == 401
    status, _, body = post_json(f"{actions}/webhook", ACTION_CALL)
    assert status == 401 and "events" not in body
    status, _, body = post_json(f"{actions}/webhook", ACTION_CALL, bearer("guessed"))
    assert status == 401 and "events" not in body
    # Health checks need no token and learn nothing about conversations.
    assert get(f"{actions}/health") == (200, {"status": "ok"})

    # The Rasa server sends the stack's token: "where does that come from?" is answered by
    # the action server.
    sender = "sources-through-rasa"
    texts(running_stack, sender, "how much does it cost")
    replies = texts(running_stack, sender, "where does that come from?")
    assert "That answer is based on:" in replies
    expected = [sources()[s].title for s in answers()["cost"].sources]
    assert all(any(title in reply for reply in replies) for title in expected)
    status, names = get(f"{actions}/actions", bearer(running_stack.action_token))
    assert status == 200 and {"name": "action_show_sources"} in names


def test_action_server_refuses_a_20_mb_body_before_reading_it(running_stack):
    head = (
        "POST /webhook HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{running_stack.actions_port}\r\n"
        f"Authorization: Bearer {running_stack.action_token}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {TWENTY_MB}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", running_stack.actions_port), timeout=10) as s:
        # Only the first 64 KB of the 20 MB: the answer must come without waiting for the rest.
        s.sendall(head.encode() + b"[" * 65536)
        answer = s.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer


@pytest.fixture()
def action_server_without_token(tmp_path):
    """The action server on every interface with no token set: it answers loopback only."""
    port = TEST_PORTS["actions_port"] + 10
    if not port_is_free(port, "0.0.0.0"):
        pytest.fail(f"port {port} is in use; set ASSISTANT_TEST_PORT_OFFSET to move it")
    env = base_env({"CLINIC_SETTINGS": str(TEST_SETTINGS)})
    env.pop("ACTION_SERVER_TOKEN", None)
    args = [sys.executable, "-m", "assistant.action_server", "--host", "0.0.0.0", "-p", str(port)]
    with open(tmp_path / "actions.log", "wb") as log:
        process = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/health", 60, process), (
            tmp_path / "actions.log"
        ).read_text()
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_without_a_token_the_action_server_answers_only_loopback(action_server_without_token):
    port = action_server_without_token
    others = local_addresses()
    if not others:
        pytest.skip("this machine has no address besides loopback to call from")
    assert get(f"http://127.0.0.1:{port}/actions")[0] == 200
    for address in others:
        assert get(f"http://{address}:{port}/actions")[0] == 403
        status, _, body = post_json(f"http://{address}:{port}/webhook", ACTION_CALL)
        assert status == 403 and "events" not in body
