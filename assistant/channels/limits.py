"""Input limits and rate limits applied in front of every channel (SEC-07, SEC-09, IN-03, IN-18)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Dict, Tuple


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = _env_int("ASSISTANT_MAX_BODY_BYTES", 32 * 1024)
    max_message_chars: int = _env_int("ASSISTANT_MAX_MESSAGE_CHARS", 1000)
    max_sender_chars: int = 128
    per_sender_per_minute: int = _env_int("ASSISTANT_RATE_PER_SENDER", 20)
    per_ip_per_minute: int = _env_int("ASSISTANT_RATE_PER_IP", 60)
    reply_timeout_seconds: float = float(os.environ.get("ASSISTANT_REPLY_TIMEOUT", "8"))


class RateLimiter:
    """Token buckets: ``per_minute`` requests a minute per key, refilled continuously.

    Kept in the process: with several replicas each enforces its own share, which the load
    balancer's own limits complement (docs/deploy.md).
    """

    def __init__(self, per_minute: int, max_keys: int = 100_000) -> None:
        self._rate = per_minute / 60.0
        self._capacity = float(per_minute)
        self._buckets: Dict[str, Tuple[float, float]] = {}
        self._max_keys = max_keys
        self._lock = threading.Lock()

    def allow(self, key: str, now: float = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - last) * self._rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            if len(self._buckets) > self._max_keys:  # forget the oldest keys
                for stale in sorted(self._buckets, key=lambda k: self._buckets[k][1])[
                    : len(self._buckets) // 10
                ]:
                    del self._buckets[stale]
            return allowed
