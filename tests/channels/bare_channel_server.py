"""A Sanic server with only the Twilio and callback channels, no model (for tests).

    python tests/channels/bare_channel_server.py PORT

The channels read their configuration from the environment exactly as under ``rasa run``;
the tests start this with the TWILIO_* and CALLBACK_* variables unset, to check that the
channels still register and answer 503 "not configured" instead of stopping the server.
"""

from __future__ import annotations

import sys

from rasa.core.channels.channel import register
from sanic import Sanic

from assistant.channels.callback import SignedCallbackInput
from assistant.channels.twilio import TwilioSmsInput


def main(port: int) -> None:
    app = Sanic("bare_channel_server")
    channels = [TwilioSmsInput.from_credentials(None), SignedCallbackInput.from_credentials(None)]
    register(channels, app, route="/webhooks/")
    app.run(host="127.0.0.1", port=port, access_log=False, motd=False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
