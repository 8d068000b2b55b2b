"""Many webhook requests at once share inbox transactions (group commit) without losing,
doubling or mixing up anyone's events; one bad request fails alone."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from linebot_app.delivery.group_commit import GroupCommit
from linebot_app.storage.models import InboxEvent

USERS = [f"U{n:032x}" for n in range(12)]


def test_concurrent_requests_are_all_stored_and_answered_once(running):
    platform = running.platform
    events = [platform.text_event(user, f"message {n}") for n in range(3) for user in USERS]
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda event: running.send(event), events))
    assert [status for status, _ in results] == [200] * len(events)
    assert sum(json.loads(body)["stored"] for _, body in results) == len(events)
    platform.wait_for_deliveries(len(events), timeout=30)
    running.wait_idle()
    replied = [r.json["replyToken"] for r in platform.requests(path="/v2/bot/message/reply")]
    assert sorted(replied) == sorted(e["replyToken"] for e in events)


def test_same_event_in_concurrent_requests_is_stored_once_and_counted(running):
    event = running.platform.text_event(USERS[0], "hello")
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: running.send(event), range(6)))
    bodies = [json.loads(body) for status, body in results if status == 200]
    assert len(bodies) == 6
    assert sum(b["stored"] for b in bodies) == 1 and sum(b["duplicates"] for b in bodies) == 5
    with running.bot.db.session() as session:
        rows = session.scalars(select(InboxEvent)).all()
    assert len(rows) == 1 and rows[0].duplicates_seen == 5


def test_an_event_repeated_inside_one_request_is_stored_once(running):
    event = running.platform.text_event(USERS[0], "hello")
    status, body = running.send(event, event)
    assert status == 200 and json.loads(body) == {"status": "ok", "stored": 1, "duplicates": 1}
    with running.bot.db.session() as session:
        assert session.scalar(select(func.count()).select_from(InboxEvent)) == 1


# --- the group commit itself (no database) ---------------------------------------------------
def test_concurrent_callers_share_batches_and_each_gets_its_own_result():
    batches: list[list[int]] = []
    first_batch_started, release_first = threading.Event(), threading.Event()

    def write(items: list[int]) -> list[int]:
        batches.append(items)
        if len(batches) == 1:
            first_batch_started.set()
            release_first.wait(5)
        return [item * 10 for item in items]

    commit = GroupCommit(write)
    with ThreadPoolExecutor(9) as pool:
        first = pool.submit(commit.submit, 0)
        assert first_batch_started.wait(5)
        waiting = [pool.submit(commit.submit, n) for n in range(1, 9)]
        release_first.set()
        results = [first.result(5)] + [f.result(5) for f in waiting]
    assert results == [n * 10 for n in range(9)]
    assert sorted(item for batch in batches for item in batch) == list(range(9))
    assert len(batches) < 9, "callers that waited were written together"


def test_one_failing_item_fails_only_its_caller():
    def write(items: list[str]) -> list[str]:
        if "bad" in items:
            raise ValueError("bad item")
        return [item.upper() for item in items]

    commit = GroupCommit(write)
    start = threading.Barrier(4)

    def submit(item: str) -> str:
        start.wait(5)
        return commit.submit(item)

    with ThreadPoolExecutor(4) as pool:
        futures = {item: pool.submit(submit, item) for item in ("a", "bad", "b", "c")}
    with pytest.raises(ValueError):
        futures["bad"].result(5)
    assert [futures[item].result(5) for item in ("a", "b", "c")] == ["A", "B", "C"]


def test_batches_are_bounded_in_size():
    sizes: list[int] = []
    gate = threading.Event()

    def write(items: list[int]) -> list[int]:
        sizes.append(len(items))
        gate.wait(5)
        return items

    commit = GroupCommit(write, max_batch=4)
    with ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(commit.submit, n) for n in range(12)]
        gate.set()
        assert sorted(f.result(5) for f in futures) == list(range(12))
    assert max(sizes) <= 4
