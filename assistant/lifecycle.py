"""Servers that stop with the process that started them.

The stack's servers run in sessions of their own, so a terminal's Ctrl-C reaches only the
parent (`python -m assistant.stack`), which stops them itself. For nothing to outlive it:

- SIGTERM, SIGINT and SIGHUP make the parent raise ``StopRequested``; its ``finally`` stops
  the servers (systemd, Docker and CI timeouts send SIGTERM; make passes SIGTERM on);
- each server gets SIGTERM when the parent dies, even by SIGKILL (Linux PR_SET_PDEATHSIG);
- the parent stops itself when its own parent is handling SIGINT or SIGTERM (GNU make does
  not pass SIGINT on to a recipe, it waits for it inside the signal's handler) or exits
  (unless started under `nohup`, which asks to outlive it).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Optional

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


class StopRequested(BaseException):
    """A stop signal arrived; raised like KeyboardInterrupt so ``finally`` blocks run."""


def _raise_stop(signum: int, frame) -> None:
    # Ignore repeats (an impatient second Ctrl-C) so they cannot interrupt the stopping.
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)
    raise StopRequested(signal.Signals(signum).name)


def stop_on_signals() -> None:
    """In the main thread: SIGTERM, SIGINT and SIGHUP raise ``StopRequested``."""
    for stop_signal in STOP_SIGNALS:
        # One ignored from the start stays ignored (`nohup`, a shell's background job).
        if signal.getsignal(stop_signal) != signal.SIG_IGN:
            signal.signal(stop_signal, _raise_stop)


def _load_prctl() -> Optional[Callable[..., int]]:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up once here: the child only calls it between fork and exec.
_PRCTL = _load_prctl()


def terminate_with_parent() -> None:
    """``preexec_fn`` for a server: SIGTERM when the process that started it dies."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)


def _blocked_signals(pid: int) -> int:
    """The signals ``pid`` blocks (a process does while in that signal's handler); 0 if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigBlk:"):
                return int(line.split()[1], 16)
    except (OSError, ValueError):
        pass
    return 0


def _mask(*signals: int) -> int:
    return sum(1 << (int(s) - 1) for s in signals)


def stop_with_parent(interval: float = 0.5) -> threading.Thread:
    """Sends this process SIGTERM when its parent exits or starts handling SIGINT/SIGTERM."""
    parent = os.getppid()
    watched = _mask(signal.SIGINT, signal.SIGTERM)
    # Signals the parent blocks from the start (e.g. for a signalfd) say nothing.
    watched &= ~_blocked_signals(parent)
    follow_exit = signal.getsignal(signal.SIGHUP) != signal.SIG_IGN

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:  # its process id may belong to another process now
                if follow_exit:
                    os.kill(os.getpid(), signal.SIGTERM)
                return
            if _blocked_signals(parent) & watched:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    thread = threading.Thread(target=watch, name="stop-with-parent", daemon=True)
    thread.start()
    return thread
