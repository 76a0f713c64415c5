"""Where conversations are stored: Rasa's SQL tracker store, masked, deletable, never silent.

Configured in endpoints.yml (``type: assistant.privacy.tracker_store.RedactingSQLTrackerStore``)
and chosen by environment variables, so the same project runs on SQLite on one machine and on
PostgreSQL behind several replicas:

    TRACKER_STORE_URL   a SQLAlchemy URL, e.g. postgresql://rasa@127.0.0.1:5432/rasa
    TRACKER_DB          otherwise, the SQLite file (default var/conversations.db)

On top of Rasa's store it:
- masks personal details in user text before an event is written or sent to an event broker
  (the gateway masks them first; this covers any other way in, such as the HTTP API);
- deletes every event of a conversation when the assistant has just said
  ``utter_conversation_deleted`` ("forget me", after the person confirmed);
- never falls back to keeping conversations in memory: if the database cannot be reached, the
  error is logged, the reply still goes out (one question at a time works) and nothing is kept.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.paths import PROJECT_ROOT

logger = logging.getLogger(__name__)

STORE_URL_ENV = "TRACKER_STORE_URL"
SQLITE_PATH_ENV = "TRACKER_DB"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "conversations.db"
DELETION_ACTION = "utter_conversation_deleted"


def store_url() -> str:
    """The database the conversations go to, from the environment."""
    url = os.environ.get(STORE_URL_ENV, "").strip()
    if url:
        return url
    path = Path(os.environ.get(SQLITE_PATH_ENV, "").strip() or DEFAULT_SQLITE_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def redact_event(event: Event, redact) -> Event:
    """A copy of ``event`` with personal details masked in user text."""
    if not isinstance(event, UserUttered) or not event.text:
        return event
    result = redact(event.text)
    if not result.changed:
        return event
    data = event.as_dict()
    data["text"] = result.text
    parse_data = dict(data.get("parse_data") or {})
    if parse_data:
        parse_data["text"] = result.text
        parse_data["entities"] = [
            e for e in parse_data.get("entities") or [] if str(e.get("value")) in result.text
        ]
        data["parse_data"] = parse_data
    return Event.from_parameters(data)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQL tracker store with masking, "forget me" deletion and no in-memory fallback."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        url: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        # Rasa's constructor retries the database forever; here start-up never waits on it.
        self.url = url or store_url()
        self.engine = sa.create_engine(self.url, **create_engine_kwargs(self.url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._tables_ready = False
        self._ensure_tables()
        super(SQLTrackerStore, self).__init__(domain, event_broker, **kwargs)

    def _ensure_tables(self) -> bool:
        if self._tables_ready:
            return True
        try:
            self.Base.metadata.create_all(self.engine)
            self._tables_ready = True
        except sa.exc.SQLAlchemyError as error:
            logger.error("tracker_store.unavailable error=%s", type(error).__name__)
        return self._tables_ready

    @staticmethod
    def _redact(text: str):
        from assistant.privacy.redaction import default_redactor

        return default_redactor().redact(text)

    def _masked(self, events: Iterable[Event]) -> List[Event]:
        return [redact_event(event, self._redact) for event in events]

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        if not self.event_broker:
            return
        previous = await self.retrieve(tracker.sender_id)
        old = len(previous.events) if previous else 0
        for event in self._masked(list(tracker.events)[old:]):
            body = {"sender_id": tracker.sender_id, **event.as_dict()}
            self.event_broker.publish(body)

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            if self._deletion_requested(tracker):
                self.delete(tracker.sender_id)
                return
            if not self._ensure_tables():
                raise sa.exc.OperationalError("create tables", {}, Exception("unavailable"))
            await self.stream_events(tracker)
            with self.session_scope() as session:
                new_events = self._masked(self._additional_events(session, tracker))
                for event in new_events:
                    data = event.as_dict()
                    session.add(
                        self.SQLEvent(
                            sender_id=tracker.sender_id,
                            type_name=event.type_name,
                            timestamp=data.get("timestamp"),
                            intent_name=(data.get("parse_data") or {})
                            .get("intent", {})
                            .get("name"),
                            action_name=data.get("name"),
                            data=_json(data),
                        )
                    )
                session.commit()
        except sa.exc.SQLAlchemyError as error:
            # The reply is already on its way; the turn is not kept anywhere (REL-04).
            logger.error("tracker_store.save_failed error=%s", type(error).__name__)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        try:
            return await super().retrieve(sender_id)
        except sa.exc.SQLAlchemyError as error:
            logger.error("tracker_store.retrieve_failed error=%s", type(error).__name__)
            return None

    async def retrieve_full_tracker(self, conversation_id: str):
        try:
            return await super().retrieve_full_tracker(conversation_id)
        except sa.exc.SQLAlchemyError as error:
            logger.error("tracker_store.retrieve_failed error=%s", type(error).__name__)
            return None

    async def keys(self):
        try:
            return await super().keys()
        except sa.exc.SQLAlchemyError as error:
            logger.error("tracker_store.keys_failed error=%s", type(error).__name__)
            return []

    @staticmethod
    def _deletion_requested(tracker: DialogueStateTracker) -> bool:
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                return False
            if isinstance(event, ActionExecuted) and event.action_name == DELETION_ACTION:
                return True
        return False

    def delete(self, sender_id: str) -> int:
        """Deletes every stored event of one conversation; returns how many."""
        with self.session_scope() as session:
            count = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        logger.info("tracker_store.conversation_deleted events=%s", count)
        return count

    def purge_older_than(self, days: int, now: Optional[float] = None) -> Dict[str, int]:
        """Deletes conversations whose last event is older than ``days``."""
        cutoff = (time.time() if now is None else now) - days * 86400
        with self.session_scope() as session:
            last_seen = (
                session.query(self.SQLEvent.sender_id, sa.func.max(self.SQLEvent.timestamp))
                .group_by(self.SQLEvent.sender_id)
                .all()
            )
            stale = [
                sender for sender, latest in last_seen if latest is not None and latest < cutoff
            ]
            events = 0
            for chunk_start in range(0, len(stale), 500):
                chunk = stale[chunk_start : chunk_start + 500]
                events += (
                    session.query(self.SQLEvent)
                    .filter(self.SQLEvent.sender_id.in_(chunk))
                    .delete(synchronize_session=False)
                )
            session.commit()
        return {"conversations": len(stale), "events": events}

    @contextlib.contextmanager
    def session_scope(self):
        session = self.sessionmaker()
        try:
            yield session
        finally:
            session.close()


def _json(data: Dict[str, Any]) -> str:
    import json

    return json.dumps(data)
