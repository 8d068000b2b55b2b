"""The bare baseline: Flask that verifies X-Line-Signature and answers 200. Nothing else.

The physical floor for this stack (gunicorn gthread + Flask + HMAC) on the same machine.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from flask import Flask, request

app = Flask(__name__)
SECRET = os.environ["LINE_CHANNEL_SECRET"].encode()


@app.post("/callback")
def callback():
    digest = base64.b64encode(hmac.new(SECRET, request.get_data(), hashlib.sha256).digest())
    if not hmac.compare_digest(digest, request.headers.get("X-Line-Signature", "").encode()):
        return "invalid signature", 400
    return "OK"


@app.get("/healthz")
def healthz():
    return "OK"
