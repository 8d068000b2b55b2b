"""POST /callback: verify the signature, store the events durably, acknowledge; nothing more.

The handlers run later on the worker pool, so LINE gets its 200 in milliseconds whatever the
LINE API's latency (LINE counts a webhook that has not answered in about 2 s as failed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from linebot_app.delivery.outage import DATABASE_ERRORS, is_database_unavailable

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024

webhook = Blueprint("webhook", __name__)


def signature_is_valid(body: bytes, signature: str | None, channel_secret: str) -> bool:
    if not signature:
        return False
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.strip().encode())


def _error(status: int, message: str):
    return jsonify({"error": message}), status


@webhook.post("/callback")
def callback():
    bot = current_app.extensions["bot"]
    request.max_content_length = MAX_BODY_BYTES  # also bounds chunked bodies while reading
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _error(413, "request body over 1 MiB")
    if request.content_length is None and len(body) >= MAX_BODY_BYTES:
        return _error(413, "request body over 1 MiB")  # a chunked body, cut off at the limit
    if not signature_is_valid(
        body, request.headers.get("X-Line-Signature"), bot.settings.channel_secret
    ):
        log.warning("webhook refused: missing or invalid X-Line-Signature")
        return _error(400, "invalid signature")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _error(400, "body is not valid JSON")
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return _error(400, "body must be an object with an 'events' list")
    if not events:
        return jsonify({"status": "ok", "stored": 0})  # the LINE console's "Verify" request
    try:
        result = bot.inbox.store(events, bot.clock.now())
    except DATABASE_ERRORS as error:
        if is_database_unavailable(error):  # an outage: logged once by the tracker, not per call
            bot.db_outage.failed(error, "webhook")
        else:
            log.exception("inbox write failed; answering 500 so LINE redelivers")
        return _error(500, "could not store events; please retry")
    bot.db_outage.succeeded()
    worker = current_app.extensions.get("inbox_worker")
    if worker is not None and result.new:
        worker.notify()
    return jsonify({"status": "ok", "stored": result.new, "duplicates": result.duplicates})
