"""The demo page with a question answered: a test artefact, and the README's picture on request.

`UPDATE_README_SCREENSHOT=1` also copies it to docs/images/demo-page.png (kept in git), so the
picture is always made the same way from the real page.
"""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import expect

from assistant.paths import PROJECT_ROOT

pytestmark = pytest.mark.browser

README_IMAGE = PROJECT_ROOT / "docs" / "images" / "demo-page.png"


def test_demo_page_with_an_answered_question(live_server, new_chat_page):
    chat = new_chat_page(viewport={"width": 1280, "height": 900}).goto().open()
    chat.ask("Is ketamine addictive?")
    chat.wait_for_reply("provider at Riverside Ketamine Clinic")
    expect(chat.quick_replies().first).to_be_visible()
    # the answer and its suggested replies in view, as a person would read them
    chat.quick_replies().first.evaluate("e => e.scrollIntoView({block: 'end'})")
    chat.page.mouse.move(0, 0)
    chat.text_input.blur()
    path = chat.screenshot()
    if os.environ.get("UPDATE_README_SCREENSHOT") == "1":
        README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_IMAGE)
