"""The fake LINE platform (linebot_app.fakeline) in its own process, adding latency to every call.

A separate process so the load generator's and the bench driver's GIL never slows its answers;
the driver talks to it over a pipe: build signed-ready events (their reply tokens must be issued
by the platform that will accept them) and read back which reply tokens were answered.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass
from typing import Any

MAX_LIFETIME_SECONDS = 3600  # the child never outlives a forgotten driver by more than this

QUESTIONS = (
    "外泌體有副作用嗎?",
    "请问外泌体安全吗",
    "診所幾點開門?",
    "地址在哪裡",
    "What are the side effects of exosome treatment?",
    "ｈｅｌｌｏ～",
    "外泌體可以跟雷射一起做嗎?費用多少",
    "謝謝 👍",
)


@dataclass(frozen=True)
class ReplySeen:
    token: str
    status: int
    at_ms: int


def _serve(conn, latency: float, validate: bool, server: str) -> None:
    import logging

    from linebot_app.fakeline import FakeLinePlatform, FakeLineServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per call
    platform = FakeLinePlatform(validate=validate)
    if server == "werkzeug":
        platform.add_latency(latency)
        http = FakeLineServer(platform).start()
        url, stop = http.url, http.stop
    else:
        url, stop = _serve_asyncio(platform, latency)
    conn.send(url)
    deadline = time.monotonic() + MAX_LIFETIME_SECONDS
    try:
        while time.monotonic() < deadline:
            if not conn.poll(1.0):
                continue
            try:
                command, args = conn.recv()
            except EOFError:
                break
            if command == "stop":
                break
            conn.send(_answer(platform, command, args))
    finally:
        stop()


def _serve_asyncio(platform, latency: float):
    """The same platform behind aiohttp's server: the latency is an asyncio sleep, not a parked
    thread, and HTTP parsing is in C, so many calls in flight cost the fake almost nothing."""
    import asyncio
    import threading

    from aiohttp import web

    async def api(request: web.Request) -> web.Response:
        body = await request.read()
        if latency:
            await asyncio.sleep(latency)
        answer = platform.handle(
            request.method,
            request.path,
            headers=dict(request.headers),
            body=body,
            host=request.host,
        )
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-type"}
        return web.Response(
            body=answer.body,
            status=answer.status,
            headers=headers,
            content_type=answer.content_type.split(";")[0],
        )

    loop = asyncio.new_event_loop()
    started = threading.Event()
    state: dict = {}

    async def start() -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", api)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        state["runner"] = runner
        state["port"] = site._server.sockets[0].getsockname()[1]
        started.set()

    thread = threading.Thread(
        target=lambda: (loop.run_until_complete(start()), loop.run_forever()),
        daemon=True,
        name="fake-line",
    )
    thread.start()
    if not started.wait(30):
        raise RuntimeError("the asyncio fake LINE server did not start")

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(state["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return f"http://127.0.0.1:{state['port']}", stop


def _answer(platform, command: str, args: dict[str, Any]) -> Any:
    if command == "events":
        users = [platform.new_user_id() for _ in range(args["users"])]
        return [
            [
                platform.text_event(user, QUESTIONS[(u + n) % len(QUESTIONS)], record=False)
                for n in range(args["per_user"])
            ]
            for u, user in enumerate(users)
        ]
    if command == "replies":
        seen = platform.requests(path="/v2/bot/message/reply")[args["since"] :]
        return [
            ReplySeen(
                r.json.get("replyToken", "") if isinstance(r.json, dict) else "", r.status, r.at
            )
            for r in seen
        ]
    if command == "count":
        return {path: len(platform.requests(path=path)) for path in args["paths"]}
    raise ValueError(f"unknown command {command!r}")


class FakeLineProcess:
    """`with FakeLineProcess(latency=0.1) as line:` → `line.url`, `line.events(50, 20)`, ..."""

    def __init__(self, latency: float = 0.1, validate: bool = False, server: str = "asyncio"):
        self.latency = latency
        self.validate = validate
        self.server = server  # "asyncio" (aiohttp) or "werkzeug" (linebot_app's FakeLineServer)
        self.url = ""
        self._conn = None
        self._process = None

    def start(self) -> FakeLineProcess:
        context = mp.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(child, self.latency, self.validate, self.server),
            name="fake-line",
            daemon=True,
        )
        self._process.start()
        if not self._conn.poll(30):
            raise RuntimeError("the fake LINE process did not start within 30 s")
        self.url = self._conn.recv()
        return self

    @property
    def pid(self) -> int:
        return self._process.pid

    def _ask(self, command: str, **args: Any) -> Any:
        self._conn.send((command, args))
        if not self._conn.poll(60):
            raise RuntimeError(f"the fake LINE process did not answer {command!r}")
        return self._conn.recv()

    def events(self, users: int, per_user: int) -> list[list[dict]]:
        """Text events with fresh reply tokens: one list per simulated user, in sending order."""
        return self._ask("events", users=users, per_user=per_user)

    def replies(self, since: int = 0) -> list[ReplySeen]:
        """Reply calls received (any status), from the `since`-th on."""
        return self._ask("replies", since=since)

    def count(self, *paths: str) -> dict[str, int]:
        return self._ask("count", paths=list(paths))

    def stop(self) -> None:
        if self._process is None:
            return
        try:
            self._conn.send(("stop", {}))
        except OSError:
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        self._process = None

    def __enter__(self) -> FakeLineProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def calibrate(
    url: str, calls: int = 320, concurrency: int = 32, new_connections: bool = False
) -> dict[str, float]:
    """Latency of the fake's own answers at `concurrency` calls in flight (more than any app
    here keeps in flight), on an endpoint that does no work: it must stay close to the added
    latency, or the fake would be the bottleneck being measured."""
    import asyncio

    import aiohttp

    from bench.stats import percentile

    async def run() -> list[float]:
        timings: list[float] = []
        headers = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
        body = b'{"replyToken":"x","messages":[{"type":"text","text":"hi"}]}'
        connector = aiohttp.TCPConnector(limit=concurrency, force_close=new_connections)
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def one() -> None:
                started = time.perf_counter()
                async with session.post(
                    url + "/v2/bot/message/validate/reply", data=body, headers=headers
                ) as response:
                    await response.read()
                timings.append((time.perf_counter() - started) * 1000)

            for start in range(0, calls, concurrency):
                await asyncio.gather(*(one() for _ in range(min(concurrency, calls - start))))
        return sorted(timings)

    timings = asyncio.run(run())
    return {
        "p50_ms": percentile(timings, 50),
        "p99_ms": percentile(timings, 99),
        "max_ms": timings[-1],
        "concurrency": concurrency,
        "new_connections": new_connections,
    }
