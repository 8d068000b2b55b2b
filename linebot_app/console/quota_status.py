"""Where this month's LINE messages stand, for the console's 訊息額度 page and its banner.

LINE is asked (GET /v2/bot/message/quota and /quota/consumption) at most every CACHE_SECONDS
per process, outside any transaction; pushes held back for the quota come from the outbox.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from linebot_app.delivery.quota import HeldPush, held_pushes

CACHE_SECONDS = 300.0
LOW_SHARE = 0.10  # the banner shows when fewer than 10% of the month's messages remain


@dataclass(frozen=True)
class QuotaStatus:
    limit: int | None  # None: no limit (LINE's type "none") or LINE could not say
    used: int | None
    unlimited: bool
    held: list[HeldPush]
    pushes_blocked: bool  # this process stopped pushing after a monthly-limit 429

    @property
    def remaining(self) -> int | None:
        if self.limit is None or self.used is None:
            return None
        return max(0, self.limit - self.used)

    @property
    def running_low(self) -> bool:
        return self.remaining is not None and self.remaining < self.limit * LOW_SHARE

    @property
    def needs_banner(self) -> bool:
        return self.running_low or bool(self.held) or self.pushes_blocked


class QuotaReader:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[float, int | None, int | None, bool] | None = None

    def status(self, bot, refresh: bool = False) -> QuotaStatus:
        limit, used, unlimited = self._usage(bot, refresh)
        return QuotaStatus(limit, used, unlimited, held_pushes(bot.db), bot.quota.blocked)

    def _usage(self, bot, refresh: bool) -> tuple[int | None, int | None, bool]:
        with self._lock:
            cached = self._cached
        if cached and not refresh and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1], cached[2], cached[3]
        quota = bot.line.get_message_quota()
        unlimited = quota is not None and quota.type == "none"
        limit = None if quota is None or unlimited else quota.value
        usage = bot.line.get_quota_consumption() if quota is not None else None
        used = usage.total_usage if usage is not None else None
        with self._lock:
            self._cached = (time.monotonic(), limit, used, unlimited)
        return limit, used, unlimited


reader = QuotaReader()
