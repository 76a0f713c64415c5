"""Starts the assistant's processes on this machine and waits until they answer.

    python -m assistant.stack run        # action server, Rasa server, demo page; Ctrl-C stops all
    python -m assistant.stack shell      # the same, then a chat in this terminal

Used by `make run`, `make shell`, the tests and the benchmarks, so they all start the stack
the same way. Ports and paths can be changed with environment variables (see README).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

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


def port_is_free(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
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

    rasa_port: int = int(os.environ.get("RASA_PORT", "5005"))
    actions_port: int = int(os.environ.get("ACTIONS_PORT", "5055"))
    web_port: int = int(os.environ.get("WEB_PORT", "8080"))
    model: Path = DEFAULT_MODEL
    log_dir: Path = PROJECT_ROOT / "var" / "logs"
    with_actions: bool = True
    with_web: bool = True
    env: Dict[str, str] = field(default_factory=dict)
    endpoints: Path = PROJECT_ROOT / "endpoints.yml"
    credentials: Path = PROJECT_ROOT / "credentials.yml"
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def _spawn(
        self, name: str, args: List[str], env: Dict[str, str], port: Optional[int] = None
    ) -> subprocess.Popen:
        if port is not None and not port_is_free(port):
            raise RuntimeError(f"port {port} is already in use: stop what runs there first")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start_actions(self) -> None:
        env = base_env(self.env)
        process = self._spawn(
            "actions",
            [
                str(VENV_BIN / "rasa"),
                "run",
                "actions",
                "--actions",
                "actions",
                "-p",
                str(self.actions_port),
            ],
            env,
        )
        if not wait_for(f"http://127.0.0.1:{self.actions_port}/health", 120, process):
            raise RuntimeError(f"action server did not start; see {self.log_dir}/actions.log")

    def start_rasa(self, model: Optional[Path] = None, wait_ready: bool = True) -> None:
        env = base_env(
            {"ACTION_SERVER_URL": f"http://127.0.0.1:{self.actions_port}/webhook", **self.env}
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
            "127.0.0.1",
            "-p",
            str(self.rasa_port),
        ]
        args += api_arguments(env)
        process = self._spawn(f"rasa-{self.rasa_port}", args, env, self.rasa_port)
        if not wait_for(f"{self.rasa_url}/webhooks/web/health", 180, process):
            raise RuntimeError(f"Rasa server did not start; see {self.log_dir}")
        if wait_ready and not wait_for(f"{self.rasa_url}/webhooks/web/ready", 180, process):
            raise RuntimeError(f"Rasa server did not load the model; see {self.log_dir}")

    def start_web(self) -> None:
        env = base_env(
            {"ASSISTANT_SERVER_URL": self.rasa_url, "WEB_PORT": str(self.web_port), **self.env}
        )
        process = self._spawn(
            "web",
            [sys.executable, "-m", "assistant.demo_site", "--port", str(self.web_port)],
            env,
            self.web_port,
        )
        if not wait_for(f"{self.web_url}/", 30, process):
            raise RuntimeError(f"demo page server did not start; see {self.log_dir}/web.log")

    def start(self) -> Stack:
        if self.with_actions:
            self.start_actions()
        self.start_rasa()
        if self.with_web:
            self.start_web()
        return self

    def stop(self, name: Optional[str] = None, sig: int = signal.SIGTERM) -> None:
        names = [name] if name else list(self.processes)
        for key in names:
            process = self.processes.pop(key, None)
            if process is None or process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=20)
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
    stack = Stack()
    try:
        print("Starting the action server, the Rasa server and the demo page...", flush=True)
        stack.start()
    except RuntimeError as error:
        stack.stop()
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
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
Press Ctrl-C to stop.""",
            flush=True,
        )
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        print("A process stopped; see the logs.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
