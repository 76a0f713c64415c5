"""Conversation locks: Redis when REDIS_URL is set (several replicas), in memory otherwise.

Rasa serialises the messages of one conversation with a lock. With one process an in-memory
lock is enough; replicas behind a load balancer must share it, so set REDIS_URL (e.g.
redis://127.0.0.1:6379/1) and every replica uses Rasa's RedisLockStore.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Optional
from urllib.parse import urlparse

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore, RedisLockStore

REDIS_URL_ENV = "REDIS_URL"
LOCK_LIFETIME_ENV = "ASSISTANT_LOCK_LIFETIME"
# Seconds a conversation's lock lasts if its holder never releases it (a replica killed while
# answering). Rasa's default, 60 s, would make that conversation's next messages wait past the
# gateway's reply timeout (8 s), so they would get the "having trouble" note and not be kept.
# Below that timeout, a message that arrives after the crash still gets answered and stored; a
# live turn takes well under a second, and the gateway stops waiting for one at 8 s anyway.
DEFAULT_LOCK_LIFETIME_SECONDS = 6.0
# How often a waiting message reads the lock. Rasa's 1 s would spend up to a second of the
# gateway's 8 s on top of a crashed replica's 6 s; a Redis read per 0.2 s is cheap.
WAIT_POLL_SECONDS = 0.2
# How often a waiting message writes its renewed ticket (Rasa's wait loop writes every second).
RENEW_EVERY_SECONDS = 1.0


def lock_lifetime() -> float:
    value = os.environ.get(LOCK_LIFETIME_ENV, "").strip()
    return float(value) if value else DEFAULT_LOCK_LIFETIME_SECONDS


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
        self.lifetime = lock_lifetime()

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 0) -> int:
        # Rasa asks for its own lifetime (60 s by default); the project's is shorter (above).
        return super().issue_ticket(conversation_id, self.lifetime)

    def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = 0,
        wait_time_in_seconds: float = WAIT_POLL_SECONDS,
    ):
        return super().lock(conversation_id, self.lifetime, wait_time_in_seconds)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        # Rasa lets a waiting message's own ticket expire while it waits. Behind a ticket that
        # nobody releases (a replica killed mid-answer, whose message nginx retries here at
        # once) both then expire together, the lock is left with no ticket, and the message
        # waits until the gateway gives up: answered "having trouble" and never stored. So a
        # waiting message renews its ticket, and is served with (nearly) a whole lifetime.
        while True:
            lock = self.get_lock(conversation_id)
            own = next((t for t in lock.tickets if t.number == ticket), None) if lock else None
            if own is None:
                raise LockError(f"lost the lock ticket of conversation '{conversation_id}'")
            now = time.time()
            if own.expires - now < self.lifetime - RENEW_EVERY_SECONDS:
                own.expires = now + self.lifetime
                self.save_lock(lock)
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        return self.inner.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.inner.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.inner.save_lock(lock)
