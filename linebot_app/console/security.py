"""Cookies, headers and proxies for the console: session cookies HttpOnly, SameSite=Lax and
Secure when the request came over HTTPS (X-Forwarded-Proto from the platform's router, via
werkzeug's ProxyFix); a strict CSP and no caching of pages with personal data.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

SESSION_IDLE_TIMEOUT = dt.timedelta(hours=8)
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions whose cookie is Secure whenever the request was HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def configure_sessions(app: Flask, secret_key: str) -> None:
    app.secret_key = secret_key
    app.config.update(
        SESSION_COOKIE_NAME="clinic_console",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_IDLE_TIMEOUT,  # checked on every load of the cookie
        SESSION_REFRESH_EACH_REQUEST=True,  # idle timeout: each request moves it on
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_CHECK_DEFAULT=False,  # the console checks its own POSTs (the webhook is signed)
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session
    )
    app.session_interface = ConsoleSessionInterface()
    # Heroku-style routers terminate HTTPS and add one X-Forwarded-For / X-Forwarded-Proto.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)


def add_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Same-origin referrers only: Flask-WTF checks them over HTTPS; nothing leaves the console.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")  # pages carry personal data
    return response
