"""Physician review of the reply cards: sign-offs bound to the rendered content, the gate that
holds back medical cards without one (CONTENT_REVIEW_REQUIRED), the console's review pages
(console/pages/review.py) and the `content` commands. See docs/review.md.

`init_app(app)` registers the commands and logs how many medical cards are waiting.
"""

from __future__ import annotations

import logging

from flask import Flask

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    from linebot_app.review.cli import content_cli

    app.cli.add_command(content_cli)
    log_waiting_cards(app.extensions["bot"])


def log_waiting_cards(bot) -> None:
    """One start-up line: how many medical cards have no valid sign-off (never fatal: the
    schema may not be migrated yet when `flask db upgrade` starts the app)."""
    from linebot_app.review.state import card_states, waiting_medical_cards

    try:
        with bot.db.session() as session:
            library = bot.live_cards.review_library(session)
            waiting = waiting_medical_cards(card_states(session, library, bot.clinic))
    except Exception as error:
        log.info("content review: state not readable yet (%s)", error.__class__.__name__)
        return
    if not waiting:
        log.info("content review: every medical card is signed off")
        return
    held = "held back from patients" if bot.settings.content_review_required else "sent anyway"
    log.warning(
        "content review: %d medical card(s) waiting for a physician's sign-off (%s, "
        "CONTENT_REVIEW_REQUIRED=%d): %s; see `flask --app linebot_app content status`",
        len(waiting),
        held,
        int(bot.settings.content_review_required),
        ", ".join(s.topic for s in waiting),
    )
