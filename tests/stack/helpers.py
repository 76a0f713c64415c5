"""Talking to a running stack and reading what it stored."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from typing import List

from assistant.stack import post_json


def rest(stack, sender, message, **extra):
    return post_json(
        f"{stack.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": message, **extra}
    )


def texts(stack, sender, message) -> List[str]:
    status, _, messages = rest(stack, sender, message)
    assert status == 200, messages
    return [m.get("text", "") for m in messages]


def raw_post(url: str, body: bytes, content_type: str = "application/json"):
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def healthy(stack) -> bool:
    with urllib.request.urlopen(f"{stack.rasa_url}/webhooks/web/ready", timeout=10) as reply:
        return reply.status == 200


def stored_events(db_path, sender=None):
    connection = sqlite3.connect(str(db_path))
    try:
        query = "select sender_id, type_name, data from events"
        rows = connection.execute(
            query + (" where sender_id = ?" if sender else "") + " order by id",
            (sender,) if sender else (),
        ).fetchall()
    finally:
        connection.close()
    return [(s, t, json.loads(d)) for s, t, d in rows]


def user_texts(db_path, sender):
    return [d.get("text") for _, t, d in stored_events(db_path, sender) if t == "user"]
