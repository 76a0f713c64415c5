"""Who texted STOP: kept in the conversations database, apart from the conversations.

An opt-out must outlive a restart, reach every replica and survive "forget me" deletion and
the retention purge of conversations, so it gets its own table (``channel_opt_outs``) in the
database the tracker store uses (``TRACKER_STORE_URL`` or the SQLite ``TRACKER_DB``). The
table holds a keyed hash of the address, never the phone number.

If the database cannot be reached the store falls back to what this process saw, logs the
error, and keeps answering: failing closed would silence the crisis replies for everyone,
and on SMS Twilio blocks messages to opted-out numbers itself (error 21610).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import time
from typing import Optional

import sqlalchemy as sa

from assistant.channels.delivery import BoundedDict

logger = logging.getLogger(__name__)

_METADATA = sa.MetaData()
OPT_OUTS = sa.Table(
    "channel_opt_outs",
    _METADATA,
    sa.Column("address_hash", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("opted_out_at", sa.Float, nullable=False),
)


class OptOutStore:
    """Records and answers "has this address opted out?"."""

    def __init__(self, key: bytes, channel: str, url: Optional[str] = None) -> None:
        self._key = key
        self.channel = channel
        self._url = url
        self._engine: Optional[sa.engine.Engine] = None
        self._engine_lock = threading.Lock()  # queries run in worker threads
        self._memory = BoundedDict(100_000)  # used only while the database is down

    def address_hash(self, address: str) -> str:
        return hmac.new(self._key, f"opt-out\n{address}".encode(), hashlib.sha256).hexdigest()

    def _connect(self) -> sa.engine.Engine:
        with self._engine_lock:
            if self._engine is None:
                from rasa.core.tracker_store import create_engine_kwargs

                from assistant.privacy.tracker_store import store_url

                url = self._url or store_url()
                engine = sa.create_engine(url, **create_engine_kwargs(url))
                _METADATA.create_all(engine, checkfirst=True)
                self._engine = engine
            return self._engine

    def _read(self, digest: str) -> bool:
        with self._connect().connect() as connection:
            row = connection.execute(
                sa.select(OPT_OUTS.c.address_hash).where(OPT_OUTS.c.address_hash == digest)
            ).first()
        return row is not None

    def _write(self, digest: str, opted_out: bool) -> None:
        with self._connect().begin() as connection:
            connection.execute(OPT_OUTS.delete().where(OPT_OUTS.c.address_hash == digest))
            if opted_out:
                connection.execute(
                    OPT_OUTS.insert().values(
                        address_hash=digest, channel=self.channel, opted_out_at=time.time()
                    )
                )

    async def is_opted_out(self, address: str) -> bool:
        digest = self.address_hash(address)
        try:
            return await asyncio.to_thread(self._read, digest)
        except sa.exc.SQLAlchemyError as error:
            logger.error("opt_out.read_failed error=%s", type(error).__name__)
            return self._memory.get(digest, False)

    async def set(self, address: str, opted_out: bool) -> None:
        digest = self.address_hash(address)
        self._memory[digest] = opted_out
        try:
            await asyncio.to_thread(self._write, digest, opted_out)
        except sa.exc.SQLAlchemyError as error:
            logger.error("opt_out.write_failed error=%s", type(error).__name__)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
