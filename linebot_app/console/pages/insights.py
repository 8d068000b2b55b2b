"""Insights (no personal data): per day and per week, questions by topic, the fallback rate,
bookings started → submitted → confirmed → cancelled, the median time to 已聯繫, hand-overs;
SVG charts and a CSV of the daily counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict

from flask import Response, render_template, request

from linebot_app.console import queries
from linebot_app.console.audit import record_audit
from linebot_app.console.blueprint import PATIENT_DATA, allow, bot, console, now, who
from linebot_app.console.charts import Series, horizontal_bars, stacked_bars
from linebot_app.console.stats import stats_between

DAYS_SHOWN = 14
WEEKS_SHOWN = 8
FUNNEL = [
    ("booking_started", "開始預約"),
    ("booking_submitted", "送出預約"),
    ("request_confirmed", "確認時段"),
    ("request_cancelled", "取消"),
]


def _colours() -> dict:
    return bot().replies.style.colours.model_dump()


def _buckets(by: str, today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(label, first day, last day) of each day or week shown, oldest first."""
    if by == "week":
        monday = today - dt.timedelta(days=today.weekday())
        weeks = [monday - dt.timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]
        return [(f"{w.month}/{w.day}週", w, w + dt.timedelta(days=6)) for w in weeks]
    days = [today - dt.timedelta(days=n) for n in range(DAYS_SHOWN - 1, -1, -1)]
    return [(f"{d.month}/{d.day}", d, d) for d in days]


@console.get("/insights")
@allow(*PATIENT_DATA)
def insights():
    by = "week" if request.args.get("by") == "week" else "day"
    tz = bot().clinic.tz
    today = now().astimezone(tz).date()
    buckets = _buckets(by, today)
    first, last = buckets[0][1], buckets[-1][2]
    with bot().db.session() as session:
        rows = stats_between(session, first, last)
        medians = [
            queries.median_minutes_to_contact(
                session,
                queries.local_day_start(start, tz),
                queries.local_day_start(end + dt.timedelta(days=1), tz),
            )
            for _, start, end in buckets
        ]
        overall = queries.median_minutes_to_contact(
            session,
            queries.local_day_start(first, tz),
            queries.local_day_start(last + dt.timedelta(days=1), tz),
        )
    per = defaultdict(lambda: defaultdict(int))  # bucket index → metric(/key) → count
    topics = defaultdict(int)
    for row in rows:
        index = next(i for i, (_, s, e) in enumerate(buckets) if s <= row.day <= e)
        per[index][row.metric] += row.count
        if row.metric == "topic":
            topics[row.key] += row.count
    labels = [label for label, _, _ in buckets]
    table = []
    for i, label in enumerate(labels):
        counts = per[i]
        asked = counts["question"]
        table.append(
            {
                "label": label,
                "counts": counts,
                "fallback_rate": f"{counts['fallback'] / asked:.0%}" if asked else "-",
                "median": _minutes(medians[i]),
            }
        )
    totals = defaultdict(int)
    for counts in per.values():
        for metric, value in counts.items():
            totals[metric] += value
    colours = _colours()
    titles = bot().replies.topics
    charts = {
        "questions": stacked_bars(
            "提問數（已回答／無法辨識）",
            labels,
            [
                Series(
                    "已回答",
                    [per[i]["question"] - per[i]["fallback"] for i in range(len(labels))],
                    colours["primary_button"],
                ),
                Series("無法辨識", [per[i]["fallback"] for i in range(len(labels))], "#C9822B"),
            ],
        ),
        "funnel": horizontal_bars(
            "預約流程", [(name, totals[metric]) for metric, name in FUNNEL], colours["heading_text"]
        ),
        "topics": horizontal_bars(
            "各主題提問",
            sorted(((_topic_name(titles, k), v) for k, v in topics.items()), key=lambda r: -r[1])[
                :10
            ],
            colours["link_button"],
        ),
        "handoffs": stacked_bars(
            "轉真人客服",
            labels,
            [Series("轉真人", [per[i]["handoff_started"] for i in range(len(labels))], "#9A5B13")],
        ),
    }
    asked = totals["question"]
    return render_template(
        "console/insights.html",
        by=by,
        table=table,
        totals=totals,
        fallback_rate=f"{totals['fallback'] / asked:.0%}" if asked else "-",
        median=_minutes(overall),
        charts=charts,
        funnel=FUNNEL,
    )


def _topic_name(titles: dict, key: str) -> str:
    card = titles.get(key)
    return getattr(card, "title", None) or key


def _minutes(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 120:
        return f"{value / 60:.1f} 小時"
    return f"{value:g} 分鐘"


@console.get("/insights.csv")
@allow(*PATIENT_DATA)
def insights_csv():
    tz = bot().clinic.tz
    today = now().astimezone(tz).date()
    with bot().db.session() as session:
        rows = stats_between(session, today - dt.timedelta(days=365), today)
        record_audit(session, now(), who(), "insights.export")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["day", "metric", "key", "count"])
    writer.writerows([row.day.isoformat(), row.metric, row.key, row.count] for row in rows)
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=insights-{today:%Y%m%d}.csv"},
    )
