"""Prometheus metrics at GET /metrics (text format), behind `Authorization: Bearer $METRICS_TOKEN`.

gunicorn runs several worker processes: with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py
sets it) every process writes its counters and histograms there and a scrape adds them up
(prometheus_client's multiprocess mode). The inbox backlog and the outbox are read from the
database at scrape time, so they are the same whichever process answers. Without the variable
(tests, the flask CLI) the process's own registry is used.

Other code only calls the small functions below; it never imports prometheus_client itself.
"""

from __future__ import annotations

import hmac
import logging
import os

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

WEBHOOK_REQUESTS = Counter(
    "linebot_webhook_requests", "POST /callback requests by HTTP status", ["status"]
)
EVENTS_HANDLED = Counter(
    "linebot_events_handled",
    "Inbox events finished, by handler and outcome",
    ["handler", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "linebot_handler_duration_seconds",
    "Time to handle one event (handler, reply and pushes)",
    ["handler"],
    buckets=_LATENCY_BUCKETS,
)
LINE_CALL_SECONDS = Histogram(
    "linebot_line_api_duration_seconds",
    "LINE Messaging API call latency (each attempt)",
    ["endpoint"],
    buckets=_LATENCY_BUCKETS,
)
LINE_ERRORS = Counter(
    "linebot_line_api_errors",
    "LINE API attempts that failed, by endpoint and HTTP status (network: no answer)",
    ["endpoint", "status"],
)
REPLY_TOKENS_EXPIRED = Counter(
    "linebot_reply_tokens_expired", "Events whose reply token had expired or was refused"
)
DATABASE_ERRORS = Counter(
    "linebot_database_errors", "Database operations that failed (outage, lock timeout)", ["where"]
)
ROUTING_FALLBACKS = Counter(
    "linebot_routing_fallbacks", "Messages answered with the fallback card (no topic matched)"
)
CLARIFYING_QUESTIONS = Counter(
    "linebot_clarifying_questions", "Clarifying questions asked instead of answering a topic"
)
REVIEW_HELD = Counter(
    "linebot_review_held",
    "Medical cards held back for want of a valid physician sign-off (CONTENT_REVIEW_REQUIRED)",
    ["topic"],
)
PUSHES_NOT_SENT_QUOTA = Counter(
    "linebot_pushes_not_sent_quota", "Pushes not sent because the monthly message quota is used up"
)


# --- what the rest of the code calls ---------------------------------------------------------
def count_webhook(status: int) -> None:
    WEBHOOK_REQUESTS.labels(status=str(status)).inc()


def count_event(handler: str, outcome: str, seconds: float) -> None:
    EVENTS_HANDLED.labels(handler=handler, outcome=outcome).inc()
    HANDLER_SECONDS.labels(handler=handler).observe(seconds)


def observe_line_call(endpoint: str, seconds: float, status: int | None) -> None:
    LINE_CALL_SECONDS.labels(endpoint=endpoint).observe(seconds)
    if status is None or status >= 400:
        LINE_ERRORS.labels(endpoint=endpoint, status=str(status or "network")).inc()


def count_reply_token_expired() -> None:
    REPLY_TOKENS_EXPIRED.inc()


def count_database_error(where: str) -> None:
    DATABASE_ERRORS.labels(where=where).inc()


def count_routing_fallback() -> None:
    ROUTING_FALLBACKS.inc()


def count_clarifying_question() -> None:
    """For the message-understanding code: call it whenever the bot asks what was meant."""
    CLARIFYING_QUESTIONS.inc()


def count_review_held(topic: str) -> None:
    REVIEW_HELD.labels(topic=topic).inc()


def count_push_not_sent_quota() -> None:
    PUSHES_NOT_SENT_QUOTA.inc()


# --- scrape-time values from the database ----------------------------------------------------
class _DatabaseCollector:
    """The inbox backlog, the outbox by status and the quota gate, read when scraped."""

    def __init__(self, bot):
        self.bot = bot

    def collect(self):
        from linebot_app.delivery.backlog import inbox_backlog, outbox_counts

        up = GaugeMetricFamily("linebot_database_up", "1 when the database answered this scrape")
        try:
            backlog = inbox_backlog(self.bot.db, self.bot.clock.now())
            pushes = outbox_counts(self.bot.db)
        except Exception as error:  # the scrape still answers, saying the database is down
            log.info("metrics: database unavailable: %s", error.__class__.__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "linebot_inbox_pending_events", "Events waiting to be handled", value=backlog.pending
        )
        yield GaugeMetricFamily(
            "linebot_inbox_in_flight_events", "Events being handled", value=backlog.in_flight
        )
        yield GaugeMetricFamily(
            "linebot_inbox_oldest_pending_age_seconds",
            "Age of the oldest event still waiting (0 when none)",
            value=backlog.oldest_pending_age_seconds,
        )
        by_status = GaugeMetricFamily(
            "linebot_outbox_pushes", "Pushes in the outbox by status", labels=["status"]
        )
        for status, count in sorted(pushes.items()):
            by_status.add_metric([status], count)
        yield by_status
        yield GaugeMetricFamily(
            "linebot_push_quota_blocked",
            "1 while pushes are held because the monthly quota is used up (this process)",
            value=1 if self.bot.quota.blocked else 0,
        )


# --- the endpoint ----------------------------------------------------------------------------
metrics_blueprint = Blueprint("metrics", __name__)


@metrics_blueprint.get("/metrics")
def metrics_endpoint():
    bot = current_app.extensions["bot"]
    token = bot.settings.metrics_token
    if not token:
        return Response("Not Found\n", status=404, mimetype="text/plain")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return Response(
            "Unauthorized\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return Response("Forbidden\n", status=403, mimetype="text/plain")
    scrape = CollectorRegistry(auto_describe=True)
    scrape.register(_DatabaseCollector(bot))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(scrape)
        body = generate_latest(scrape)
    else:
        body = generate_latest(REGISTRY) + generate_latest(scrape)
    return Response(body, status=200, headers={"Content-Type": CONTENT_TYPE_LATEST})


def init_app(app: Flask) -> None:
    """Register /metrics and count every webhook request by status."""
    app.register_blueprint(metrics_blueprint)

    @app.after_request
    def _count_webhook(response):
        if request.path == "/callback" and request.method == "POST":
            count_webhook(response.status_code)
        return response
