"""Delivery helpers for channels that answer later, over HTTP (Twilio, the callback channel).

Such channels acknowledge a webhook at once and send the reply afterwards, because the
platforms time out (Twilio after 15 s) and retry or fall back, and a slow model or action
server must not turn into duplicate or lost messages. The pieces:

- ``ConversationTasks``: background work, one conversation at a time in arrival order (so
  replies go out in the order the questions came), with a cap on pending work and a drain
  on shutdown;
- ``HttpPoster``: non-blocking POSTs (aiohttp) with a timeout, retries with backoff on
  network errors, 408, 429 and 5xx, and no retry on other answers, which would not change;
- ``SeenIds``: a bounded memory of message ids already handled (webhook retries);
- ``conversation_id``: a stable pseudonymous conversation id for a phone number or a
  platform's user id, so neither reaches the tracker store, the action server or the logs,
  and nobody can join someone's conversation through the open REST channel by knowing it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Set

import aiohttp

from assistant.channels.conversations import issued_id

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Hex digits written as letters: the log redaction (assistant/privacy/logs.py) would take a
# run of digits inside a conversation id for a phone number and mask it.
_HEX_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def conversation_id(key: bytes, channel: str, address: str) -> str:
    """``<channel>-<32 letters>`` (128 bits): stable per address, meaningless without the key."""
    digest = hmac.new(key, f"{channel}-sender\n{address}".encode(), hashlib.sha256)
    return issued_id(channel, digest.hexdigest()[:32].translate(_HEX_AS_LETTERS))


class SeenIds:
    """Ids seen recently (bounded, oldest forgotten first), for at-most-once handling.

    In the process: a retry reaching another replica is not caught, which the platforms make
    rare (Twilio retries only on connection failures or via a fallback URL).
    """

    def __init__(self, capacity: int = 10_000, ttl_seconds: float = 24 * 3600) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._capacity = capacity
        self._ttl = ttl_seconds

    def first_time(self, message_id: str, now: Optional[float] = None) -> bool:
        """True (and remembered) the first time ``message_id`` is seen, else False."""
        now = time.monotonic() if now is None else now
        while self._seen:
            oldest, seen_at = next(iter(self._seen.items()))
            if now - seen_at <= self._ttl and len(self._seen) < self._capacity:
                break
            self._seen.pop(oldest)
        if message_id in self._seen:
            return False
        self._seen[message_id] = now
        return True

    def __len__(self) -> int:
        return len(self._seen)


class BoundedDict(OrderedDict):
    """A small LRU map for per-conversation state kept in the process."""

    def __init__(self, capacity: int = 10_000) -> None:
        super().__init__()
        self.capacity = capacity

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.capacity:
            self.popitem(last=False)


class ConversationTasks:
    """Runs background work per conversation, in order, and drains it at shutdown."""

    def __init__(self, max_pending: int = 500) -> None:
        self.max_pending = max_pending
        self._locks: Dict[str, asyncio.Lock] = {}
        self._waiting: Dict[str, int] = {}
        self._tasks: Set[asyncio.Task] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def submit(self, key: str, work: Callable[[], Awaitable[Any]]) -> bool:
        """Schedules ``work`` after earlier work of the same conversation; False when full."""
        if len(self._tasks) >= self.max_pending:
            return False
        task = asyncio.get_running_loop().create_task(self._run(key, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _run(self, key: str, work: Callable[[], Awaitable[Any]]) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await work()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # one conversation's failure must not stop the others
            logger.error("delivery.task_failed error=%s", type(error).__name__, exc_info=True)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                self._locks.pop(key, None)

    async def drain(self, timeout: float = 15.0) -> None:
        """Waits for pending work (replies in flight) before the server stops."""
        if not self._tasks:
            return
        done, still = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in still:
            task.cancel()
        if still:
            logger.error("delivery.drain_timeout cancelled=%s", len(still))


@dataclass
class PostResult:
    """The last answer to a POST (``status`` 0 if none came) and how many attempts it took."""

    status: int
    body: bytes
    attempts: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class HttpPoster:
    """POSTs with a per-attempt timeout and retries with exponential backoff."""

    def __init__(self, attempts: int = 3, timeout: float = 10.0, backoff: float = 1.0) -> None:
        self.attempts = max(1, attempts)
        self.timeout = timeout
        self.backoff = backoff
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use, inside the server's event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def post(
        self,
        url: str,
        *,
        data: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        auth: Optional[aiohttp.BasicAuth] = None,
        label: str = "post",
    ) -> PostResult:
        """The first 2xx answer, or the last failure after ``attempts`` tries."""
        result = PostResult(0, b"", 0)
        for attempt in range(1, self.attempts + 1):
            result.attempts = attempt
            try:
                async with self._client().post(
                    url, data=data, headers=dict(headers or {}), auth=auth
                ) as reply:
                    result.status, result.body = reply.status, await reply.read()
                if result.ok or result.status not in RETRY_STATUSES:
                    return result
                problem = f"status={result.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
                result.status, result.body = 0, b""
                problem = f"error={type(error).__name__}"
            if attempt < self.attempts:
                delay = self.backoff * 2 ** (attempt - 1)
                logger.warning(
                    "%s.retry attempt=%s %s next_in=%.1fs", label, attempt, problem, delay
                )
                await asyncio.sleep(delay)
            else:
                logger.error("%s.gave_up attempts=%s %s", label, attempt, problem)
        return result
