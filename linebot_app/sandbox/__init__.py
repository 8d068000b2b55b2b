"""The local LINE sandbox: chat with the bot in a browser, no LINE account needed.

`register_sandbox(app)` (called by create_app only when `settings.sandbox`) mounts the one fake
LINE platform at /sandbox/line (where the bot's LINE client points in sandbox mode), the chat
page at / and the card gallery at /gallery. The page's actions become webhook events signed with
the app's channel secret and POSTed to its own /callback: the real path, end to end.
"""

from __future__ import annotations

import logging

from flask import Flask

from linebot_app.fakeline import FakeLinePlatform, create_fake_line_blueprint
from linebot_app.sandbox.api import sandbox_api
from linebot_app.sandbox.chats import SandboxChats, record_notice
from linebot_app.sandbox.pages import sandbox_pages
from linebot_app.sandbox.relay import WebhookRelay

log = logging.getLogger(__name__)

FAKE_LINE_PREFIX = "/sandbox/line"


def register_sandbox(app: Flask) -> SandboxChats:
    """Mount the sandbox on `app`; the bot's settings must already be in app.extensions."""
    settings = app.extensions["bot"].settings
    if not settings.sandbox:
        raise RuntimeError("sandbox mode only (no LINE credentials, or SANDBOX=1)")
    platform = FakeLinePlatform()
    base_url = f"http://127.0.0.1:{settings.port}"
    relay = WebhookRelay(
        base_url + "/callback",
        settings.channel_secret,
        destination=platform.bot_user_id,
        notify=lambda chat_id, text: record_notice(platform, chat_id, text),
    )
    chats = SandboxChats(platform, settings.staff_group_id, relay)
    app.extensions["sandbox"] = chats
    app.register_blueprint(create_fake_line_blueprint(platform), url_prefix=FAKE_LINE_PREFIX)
    app.register_blueprint(sandbox_pages)
    app.register_blueprint(sandbox_api)
    if not settings.api_base_url.startswith(base_url):
        log.warning(
            "sandbox: LINE_API_BASE_URL is %s, so the bot's answers will not reach the "
            "sandbox page (unset it to use %s%s)",
            settings.api_base_url,
            base_url,
            FAKE_LINE_PREFIX,
        )
    log.info(
        "sandbox: chat with the bot at %s/ (card gallery: %s/gallery); "
        "the sandbox is never on when real LINE credentials are set, unless SANDBOX=1",
        base_url,
        base_url,
    )
    return chats
