"""Conversation locks: Redis when REDIS_URL is set (several replicas), in memory otherwise.

Rasa serialises the messages of one conversation with a lock. With one process an in-memory
lock is enough; replicas behind a load balancer must share it, so set REDIS_URL (e.g.
redis://127.0.0.1:6379/1) and every replica uses Rasa's RedisLockStore.
"""

from __future__ import annotations

import os
from typing import Optional
from urllib.parse import urlparse

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

REDIS_URL_ENV = "REDIS_URL"


def inner_lock_store() -> LockStore:
    url = os.environ.get(REDIS_URL_ENV, "").strip()
    if not url:
        return InMemoryLockStore()
    parsed = urlparse(url)
    return RedisLockStore(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 6379,
        db=int((parsed.path or "/1").lstrip("/") or 1),
        password=parsed.password,
        use_ssl=parsed.scheme == "rediss",
        key_prefix="ketamineassistant",
    )


class ConfiguredLockStore(LockStore):
    """Delegates to Redis or memory, chosen once from the environment."""

    def __init__(self, endpoint_config=None) -> None:
        workers = os.environ.get("SANIC_WORKERS", "1").strip() or "1"
        if workers != "1" and not os.environ.get(REDIS_URL_ENV, "").strip():
            # Each Sanic worker is a process: in-memory locks would let two workers answer one
            # conversation at once and interleave its turns.
            raise ValueError(f"SANIC_WORKERS={workers} needs REDIS_URL (shared conversation locks)")
        self.inner = inner_lock_store()

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        return self.inner.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.inner.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.inner.save_lock(lock)
