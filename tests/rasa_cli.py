"""Running the `rasa` command line from tests, with the project's environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from assistant.paths import PROJECT_ROOT
from assistant.stack import base_env

RASA = str(Path(sys.executable).parent / "rasa")


def run_rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RASA, *args],
        cwd=PROJECT_ROOT,
        env=base_env(
            {"ACTION_SERVER_URL": "http://127.0.0.1:9/webhook", "ACTION_SERVER_TOKEN": ""}
        ),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
