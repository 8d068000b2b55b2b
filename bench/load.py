"""The load generator: simulated LINE users posting signed webhooks, in its own process (asyncio).

Reads a JSON spec on stdin, prints a JSON result on stdout. Two shapes of load:
- `burst`: every user sends its messages back to back, the next as soon as the previous is
  acknowledged (closed loop, `users` requests in flight): the most the server can take.
- `paced`: messages go out on a fixed schedule of `rate` events/s spread over the users, whether
  or not earlier ones were acknowledged (open loop, as LINE does): latency at a given load.
Every request has a timeout and the whole run a deadline, so it always ends.

    python -m bench.load < spec.json
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import aiohttp

from linebot_app.fakeline import sign


async def _post(session, url: str, secret: str, body: bytes, result: dict[str, Any]) -> None:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Line-Signature": sign(body, secret),
        "User-Agent": "LineBotWebhook/2.0",
    }
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            status = response.status
    except (TimeoutError, aiohttp.ClientError) as error:
        result["errors"][type(error).__name__] += 1
        return
    result["latencies_ms"].append((time.perf_counter() - started) * 1000)
    result["statuses"][str(status)] += 1


async def _burst_user(session, spec, bodies, result, deadline) -> None:
    for body in bodies:
        if time.monotonic() > deadline:
            result["errors"]["deadline"] += 1
            continue
        await _post(session, spec["url"], spec["secret"], body, result)


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, to know how busy the machine was during the run."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    users = [[body.encode() for body in user] for user in spec["users"]]
    result: dict[str, Any] = {"latencies_ms": [], "statuses": Counter(), "errors": Counter()}
    deadline = time.monotonic() + spec.get("deadline_s", 120)
    timeout = aiohttp.ClientTimeout(total=spec.get("timeout_s", 15))
    connector = aiohttp.TCPConnector(limit=spec.get("connections", 100), force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        result["first_send_epoch"] = time.time()
        started, cpu_started = time.perf_counter(), time.process_time()
        busy_started, total_started = _machine_ticks()
        if spec["mode"] == "burst":
            await asyncio.gather(
                *(_burst_user(session, spec, bodies, result, deadline) for bodies in users)
            )
        else:
            rate, count = float(spec["rate"]), len(users)
            schedule = sorted(
                ((n * count + u) / rate, body)
                for u, bodies in enumerate(users)
                for n, body in enumerate(bodies)
            )
            tasks = []
            for offset, body in schedule:
                delay = started + offset - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if time.monotonic() > deadline:
                    result["errors"]["deadline"] += 1
                    continue
                tasks.append(
                    asyncio.ensure_future(_post(session, spec["url"], spec["secret"], body, result))
                )
            await asyncio.gather(*tasks)
        result["wall_s"] = time.perf_counter() - started
        result["last_ack_epoch"] = time.time()
        result["cpu_s"] = time.process_time() - cpu_started
        busy, total = _machine_ticks()
        result["machine_busy_pct"] = 100 * (busy - busy_started) / max(1, total - total_started)
    return result


def main() -> None:
    spec = json.load(sys.stdin)
    result = asyncio.run(run(spec))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
