"""A staff member's browser without the browser: a requests session that logs in to the console
and posts its forms with the CSRF token taken from the page, as a browser would."""

from __future__ import annotations

import re

import requests

from linebot_app.console.accounts import create_account

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def add_account(bot, email: str, role: str, name: str | None = None, password: str = PASSWORD):
    with bot.db.session() as session:
        return create_account(session, email, role, name, password, bot.clock.now()).id


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


class ConsoleClient:
    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self.http = requests.Session()
        self.token: str | None = None

    def get(self, path: str, **kwargs) -> requests.Response:
        response = self.http.get(self.base + path, timeout=10, allow_redirects=False, **kwargs)
        if "csrf_token" in response.text:
            self.token = csrf_token(response.text)
        return response

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/console/login")
            data["csrf_token"] = self.token
        response = self.http.post(
            self.base + path, data=data, timeout=10, allow_redirects=False, **kwargs
        )
        if "csrf_token" in response.text:
            self.token = csrf_token(response.text)
        return response

    def login(self, email: str, password: str = PASSWORD, **kwargs) -> requests.Response:
        self.get("/console/login")
        return self.post("/console/login", {"email": email, "password": password}, **kwargs)

    def page(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.text
