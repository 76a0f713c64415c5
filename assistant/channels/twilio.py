"""SMS and WhatsApp through Twilio (``POST /webhooks/twilio/webhook``).

Built on Rasa's Twilio channel (same name, so the same webhook path and the ``channel: twilio``
response variants), with what a clinic's number needs on top:

- Only Twilio can post: ``X-Twilio-Signature`` is checked with the account's auth token over
  the public webhook URL (``TWILIO_WEBHOOK_URL``, because behind a proxy the URL the server
  sees differs from the one Twilio signed; else the request URL). Forged or unsigned posts get
  403 and nothing is sent. The form is parsed keeping blank fields (Twilio signs
  ``FromCity=`` and the like too; Sanic's own form parser drops them).
- Twilio is answered at once with empty TwiML and the reply is sent afterwards through the
  Messages API (``TWILIO_API_BASE``, aiohttp, retries): the model and the action server may
  take longer than Twilio's 15 s webhook timeout. A repeated ``MessageSid`` is answered and
  ignored. Delivery reports posted here by mistake are ignored (no reply loops).
- The conversation id is a keyed hash of the phone number, not the number: the tracker
  store, the action server and the logs never see it, and nobody can join the conversation
  through the open REST channel by typing someone's number as the sender.
- Replies: a turn's messages are combined into as few SMS as possible, none over 3
  segments; buttons become "Reply 1, 2 or 3: 1 Insurance, ..." and a reply of "1" is mapped
  back using the last bot turn in the tracker store (so it survives restarts and works across
  replicas), then signed so the gateway accepts it as a button press.
- A photo or other media without text gets ``utter_text_only`` without calling the model.
- STOP / STOPALL / UNSUBSCRIBE / CANCEL / END / QUIT (and REVOKE / OPTOUT, as on Twilio)
  record an opt-out (``opt_out.py``) and nothing more is sent until START / UNSTOP (or YES);
  HELP / INFO get the clinic's phone and the crisis lines. Twilio also enforces STOP itself
  on long codes, toll-free numbers and short codes, but not on WhatsApp.

Credentials come only from the environment (``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``,
``TWILIO_NUMBER``); values in credentials.yml are ignored. Without them the channel still
registers and answers 503 "not configured", so a deployment without SMS starts normally.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from assistant.channels.common import error_response, listener_installing_protections
from assistant.channels.delivery import (
    BoundedDict,
    ConversationTasks,
    HttpPoster,
    SeenIds,
    conversation_id,
)
from assistant.channels.gateway import (
    ChannelCollector,
    Gateway,
    RateLimitedError,
    default_gateway,
)
from assistant.channels.opt_out import OptOutStore
from assistant.channels.payloads import load_signing_key
from assistant.channels.sms import (
    HELP_KEYWORDS,
    MAX_MENU_ITEMS,
    OPT_IN_KEYWORDS,
    OPT_IN_WHEN_OPTED_OUT,
    OPT_OUT_KEYWORDS,
    compose_turn,
    keyword,
    menu_choice,
    pack_sms,
    turn_buttons,
)

logger = logging.getLogger(__name__)

CHANNEL = "twilio"
DEFAULT_API_BASE = "https://api.twilio.com"
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SIGNATURE_HEADER = "X-Twilio-Signature"
# Twilio's error for a recipient who texted STOP: remember it here too.
TWILIO_UNSUBSCRIBED = 21610
# Opt-out instructions belong in every HELP reply (CTIA); the rest comes from the domain.
HELP_FOOTER = "Reply STOP to opt out."
HELP_RESPONSES = ("utter_disclosure", "utter_request_human")


@dataclass(frozen=True)
class TwilioSettings:
    """The channel's configuration, from environment variables only."""

    account_sid: str = ""
    auth_token: str = ""
    number: str = ""
    webhook_url: str = ""
    api_base: str = DEFAULT_API_BASE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> TwilioSettings:
        def value(name: str) -> str:
            return (environ.get(name) or "").strip()

        return cls(
            account_sid=value("TWILIO_ACCOUNT_SID"),
            auth_token=value("TWILIO_AUTH_TOKEN"),
            number=value("TWILIO_NUMBER"),
            webhook_url=value("TWILIO_WEBHOOK_URL"),
            api_base=(value("TWILIO_API_BASE") or DEFAULT_API_BASE).rstrip("/"),
        )

    @property
    def configured(self) -> bool:
        return bool(self.account_sid and self.auth_token and self.number)

    @property
    def messages_url(self) -> str:
        return f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"


class FormParams(dict):
    """A Twilio form: name -> list of values, blank values kept (they are signed too)."""

    def getall(self, name: str) -> List[str]:  # what RequestValidator looks for
        return list(self.get(name, []))

    def first(self, name: str) -> str:
        values = self.get(name) or [""]
        return values[0]


def parse_form(body: bytes) -> FormParams:
    """The url-encoded body as Twilio sent and signed it; empty if it is not one."""
    try:
        return FormParams(parse_qs(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return FormParams()


def signed_url(request: Request, configured_url: str) -> str:
    """The URL Twilio signed: the configured public URL (plus any query), else the request's."""
    if not configured_url:
        return request.url
    query = request.query_string
    if query and "?" not in configured_url:
        return f"{configured_url}?{query}"
    return configured_url


@dataclass(frozen=True)
class InboundSms:
    """What the channel needs from one inbound message."""

    message_sid: str
    address: str  # the person's number: "+1555..." or "whatsapp:+1555..."
    our_address: str  # the number they wrote to (replies come from it)
    body: str
    num_media: int
    is_location: bool

    @classmethod
    def from_form(cls, form: FormParams) -> InboundSms:
        try:
            num_media = int(form.first("NumMedia") or 0)
        except ValueError:
            num_media = 0
        return cls(
            message_sid=form.first("MessageSid")
            or form.first("SmsMessageSid")
            or form.first("SmsSid"),
            address=form.first("From").strip(),
            our_address=form.first("To").strip(),
            body=form.first("Body"),
            num_media=num_media,
            is_location=bool(form.first("Latitude") and form.first("Longitude")),
        )


def last_turn_buttons(tracker) -> List[Dict[str, str]]:
    """The buttons of the bot's messages after the latest user message in ``tracker``."""
    bot_messages: List[Dict[str, Any]] = []
    for event in reversed(list(tracker.events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            bot_messages.append(event.data or {})
    return turn_buttons(reversed(bot_messages))


class TwilioSmsInput(TwilioInput):
    """Rasa's Twilio channel with signatures, async replies, menus, STOP/HELP and the gateway."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> TwilioSmsInput:
        if credentials and any(credentials.values()):
            logger.warning(
                "twilio.credentials_file_ignored: Twilio credentials are read from the "
                "TWILIO_* environment variables only; remove them from credentials.yml"
            )
        default_gateway()  # checks clinic.yml and domain.yml now, before the server starts
        settings = TwilioSettings.from_env()
        if not settings.configured:
            logger.warning(
                "twilio.not_configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_NUMBER; the webhook answers 503 until then"
            )
        return cls(settings)

    def __init__(
        self,
        settings: Optional[TwilioSettings] = None,
        gateway: Optional[Gateway] = None,
        poster: Optional[HttpPoster] = None,
        opt_outs: Optional[OptOutStore] = None,
    ) -> None:
        self.settings = settings or TwilioSettings.from_env()
        # Rasa's connector raises inside the webhook when debug_mode is on; never here.
        super().__init__(
            self.settings.account_sid,
            self.settings.auth_token,
            self.settings.number,
            debug_mode=False,
        )
        self._gateway = gateway
        self._key = load_signing_key()
        self.validator = RequestValidator(self.settings.auth_token or "unset")
        self.poster = poster or HttpPoster(attempts=3, timeout=10.0, backoff=1.0)
        self.opt_outs = opt_outs or OptOutStore(self._key, CHANNEL)
        self.tasks = ConversationTasks()
        self.seen = SeenIds()
        # The last menu sent to each conversation, used only if the tracker store is down.
        self._menus: BoundedDict = BoundedDict()

    @property
    def gateway(self) -> Gateway:
        return self._gateway or default_gateway()

    def get_output_channel(self) -> CollectingOutputChannel:
        # Replies are sent by the webhook's background task; messages that Rasa's HTTP API
        # asks to send through "twilio" are collected, never sent (the conversation id is a
        # hash, not a number: the assistant only answers, it never starts a conversation).
        return ChannelCollector(CHANNEL)  # named "twilio": Rasa picks the SMS response variants

    # ------------------------------------------------------------------ webhook

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        twilio = Blueprint("guarded_twilio_webhook", __name__)
        listener_installing_protections(twilio)

        @twilio.listener("before_server_stop")
        async def _finish(_app, _loop) -> None:
            await self.tasks.drain()
            await self.poster.close()
            self.opt_outs.close()

        @twilio.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @twilio.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        return twilio

    async def _receive(self, request: Request, on_new_message) -> HTTPResponse:
        if not self.settings.configured:
            return error_response("the twilio channel is not configured", 503)
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            logger.warning("twilio.rejected reason=missing_signature")
            return error_response("missing X-Twilio-Signature", 403)
        form = parse_form(request.body or b"")
        url = signed_url(request, self.settings.webhook_url)
        if not self.validator.validate(url, form, signature):
            logger.warning("twilio.rejected reason=invalid_signature")
            return error_response("invalid X-Twilio-Signature", 403)

        twiml = response.text(TWIML_EMPTY, content_type="text/xml")
        if form.first("MessageStatus") or form.first("SmsStatus") not in ("", "received"):
            return twiml  # a delivery report sent to the wrong URL: never answer it
        inbound = InboundSms.from_form(form)
        if not inbound.address or not inbound.message_sid:
            logger.warning("twilio.ignored reason=no_sender_or_sid")
            return twiml
        if self.tasks.pending >= self.tasks.max_pending:
            # Not marked as seen: a Twilio retry or fallback may still get through.
            logger.error("twilio.busy pending=%s", self.tasks.pending)
            return error_response("busy, try again", 503)
        if not self.seen.first_time(inbound.message_sid):
            logger.info("twilio.duplicate message_sid=%s", inbound.message_sid)
            return twiml
        sender_id = conversation_id(self._key, CHANNEL, inbound.address)
        tracker_store = getattr(getattr(request.app.ctx, "agent", None), "tracker_store", None)
        self.tasks.submit(
            sender_id, lambda: self._process(inbound, sender_id, on_new_message, tracker_store)
        )
        return twiml

    # ------------------------------------------------------------------ one message

    async def _process(
        self, inbound: InboundSms, sender_id: str, on_new_message, tracker_store
    ) -> None:
        word = keyword(inbound.body)
        if word in OPT_OUT_KEYWORDS:
            await self.opt_outs.set(inbound.address, True)
            logger.info("twilio.opted_out sender=%s", sender_id)
            return
        opted_out = await self.opt_outs.is_opted_out(inbound.address)
        if word in OPT_IN_KEYWORDS or (opted_out and word in OPT_IN_WHEN_OPTED_OUT):
            # Twilio sends its own confirmation on SMS numbers; nothing from us.
            await self.opt_outs.set(inbound.address, False)
            logger.info("twilio.opted_in sender=%s", sender_id)
            return
        if opted_out:
            logger.info("twilio.suppressed reason=opted_out sender=%s", sender_id)
            return
        if word in HELP_KEYWORDS:
            await self._send(inbound, sender_id, pack_sms(self.help_text()))
            return
        if not inbound.body.strip() and (inbound.num_media or inbound.is_location):
            note = self.gateway.render("utter_text_only", CHANNEL)
            await self._send(inbound, sender_id, compose_turn([note], with_menu=False))
            return

        text = await self._menu_reply(inbound.body, sender_id, tracker_store)
        try:
            result = await self.gateway.handle(sender_id, text, on_new_message, CHANNEL)
        except RateLimitedError:
            logger.warning("twilio.rate_limited sender=%s", sender_id)
            return
        # A numbered menu only when the messages are the model's own, i.e. what the tracker
        # holds; the gateway's safety-net messages are not in it, and "1" must always mean
        # what the tracker will map it to.
        with_menu = result.model_answered and "safety_net" not in result.notes
        self._menus[sender_id] = turn_buttons(result.messages) if with_menu else []
        await self._send(inbound, sender_id, compose_turn(result.messages, with_menu=with_menu))

    def help_text(self) -> List[str]:
        """HELP/INFO: who this is, the crisis and emergency lines, how to reach the clinic."""
        blocks = [self.gateway.render(name, CHANNEL).get("text", "") for name in HELP_RESPONSES]
        return [" ".join(block.split()) for block in blocks if block] + [HELP_FOOTER]

    async def _menu_reply(self, text: str, sender_id: str, tracker_store) -> str:
        """The signed button payload a reply such as "1" picks, or the text unchanged."""
        if menu_choice(text, MAX_MENU_ITEMS) is None:
            return text
        buttons, already_signed = await self._current_menu(sender_id, tracker_store)
        index = menu_choice(text, len(buttons))
        if index is None:
            return text
        payload = buttons[index]["payload"]
        if already_signed or not payload.startswith("/"):
            return payload
        return self.gateway.signer.sign(sender_id, payload)

    async def _current_menu(self, sender_id: str, tracker_store) -> Tuple[List[Dict], bool]:
        """The menu of the last bot turn: from the tracker store, else from this process."""
        tracker = None
        if tracker_store is not None:
            try:
                tracker = await tracker_store.retrieve(sender_id)
            except Exception as error:  # the store logs its own errors; fall back below
                logger.error("twilio.menu_lookup_failed error=%s", type(error).__name__)
        if tracker is not None and tracker.events:
            return last_turn_buttons(tracker), False
        return list(self._menus.get(sender_id, [])), True

    # ------------------------------------------------------------------ sending

    def _from_address(self, inbound: InboundSms) -> str:
        if inbound.our_address:
            return inbound.our_address
        number = self.settings.number
        if inbound.address.startswith("whatsapp:") and not number.startswith("whatsapp:"):
            return f"whatsapp:{number}"
        return number

    async def _send(self, inbound: InboundSms, sender_id: str, bodies: List[str]) -> None:
        """Sends the SMS in order; stops at the first that cannot be delivered."""
        auth = aiohttp.BasicAuth(self.settings.account_sid, self.settings.auth_token)
        for body in bodies:
            result = await self.poster.post(
                self.settings.messages_url,
                data={"To": inbound.address, "From": self._from_address(inbound), "Body": body},
                auth=auth,
                label="twilio.send",
            )
            if result.ok:
                continue
            code = _twilio_error_code(result.body)
            logger.error(
                "twilio.send_failed sender=%s status=%s code=%s", sender_id, result.status, code
            )
            if code == TWILIO_UNSUBSCRIBED:
                await self.opt_outs.set(inbound.address, True)
            return
        logger.info("twilio.sent sender=%s sms=%s", sender_id, len(bodies))


def _twilio_error_code(body: bytes) -> Optional[int]:
    try:
        code = json.loads(body or b"{}").get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None
