"""`make run` stops every server it started, however it is told to stop.

Each test starts `make run` (or `python -m assistant.stack run`) as a user would, on the test
ports plus 80, and reads the machine's processes and listening sockets from /proc.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import List, Set

import pytest

from assistant.paths import PROJECT_ROOT
from assistant.stack import base_env
from tests.conftest import TEST_PORTS, TEST_SETTINGS
from tests.stack.helpers import (
    alive,
    command_line,
    descendants,
    listening_addresses,
    wait_until,
)

pytestmark = pytest.mark.stack

PORTS = {name: port + 80 for name, port in TEST_PORTS.items()}
STOPPED_WITHIN = 10.0
# `-o setup`: the suite has set up already (it needs the model); make runs what `run` runs.
MAKE_RUN = ["make", "--no-print-directory", "-o", "setup", "run"]
STACK_RUN = [sys.executable, "-m", "assistant.stack", "run"]


def default_sigint() -> None:
    # A test run started in the background inherits SIGINT ignored; a terminal's make would not.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Launched:
    """A started `make run` or stack, and every process seen below it."""

    def __init__(self, args: List[str], tmp_path) -> None:
        self.out, self.err = tmp_path / "stdout", tmp_path / "stderr"
        env = base_env(
            {
                "RASA_PORT": str(PORTS["rasa_port"]),
                "ACTIONS_PORT": str(PORTS["actions_port"]),
                "WEB_PORT": str(PORTS["web_port"]),
                "ASSISTANT_LOG_DIR": str(tmp_path / "logs"),
                "CLINIC_SETTINGS": str(TEST_SETTINGS),
                "TRACKER_DB": str(tmp_path / "conversations.db"),
            }
        )
        env.pop("ACTION_SERVER_TOKEN", None)
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.process = subprocess.Popen(
                args, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=err, preexec_fn=default_sigint
            )
        self.seen: Set[int] = set()

    def below(self) -> List[int]:
        found = descendants(self.process.pid)
        self.seen.update(found)
        return found

    def running(self) -> bool:
        return self.process.poll() is None and "The assistant is running" in self.out.read_text()

    def rasa_server_started(self) -> bool:
        """The action server answers and the Rasa server's process exists (loading the model)."""
        assert self.process.poll() is None, self.err.read_text()
        return any("rasa run -m" in command_line(p) for p in self.below())

    def assert_everything_stops(self) -> None:
        servers = set(self.seen)
        started = time.monotonic()
        gone = wait_until(
            lambda: (
                not any(alive(p) for p in servers)
                and not any(listening_addresses(port) for port in PORTS.values())
            ),
            timeout=STOPPED_WITHIN,
        )
        leftover = {p: command_line(p) for p in servers if alive(p)}
        listening = {port: listening_addresses(port) for port in PORTS.values()}
        assert gone, (
            f"{time.monotonic() - started:.1f} s later still running: {leftover} {listening}"
        )

    def clean_up(self) -> None:
        """Whatever the test found, no process of it outlives the test."""
        if self.process.poll() is None:
            self.below()
            self.process.kill()
        self.process.wait(timeout=10)
        for pid in self.seen:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not any(alive(p) for p in self.seen), timeout=10)


@pytest.fixture()
def launch(tmp_path):
    for port in PORTS.values():
        if listening_addresses(port):
            pytest.fail(f"port {port} is in use; set ASSISTANT_TEST_PORT_OFFSET to move it")
    launched: List[Launched] = []

    def start(args: List[str]) -> Launched:
        launched.append(Launched(args, tmp_path))
        return launched[-1]

    yield start
    for each in launched:
        each.clean_up()


def test_sigterm_to_make_alone_stops_every_server(model_path, launch):
    """As systemd, Docker or a CI timeout stops `make run`: SIGTERM to make's process only."""
    make = launch(MAKE_RUN)
    assert wait_until(
        lambda: make.running() or make.process.poll() is not None, timeout=300, interval=1
    )
    assert make.running(), make.err.read_text()
    assert len(make.below()) >= 4  # the stack and its three servers
    for port in PORTS.values():
        assert listening_addresses(port) == {"127.0.0.1"}

    make.process.send_signal(signal.SIGTERM)
    make.assert_everything_stops()
    make.process.wait(timeout=10)


def test_sigint_to_make_alone_stops_every_server_while_starting(model_path, launch):
    """GNU make does not pass SIGINT on to its recipe; the stack stops all the same."""
    make = launch(MAKE_RUN)
    assert wait_until(make.rasa_server_started, timeout=120, interval=0.2)
    make.process.send_signal(signal.SIGINT)
    make.assert_everything_stops()
    make.process.wait(timeout=10)


def test_servers_stop_when_the_stack_is_killed(model_path, launch):
    """Even SIGKILL, which the stack cannot handle, leaves no server behind."""
    stack = launch(STACK_RUN)
    assert wait_until(stack.rasa_server_started, timeout=120, interval=0.2)
    stack.process.kill()
    stack.process.wait(timeout=10)
    stack.assert_everything_stops()


def test_a_busy_port_is_named_in_one_line(launch):
    """An earlier server still holding the action server's port: start stops, saying so."""
    busy = PORTS["actions_port"]
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # earlier tests' TIME_WAIT
        holder.bind(("127.0.0.1", busy))
        holder.listen()
        stack = launch(STACK_RUN)
        assert stack.process.wait(timeout=60) == 1
    errors = stack.err.read_text().strip().splitlines()
    assert len(errors) == 1, errors
    assert f"port {busy} " in errors[0] and "already in use" in errors[0]
    assert "ACTIONS_PORT" in errors[0]
    assert stack.below() == []
    assert not listening_addresses(PORTS["rasa_port"])
    assert not listening_addresses(PORTS["web_port"])
