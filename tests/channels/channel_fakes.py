"""Local stand-ins for the outside world of the messaging channels, run in the test process.

- ``FakeTwilio`` answers like Twilio's Messages API (``POST /2010-04-01/Accounts/<sid>/
  Messages.json``) and records what would have been sent, so tests see real SMS bodies.
- ``CallbackReceiver`` plays the clinic's messaging platform: it checks the signature of each
  reply and can be made to fail (500), to hang past the sender's timeout, or to be down.
- ``twilio_form`` builds an inbound webhook exactly as Twilio posts it (blank fields included,
  since Twilio signs them), and ``post_twilio`` signs it the way Twilio does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlencode

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "5e" * 16
AUTH_TOKEN = "f3b9c2d1e0a4b5c6d7e8f9a0b1c2d3e4"
CLINIC_NUMBER = "+15550100999"
WHATSAPP_SENDER = "whatsapp:+14155238886"
PUBLIC_WEBHOOK_URL = "https://sms.clinic.example/webhooks/twilio/webhook"
CALLBACK_SECRET = "callback-test-secret-7c1e"
SIGNING_KEY = "channels-test-signing-key-5b1d"  # ASSISTANT_SIGNING_KEY of the test stack

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXT = set("\f^{}\\[~]|€")


def within_three_segments(body: str) -> bool:
    """An independent upper bound: 3 x 153 septets (GSM-7) or 3 x 67 UTF-16 units (UCS-2)."""
    if all(ch in GSM7 or ch in GSM7_EXT for ch in body):
        return sum(2 if ch in GSM7_EXT else 1 for ch in body) <= 3 * 153
    return len(body.encode("utf-16-le")) // 2 <= 3 * 67


class _Server:
    """A threaded HTTP server on a free local port, restartable on the same port."""

    def __init__(self, handler_factory: Callable[[], type]) -> None:
        self._handler_factory = handler_factory
        self._httpd: Optional[ThreadingHTTPServer] = None
        self.port = 0

    def start(self) -> _Server:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler_factory())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class FakeTwilio(_Server):
    """Records the SMS the assistant asks Twilio to send."""

    def __init__(self) -> None:
        self.sent: List[Dict[str, str]] = []
        self.unsubscribed: set = set()
        self.fail_next = 0  # answer this many sends with 500 (Twilio having a bad moment)
        self.requests = 0
        self._lock = threading.Condition()
        super().__init__(self._handler)

    def _handler(self) -> type:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                expected_path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
                expected_auth = (
                    "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
                )
                with fake._lock:
                    fake.requests += 1
                    if self.path != expected_path:
                        return self._answer(404, {"code": 20404, "message": "not found"})
                    if self.headers.get("Authorization") != expected_auth:
                        return self._answer(401, {"code": 20003, "message": "authenticate"})
                    if fake.fail_next > 0:
                        fake.fail_next -= 1
                        return self._answer(500, {"code": 20500, "message": "internal"})
                    if form.get("To") in fake.unsubscribed:
                        return self._answer(400, {"code": 21610, "message": "unsubscribed"})
                    fake.sent.append(
                        {"to": form.get("To"), "from": form.get("From"), "body": form.get("Body")}
                    )
                    fake._lock.notify_all()
                sid = "SM" + uuid.uuid4().hex
                return self._answer(
                    201, {"sid": sid, "status": "queued", "to": form.get("To"), "body": ""}
                )

        return Handler

    def to(self, address: str) -> List[str]:
        with self._lock:
            return [m["body"] for m in self.sent if m["to"] == address]

    def messages_to(self, address: str) -> List[Dict[str, str]]:
        with self._lock:
            return [dict(m) for m in self.sent if m["to"] == address]

    def wait_turn(
        self, address: str, already: int = 0, timeout: float = 60.0, quiet: float = 1.5
    ) -> List[str]:
        """Bodies sent to ``address`` after the first ``already``: waits for at least one,
        then until nothing new arrives for ``quiet`` seconds (a turn may be several SMS)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([m for m in self.sent if m["to"] == address]) <= already:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no SMS to {address} within {timeout}s")
                self._lock.wait(left)
        count = -1
        while count != len(self.to(address)):
            count = len(self.to(address))
            time.sleep(quiet)
        return self.to(address)[already:]


class CallbackReceiver(_Server):
    """The clinic platform's reply endpoint: verifies signatures, can fail or hang."""

    def __init__(self, secret: str = CALLBACK_SECRET) -> None:
        self.secret = secret
        self.mode = "ok"  # "ok", "error" (500) or "slow" (first attempt of a reply hangs)
        self.slow_seconds = 4.0
        self.attempts: List[Dict] = []  # every request, accepted or not
        self.delivered: List[Dict] = []  # replies accepted (200)
        self._lock = threading.Condition()
        super().__init__(self._handler)

    def _handler(self) -> type:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                expected = (
                    "sha256=" + hmac.new(receiver.secret.encode(), raw, hashlib.sha256).hexdigest()
                )
                record = {
                    "path": self.path,
                    "body": json.loads(raw or b"null"),
                    "signature_ok": hmac.compare_digest(
                        self.headers.get("X-Signature", ""), expected
                    ),
                    "delivery_id": self.headers.get("X-Delivery-Id"),
                    "at": time.monotonic(),
                }
                with receiver._lock:
                    receiver.attempts.append(record)
                    mode = receiver.mode
                    first_try = (
                        sum(a["delivery_id"] == record["delivery_id"] for a in receiver.attempts)
                        == 1
                    )
                    receiver._lock.notify_all()
                if mode == "slow" and first_try:
                    time.sleep(receiver.slow_seconds)  # the sender gives up on this attempt
                    status = 200
                elif mode == "error":
                    status = 500
                else:
                    status = 200
                if status == 200 and not (mode == "slow" and first_try):
                    with receiver._lock:
                        receiver.delivered.append(record)
                        receiver._lock.notify_all()
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender hung up (timeout)
                    pass

        return Handler

    def wait_delivered(self, recipient: str, count: int = 1, timeout: float = 60.0) -> List[Dict]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [d for d in self.delivered if d["body"]["recipient_id"] == recipient]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no reply for {recipient} within {timeout}s")
                self._lock.wait(left)

    def attempts_for(self, recipient: str) -> List[Dict]:
        with self._lock:
            return [a for a in self.attempts if (a["body"] or {}).get("recipient_id") == recipient]


# ------------------------------------------------------------------ inbound Twilio posts


def twilio_form(
    sender: str,
    body: Optional[str],
    message_sid: Optional[str] = None,
    to: str = CLINIC_NUMBER,
    media_url: Optional[str] = None,
) -> Dict[str, str]:
    """An inbound message webhook with the fields (and blank fields) Twilio sends."""
    sid = message_sid or ("MM" if media_url else "SM") + uuid.uuid4().hex
    if sender.startswith("whatsapp:"):
        form = {
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ProfileName": "Test",
            "SmsSid": sid,
            "WaId": sender.split("+")[-1],
            "SmsStatus": "received",
            "Body": body or "",
            "To": to,
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "ApiVersion": "2010-04-01",
        }
    else:
        form = {
            "ToCountry": "US",
            "ToState": "",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body or "",
            "FromCountry": "US",
            "To": to,
            "ToZip": "",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "ApiVersion": "2010-04-01",
        }
    if media_url:
        form.update(
            {
                "NumMedia": "1",
                "MediaContentType0": "image/jpeg",
                "MediaUrl0": media_url,
                "NumSegments": "1",
            }
        )
    return form


def twilio_signature(form: Dict[str, str], url: str = PUBLIC_WEBHOOK_URL, token=AUTH_TOKEN):
    return RequestValidator(token).compute_signature(url, form)


def post_twilio(
    base_url: str,
    form: Dict[str, str],
    signature: Optional[str] = "sign",
    raw_body: Optional[bytes] = None,
) -> Tuple[int, str, str]:
    """POSTs ``form`` to the Twilio webhook; ``signature="sign"`` signs it like Twilio."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": uuid.uuid4().hex,
    }
    if signature == "sign":
        signature = twilio_signature(form)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    request = urllib.request.Request(
        f"{base_url}/webhooks/twilio/webhook",
        data=raw_body if raw_body is not None else urlencode(form).encode(),
        method="POST",
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.headers.get("Content-Type", ""), reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def post_callback(
    base_url: str,
    payload,
    signature: Optional[str] = "sign",
    secret: str = CALLBACK_SECRET,
    content_type: str = "application/json",
) -> Tuple[int, dict, float]:
    """POSTs to the callback webhook; returns status, JSON answer and seconds taken."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": content_type}
    if signature == "sign":
        signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    if signature is not None:
        headers["X-Signature"] = signature
    request = urllib.request.Request(
        f"{base_url}/webhooks/callback/webhook", data=raw, method="POST", headers=headers
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read() or b"null"), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), time.monotonic() - started
