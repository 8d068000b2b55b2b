"""The fake platform over HTTP: a blueprint (mount it anywhere) and a threaded local server."""

from __future__ import annotations

import threading
from types import TracebackType

from flask import Blueprint, Flask, Response, request
from werkzeug.serving import BaseWSGIServer, make_server

from linebot_app.fakeline.platform import FakeLinePlatform

_METHODS = ["GET", "POST", "PUT", "DELETE"]


def create_fake_line_blueprint(platform: FakeLinePlatform, name: str = "fake_line") -> Blueprint:
    """LINE's API paths (/v2/bot/...) below wherever the blueprint is mounted."""
    blueprint = Blueprint(name, __name__)

    @blueprint.route("/<path:api_path>", methods=_METHODS)
    def api(api_path: str) -> Response:
        answer = platform.handle(
            request.method,
            "/" + api_path,
            headers=dict(request.headers),
            body=request.get_data(),
            host=request.host,
        )
        return Response(
            answer.body,
            status=answer.status,
            headers=answer.headers,
            content_type=answer.content_type,
        )

    return blueprint


class FakeLineServer:
    """`with FakeLineServer(platform) as server:` → point the SDK's host at `server.url`."""

    def __init__(self, platform: FakeLinePlatform | None = None):
        self.platform = platform or FakeLinePlatform()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeLineServer is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeLineServer:
        app = Flask(__name__)
        app.register_blueprint(create_fake_line_blueprint(self.platform))
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick stop()
            name="fake-line-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeLineServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
