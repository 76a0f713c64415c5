"""The conversation lock store follows REDIS_URL and refuses unsafe worker settings."""

import asyncio
import time

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

from assistant.cluster.lock_store import ConfiguredLockStore


def test_one_process_without_redis_locks_in_memory(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    assert isinstance(ConfiguredLockStore().inner, InMemoryLockStore)


def test_several_workers_without_redis_stop_the_start(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(ValueError, match="SANIC_WORKERS=2 needs REDIS_URL"):
        ConfiguredLockStore()


def test_redis_url_selects_redis_with_its_database(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/4")
    monkeypatch.setenv("SANIC_WORKERS", "2")
    store = ConfiguredLockStore().inner
    assert isinstance(store, RedisLockStore)
    assert store.red.connection_pool.connection_kwargs["db"] == 4


def test_a_lock_left_by_a_crashed_replica_expires_before_the_reply_timeout(monkeypatch):
    """A ticket nobody releases stops blocking the conversation after 6 s, not Rasa's 60 s."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    store = ConfiguredLockStore()
    before = time.time()
    ticket = store.issue_ticket("crashed-conversation")
    expires = next(
        t.expires for t in store.get_lock("crashed-conversation").tickets if t.number == ticket
    )
    assert before + 5.5 <= expires <= time.time() + 6.0
    monkeypatch.setenv("ASSISTANT_LOCK_LIFETIME", "3")
    assert ConfiguredLockStore().lifetime == 3.0


def test_a_message_retried_after_a_crash_gets_the_lock_once_the_dead_ticket_expires(monkeypatch):
    """nginx retries a killed replica's message on the other one at once, so that message waits
    behind the dead replica's ticket. It must get the lock when that ticket expires (before the
    gateway's reply timeout), with a full lifetime left for its own turn."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    monkeypatch.setenv("ASSISTANT_LOCK_LIFETIME", "2")
    store = ConfiguredLockStore()
    store.issue_ticket("retried-conversation")  # the killed replica's; never released
    dead_expires = time.time() + 2.0

    async def retried_message():
        async with store.lock("retried-conversation") as lock:
            acquired = time.time()
            own = lock.tickets[0]
            return acquired, own.expires

    acquired, own_expires = asyncio.run(asyncio.wait_for(retried_message(), timeout=5))
    # Not while the dead replica's ticket still counts, and soon after it stops counting.
    assert dead_expires - 0.05 <= acquired <= dead_expires + 0.5
    assert own_expires >= acquired + 2.0 - 1.0
