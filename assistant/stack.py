"""Starts the assistant's processes on this machine and waits until they answer.

    python -m assistant.stack run        # action server, Rasa server, demo page
    python -m assistant.stack shell      # the same, then a chat in this terminal

Used by `make run`, `make shell`, the tests and the benchmarks, so they all start the stack
the same way. Every server listens on 127.0.0.1 unless ASSISTANT_BIND_HOST says otherwise;
ports come from RASA_PORT, ACTIONS_PORT and WEB_PORT (docs/deploy.md). Ctrl-C, SIGTERM or
SIGHUP stops every server (assistant/lifecycle.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from assistant.lifecycle import (
    StopRequested,
    stop_on_signals,
    stop_with_parent,
    terminate_with_parent,
)
from assistant.paths import PROJECT_ROOT

VENV_BIN = Path(sys.executable).parent
DEFAULT_MODEL = PROJECT_ROOT / "models" / "assistant.tar.gz"


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONPATH": str(PROJECT_ROOT),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
        }
    )
    env.update(extra or {})
    return env


API_SECRET_ENV = "ASSISTANT_API_JWT_SECRET"


def api_arguments(env: Dict[str, str]) -> List[str]:
    """Rasa's HTTP API is off unless a JWT secret is configured; then only with JWT (SEC-02)."""
    secret = env.get(API_SECRET_ENV, "").strip()
    if not secret:
        return []
    if len(secret) < 32:
        raise RuntimeError(f"{API_SECRET_ENV} must be at least 32 characters")
    return ["--enable-api", "--jwt-secret", secret, "--jwt-method", "HS256"]


BIND_HOST_ENV = "ASSISTANT_BIND_HOST"
# Read by the action server (assistant/action_server.py) and sent by the Rasa server
# (endpoints.yml's action_endpoint headers).
ACTION_TOKEN_ENV = "ACTION_SERVER_TOKEN"
LOG_DIR_ENV = "ASSISTANT_LOG_DIR"
PORT_ENVS = {"rasa_port": "RASA_PORT", "actions_port": "ACTIONS_PORT", "web_port": "WEB_PORT"}
SERVER_NAMES = {
    "rasa_port": "the Rasa server",
    "actions_port": "the action server",
    "web_port": "the demo page",
}
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
# SIGTERM first, SIGKILL after this: every server is gone within 10 s of a stop signal.
STOP_GRACE_SECONDS = 6.0


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def wait_for(url: str, timeout: float, process: Optional[subprocess.Popen] = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status < 500:
                    return True
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    return False


@dataclass
class Stack:
    """The action server, the Rasa server and the demo page server, as child processes."""

    rasa_port: int = 5005
    actions_port: int = 5055
    web_port: int = 8080
    # Where every server listens; 0.0.0.0 (or an address) only behind a firewall or proxy.
    bind_host: str = "127.0.0.1"
    # Shared by the Rasa server and its action server only; new for every stack.
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    model: Path = DEFAULT_MODEL
    log_dir: Path = PROJECT_ROOT / "var" / "logs"
    with_actions: bool = True
    with_web: bool = True
    env: Dict[str, str] = field(default_factory=dict)
    endpoints: Path = PROJECT_ROOT / "endpoints.yml"
    credentials: Path = PROJECT_ROOT / "credentials.yml"
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, **overrides) -> Stack:
        """The stack `make run` starts: ports, address and token from the environment."""
        values: Dict[str, object] = {}
        for key, name in PORT_ENVS.items():
            raw = (environ.get(name) or "").strip()
            if raw:
                if not raw.isdigit() or not 0 < int(raw) < 65536:
                    raise RuntimeError(f"{name} must be a port number, not {raw!r}")
                values[key] = int(raw)
        host = (environ.get(BIND_HOST_ENV) or "").strip()
        if host:
            values["bind_host"] = host
        token = (environ.get(ACTION_TOKEN_ENV) or "").strip()
        if token:
            values["action_token"] = token
        log_dir = (environ.get(LOG_DIR_ENV) or "").strip()
        if log_dir:
            values["log_dir"] = Path(log_dir)
        return cls(**{**values, **overrides})

    @property
    def local_host(self) -> str:
        """The address this machine reaches the servers on."""
        return "127.0.0.1" if self.bind_host in WILDCARD_HOSTS else self.bind_host

    @property
    def rasa_url(self) -> str:
        return f"http://{self.local_host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.local_host}:{self.actions_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.local_host}:{self.web_port}"

    def check_port(self, key: str) -> None:
        port = getattr(self, key)
        if not port_is_free(port, self.bind_host):
            raise RuntimeError(
                f"port {port} on {self.bind_host} ({SERVER_NAMES[key]}) is already in use: "
                f"stop what listens there (an earlier `make run`?) or set {PORT_ENVS[key]}"
            )

    def _spawn(
        self, name: str, args: List[str], env: Dict[str, str], port_key: str
    ) -> subprocess.Popen:
        self.check_port(port_key)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        # A session of its own, so a terminal's Ctrl-C reaches only this process, which then
        # stops the servers in order; terminate_with_parent covers this process dying.
        process = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=terminate_with_parent,
        )
        self.processes[name] = process
        return process

    def start_actions(self) -> None:
        env = base_env({**self.env, ACTION_TOKEN_ENV: self.action_token})
        args = [sys.executable, "-m", "assistant.action_server"]
        args += ["--actions", "actions", "--host", self.bind_host, "-p", str(self.actions_port)]
        process = self._spawn("actions", args, env, "actions_port")
        if not wait_for(f"{self.actions_url}/health", 120, process):
            raise RuntimeError(f"action server did not start; see {self.log_dir}/actions.log")

    def start_rasa(self, model: Optional[Path] = None, wait_ready: bool = True) -> None:
        env = base_env(
            {
                "ACTION_SERVER_URL": f"{self.actions_url}/webhook",
                **self.env,
                ACTION_TOKEN_ENV: self.action_token,
            }
        )
        args = [
            str(VENV_BIN / "rasa"),
            "run",
            "-m",
            str(model or self.model),
            "--credentials",
            str(self.credentials),
            "--endpoints",
            str(self.endpoints),
            "-i",
            self.bind_host,
            "-p",
            str(self.rasa_port),
        ]
        args += api_arguments(env)
        process = self._spawn(f"rasa-{self.rasa_port}", args, env, "rasa_port")
        if not wait_for(f"{self.rasa_url}/webhooks/web/health", 180, process):
            raise RuntimeError(f"Rasa server did not start; see {self.log_dir}")
        if wait_ready and not wait_for(f"{self.rasa_url}/webhooks/web/ready", 180, process):
            raise RuntimeError(f"Rasa server did not load the model; see {self.log_dir}")

    def start_web(self) -> None:
        env = base_env(
            {"ASSISTANT_SERVER_URL": self.rasa_url, "WEB_PORT": str(self.web_port), **self.env}
        )
        args = [sys.executable, "-m", "assistant.demo_site"]
        args += ["--host", self.bind_host, "--port", str(self.web_port)]
        process = self._spawn("web", args, env, "web_port")
        if not wait_for(f"{self.web_url}/", 30, process):
            raise RuntimeError(f"demo page server did not start; see {self.log_dir}/web.log")

    def start(self) -> Stack:
        # Every port before anything starts, so a busy one is named at once.
        for key, wanted in (
            ("actions_port", self.with_actions),
            ("rasa_port", True),
            ("web_port", self.with_web),
        ):
            if wanted:
                self.check_port(key)
        if self.with_actions:
            self.start_actions()
        self.start_rasa()
        if self.with_web:
            self.start_web()
        return self

    def stop(self, name: Optional[str] = None, sig: int = signal.SIGTERM) -> None:
        """Signals the servers' process groups all at once; SIGKILL for any still running."""
        names = [name] if name else list(self.processes)
        stopping = [self.processes.pop(key) for key in names if key in self.processes]
        # One that has exited (and been reaped) may have its process id reused: leave it be.
        stopping = [process for process in stopping if process.poll() is None]
        for process in stopping:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in stopping:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def post_json(url: str, body: dict, headers: Optional[dict] = None, timeout: float = 30):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, dict(reply.headers), json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            parsed = json.loads(payload)
        except ValueError:
            parsed = payload.decode(errors="replace")
        return error.code, dict(error.headers), parsed


def chat(stack: Stack) -> None:
    """A terminal chat over the REST channel; buttons are numbered as on SMS."""
    sender = f"shell-{os.getpid()}"
    buttons: List[dict] = []
    print("Type a question (or 'quit'). Reply with a number to press a button.\n")
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if text.lower() in ("quit", "exit"):
            return
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        _, _, messages = post_json(
            f"{stack.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text}
        )
        buttons = []
        for message in messages or []:
            if message.get("text"):
                print(f"bot> {message['text']}\n")
            for button in message.get("buttons") or []:
                buttons.append(button)
                print(f"     {len(buttons)}. {button['title']}")
        if buttons:
            print()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "shell"])
    args = parser.parse_args(argv)
    stop_on_signals()
    stop_with_parent()
    stack: Optional[Stack] = None
    try:
        stack = Stack.from_env()
        print("Starting the action server, the Rasa server and the demo page...", flush=True)
        stack.start()
        if args.command == "shell":
            chat(stack)
            return 0
        print(
            f"""
The assistant is running.
  Demo clinic page with the chat widget:  {stack.web_url}
  REST channel:  curl -s {stack.rasa_url}/webhooks/rest/webhook \\
                   -H 'Content-Type: application/json' \\
                   -d '{{"sender":"a","message":"how much does it cost"}}'
  Logs: {stack.log_dir}
Press Ctrl-C (or send SIGTERM to this process or to make) to stop every server.""",
            flush=True,
        )
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        print("A process stopped; see the logs.", file=sys.stderr)
        return 1
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, StopRequested):
        return 0
    finally:
        if stack is not None:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
