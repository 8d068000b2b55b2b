"""Routing time per message with 20, 200 and 2,000 keywords, on the same patient messages.

The keyword router is one Aho-Corasick automaton, so adding keywords should not slow it down
(the issue asks for 2,000 vs 20 keywords to stay under 1.5x). Run:

    .venv/bin/python -m bench.routing_bench

Messages are the labelled set (tests/data/labelled_messages.yaml). Three views:

1. controlled: the 20 shipped keywords these messages hit most, padded to 200 and 2,000 with
   generated Chinese words that occur in none of the messages. The messages find exactly the
   same matches at every size, so the ratio is the cost of the keyword count alone.
2. shipped keywords: the 20 most-hit shipped keywords, then 200 shipped ones, then all shipped
   keywords padded to 2,000. Bigger sets find more matches (the hits column), and each match
   costs some Python work, so this ratio mixes keyword count with matching work.
3. naive baseline: `keyword in text` for every keyword, what the automaton replaces.

Prints numbers only; it asserts nothing. Loops are bounded (RUNS x ROUNDS passes).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # also runnable as `python bench/routing_bench.py`
    sys.path.insert(0, str(PROJECT_ROOT))

import yaml  # noqa: E402

from linebot_app.content.cards import keyword_rules, load_replies  # noqa: E402
from linebot_app.understanding import KeywordRouter, KeywordRule, Tier, normalise  # noqa: E402

SIZES = (20, 200, 2000)
RUNS = 7  # timed runs per measurement; the median is reported
ROUNDS = 5  # passes over all messages per run
LABELLED = PROJECT_ROOT / "tests" / "data" / "labelled_messages.yaml"


def generated_keywords(count: int, avoid: list[str], seed: int = 4) -> list[KeywordRule]:
    """Plausible extra keywords (2-4 CJK characters, 13 topics) found in none of `avoid`."""
    rng = random.Random(seed)
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    topics = [f"extra{i}" for i in range(13)]
    seen: set[str] = set()
    rules = []
    while len(rules) < count:
        word = normalise("".join(rng.choice(alphabet) for _ in range(rng.randint(2, 4))))
        if word and word not in seen and not any(word in text for text in avoid):
            seen.add(word)
            rules.append(KeywordRule(word, rng.choice(topics), Tier.STRONG))
    return rules


def most_hit_first(real: list[KeywordRule], normalised: list[str]) -> list[KeywordRule]:
    """Shipped keywords ordered by how often the messages hit them (unused ones last)."""
    router = KeywordRouter(real)
    hits = Counter(m.rule.keyword for text in normalised for m in router.matches(text))
    return sorted(real, key=lambda r: -hits[r.keyword])


def per_message_us(function: Callable[[str], object], inputs: list[str]) -> float:
    """Median over RUNS of the mean time per input, in microseconds."""
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for _ in range(ROUNDS):
            for item in inputs:
                function(item)
        samples.append((time.perf_counter() - start) / (ROUNDS * len(inputs)) * 1e6)
    return statistics.median(samples)


def naive_router(rules: list[KeywordRule]) -> Callable[[str], list[str]]:
    keywords = [(r.keyword, r.topic) for r in rules]
    return lambda text: [topic for keyword, topic in keywords if keyword in text]


def compare(title: str, sets: dict[int, list[KeywordRule]], messages, normalised) -> None:
    print(f"\n{title}")
    print(f"{'keywords':>9} {'match µs/msg':>13} {'route µs/msg':>13} {'routed':>7} {'hits':>6}")
    results = {}
    for size, rules in sets.items():
        router = KeywordRouter(rules)
        match = per_message_us(router.route_normalised, normalised)
        route = per_message_us(router.route_topics, messages)
        routed = sum(1 for m in normalised if router.route_normalised(m))
        hits = sum(len(router.matches(m)) for m in normalised)
        results[size] = (match, route)
        print(f"{router.size:>9} {match:>13.2f} {route:>13.2f} {routed:>7} {hits:>6}")
    low, high = results[SIZES[0]], results[SIZES[-1]]
    print(
        f"ratio {SIZES[-1]} vs {SIZES[0]} keywords: match only {high[0] / low[0]:.2f}x, "
        f"normalise + match {high[1] / low[1]:.2f}x (target: under 1.5x)"
    )


def main() -> None:
    library = load_replies(PROJECT_ROOT / "replies", PROJECT_ROOT / "config")
    shipped, _problems = keyword_rules(library.topics, library.shared)
    messages = [m["text"] for m in yaml.safe_load(LABELLED.read_text("utf-8"))["messages"]]
    normalised = [normalise(m) for m in messages]
    print(f"{len(messages)} messages; the shipped content has {len(shipped)} keywords")

    ranked = most_hit_first(shipped, normalised)
    padding = generated_keywords(SIZES[-1], avoid=normalised)
    controlled = {size: ranked[:20] + padding[: size - 20] for size in SIZES}
    compare(
        "1. controlled (same 20 hit keywords + non-occurring padding):",
        controlled,
        messages,
        normalised,
    )

    extra = [r for r in padding if r.keyword not in {s.keyword for s in shipped}]
    mixed = {20: ranked[:20], 200: ranked[:200], 2000: shipped + extra[: 2000 - len(shipped)]}
    compare("2. shipped keywords (bigger sets find more matches):", mixed, messages, normalised)

    print("\n3. naive baseline (`keyword in text` for each keyword):")
    naive = {
        size: per_message_us(naive_router(rules), normalised) for size, rules in controlled.items()
    }
    for size, micro in naive.items():
        print(f"{size:>9} {micro:>13.2f} µs/msg")
    print(f"ratio {SIZES[-1]} vs {SIZES[0]} keywords: {naive[SIZES[-1]] / naive[SIZES[0]]:.1f}x")


if __name__ == "__main__":
    main()
