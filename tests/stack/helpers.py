"""Talking to a running stack and reading what it stored."""

from __future__ import annotations

import ipaddress
import json
import sqlite3
import time
import urllib.request
from pathlib import Path
from typing import Callable, Dict, List, Optional, Set

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


# ------------------------------------------------------------------ processes and sockets
# Read from /proc (Linux), as `ss -ltnp` and `ps` would show them.


def _proc_address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    # /proc/net/tcp* print each 32-bit word of the address in the host's (little-endian) order.
    raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(raw))


def listening_addresses(port: int) -> Set[str]:
    """The addresses a TCP socket of this machine listens on at ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, local_port = fields[1].split(":")
            if fields[3] == "0A" and int(local_port, 16) == port:  # 0A: LISTEN
                found.add(_proc_address(address))
    return found


def local_addresses() -> List[str]:
    """This machine's IPv4 addresses other than loopback."""
    lines = Path("/proc/net/fib_trie").read_text().splitlines()
    found = []
    for previous, line in zip(lines, lines[1:], strict=False):
        if line.strip() == "/32 host LOCAL":
            address = previous.split()[-1]
            if not ipaddress.ip_address(address).is_loopback and address not in found:
                found.append(address)
    return found


def _stat(pid: int) -> Optional[List[str]]:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # state, ppid, ...


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def descendants(pid: int) -> List[int]:
    """Every live process below ``pid``."""
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return [p for p in found if alive(p)]


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
