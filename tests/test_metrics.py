"""GET /metrics: Prometheus text, only with the bearer token, and its series move as events flow.

The last test scrapes the production command (gunicorn from the Procfile, two worker
processes): prometheus_client's multiprocess mode adds up what every process counted.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from linebot_app.fakeline import WebhookSender
from linebot_app.storage.migrate import upgrade
from tests.conftest import CHANNEL_SECRET, PROJECT_ROOT, AppRunner
from tests.test_outages import FAST, wait_until
from tests.test_processes import _free_port, _procfile_command, _wait_healthy, production_env

TOKEN = "metrics-secret-token"


def scrape(url: str, token: str | None = TOKEN) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url + "/metrics", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a scrape."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(values: dict, name: str, **labels: str) -> float:
    """Sum of a series over the labels not given."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in values.items() if n == name and wanted <= set(ls))


def test_metrics_answer_404_without_a_token_configured(running):
    assert scrape(running.url)[0] == 404
    assert scrape(running.url, token=None)[0] == 404


def test_metrics_need_the_right_bearer_token(tmp_path, fake_line):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    upgrade(url)
    runner = AppRunner(url, fake_line)
    try:
        running = runner.start(metrics_token=TOKEN)
        assert scrape(running.url, token=None)[0] == 401
        assert scrape(running.url, token="wrong")[0] == 403
        status, text = scrape(running.url)
        assert status == 200
        assert total(samples(text), "linebot_database_up") == 1
    finally:
        runner.stop_all()


def test_metrics_series_move_as_events_flow(tmp_path, fake_line):
    platform = fake_line.platform
    path = tmp_path / "bot.sqlite3"
    upgrade(f"sqlite:///{path}")
    runner = AppRunner(f"sqlite:///{path}", fake_line)
    try:
        running = runner.start(
            **{**FAST, "database_lock_timeout_seconds": 0.3},
            metrics_token=TOKEN,
            line_max_attempts=2,
        )
        before = samples(scrape(running.url)[1])
        user = "U" + "9" * 32
        platform.fail_next("/v2/bot/message/reply", 500)  # one failed attempt, then sent
        running.send(platform.text_event(user, "外泌體有副作用嗎"))
        running.send(platform.text_event("U" + "6" * 32, "今天天氣很好我想去看海"))  # no topic
        expired = platform.text_event(
            "U" + "5" * 32, "外泌體是什麼", timestamp_ms=int(time.time() * 1000) - 120_000
        )
        running.send(expired)
        platform.wait_for_deliveries(2, timeout=10)

        holder = sqlite3.connect(path, isolation_level=None)  # the database locked: a 500
        holder.execute("BEGIN IMMEDIATE")
        assert running.send(platform.text_event(user, "還在嗎"))[0] == 500
        holder.execute("ROLLBACK")
        holder.close()

        def moved() -> bool:
            after = samples(scrape(running.url)[1])
            return (
                total(after, "linebot_events_handled_total")
                - total(before, "linebot_events_handled_total")
                >= 3
                and total(after, "linebot_inbox_pending_events") == 0
            )

        wait_until(moved, what="three events counted")
        after = samples(scrape(running.url)[1])

        def delta(name: str, **labels: str) -> float:
            return total(after, name, **labels) - total(before, name, **labels)

        assert delta("linebot_webhook_requests_total", status="200") == 3
        assert delta("linebot_webhook_requests_total", status="500") == 1
        assert delta("linebot_database_errors_total", where="webhook") >= 1
        assert delta("linebot_events_handled_total", outcome="reply_sent") == 2
        assert delta("linebot_events_handled_total", outcome="token_expired") == 1
        assert delta("linebot_handler_duration_seconds_count") == 3
        assert delta("linebot_line_api_duration_seconds_count", endpoint="reply") == 3
        assert delta("linebot_line_api_errors_total", endpoint="reply", status="500") == 1
        assert delta("linebot_reply_tokens_expired_total") == 1
        assert delta("linebot_routing_fallbacks_total") == 1
        assert ("linebot_clarifying_questions_total", ()) in after
        assert total(after, "linebot_inbox_oldest_pending_age_seconds") == 0
        assert ("linebot_outbox_pushes", ()) not in after  # no pushes yet: no series
    finally:
        runner.stop_all()


def test_metrics_add_up_every_gunicorn_worker_process(database_url, fake_line, tmp_path):
    port = _free_port()
    env = production_env(
        database_url, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2", METRICS_TOKEN=TOKEN
    )
    metrics_dir = tmp_path / "metrics"
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)  # else gunicorn.conf.py makes one
    server = subprocess.Popen(
        _procfile_command("web", port),
        env=env,
        cwd=PROJECT_ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "gunicorn.log", "a"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url)
        sender = WebhookSender(url + "/callback", CHANNEL_SECRET)
        users = [f"U{n:032x}" for n in range(12)]
        for user in users:
            assert sender.send([fake_line.platform.text_event(user, "你好")])[0] == 200
        fake_line.platform.wait_for_deliveries(len(users), timeout=30)

        def counted() -> bool:
            values = samples(scrape(url)[1])
            return total(values, "linebot_events_handled_total") == len(users)

        wait_until(counted, timeout=20, what="every process's events in one scrape")
        values = samples(scrape(url)[1])
        assert total(values, "linebot_webhook_requests_total", status="200") == len(users)
        pids = {f.stem.rsplit("_", 1)[1] for f in metrics_dir.glob("counter_*.db")}
        assert len(pids) == 2  # both worker processes write there; one scrape adds them up
        assert scrape(url, token="wrong")[0] == 403
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Traceback" not in log, log[-3000:]
