"""The benchmark's own arithmetic: percentiles, medians that never hide a failure, and reading
the routing bench's printed table."""

from __future__ import annotations

from bench.run_all import parse_routing
from bench.stats import percentile
from bench.webhook_load import LoadResult, median_result

ROUTING_OUTPUT = """365 messages; the shipped content has 607 keywords

1. controlled (same 20 hit keywords + non-occurring padding):
 keywords  match µs/msg  route µs/msg  routed   hits
       20          1.92          3.90     103    240
      200          1.97          3.96     103    240
     2000          2.00          3.88     103    240
ratio 2000 vs 20 keywords: match only 1.04x, normalise + match 0.99x (target: under 1.5x)

2. shipped keywords (bigger sets find more matches):
 keywords  match µs/msg  route µs/msg  routed   hits
       20          1.94          6.01     103    240
     2000          4.59          6.86     294    480
"""


def test_percentile_is_nearest_rank():
    values = list(range(1, 1001))
    assert percentile(values, 50) == 500
    assert percentile(values, 99) == 990
    assert percentile([7.0], 99) == 7.0


def test_median_of_runs_keeps_the_worst_failure_counts():
    runs = [LoadResult("ours", events=10, acked=10, events_per_s=v, answered=10) for v in (1, 3, 2)]
    runs[2].status_5xx, runs[2].answered = 1, 9
    merged = median_result(runs)
    assert merged.events_per_s == 2
    assert merged.status_5xx == 1 and merged.answered == 9


def test_routing_table_is_read_from_the_routing_bench_output():
    routing = parse_routing(ROUTING_OUTPUT)
    assert routing.controlled == {20: 3.90, 200: 3.96, 2000: 3.88}
    assert routing.shipped == {20: 6.01, 2000: 6.86}
    assert round(routing.ratio(routing.controlled), 3) == round(3.88 / 3.90, 3)
