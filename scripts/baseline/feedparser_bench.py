#!/usr/bin/env python3
"""Time Python feedparser on one feed file: the baseline for Herald's parse figure.

feedparser.parse() runs with its defaults, which include HTML sanitising of item content
(the fair comparison: Herald's whole path also turns item HTML into clean text). The file
is read once into memory and parsed from bytes, so disk time is not measured.

Usage:
    feedparser_bench.py FEED_FILE [--seconds N]

Prints `key=value` lines (the Rust bench `cargo bench -p herald-ingest --bench parse` reads
`feeds_per_second=` when FEEDPARSER_PYTHON points at this interpreter).
"""

import argparse
import sys
import time

import feedparser


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("feed", help="feed file (e.g. target/bench-feeds/rss-108k.xml)")
    ap.add_argument("--seconds", type=float, default=5.0, help="time to spend measuring")
    args = ap.parse_args()

    with open(args.feed, "rb") as f:
        data = f.read()

    # Sanity: the same 50 items the Rust bench checks for, and sanitising on.
    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries:
        print(f"feedparser could not parse {args.feed}: {parsed.bozo_exception}", file=sys.stderr)
        return 1

    for _ in range(3):  # warm-up
        feedparser.parse(data)
    runs = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        feedparser.parse(data)
        runs += 1
    elapsed = time.perf_counter() - start

    fps = runs / elapsed
    print(f"feedparser_version={feedparser.__version__}")
    print(f"items={len(parsed.entries)}")
    print(f"bytes={len(data)}")
    print(f"feeds_per_second={fps:.2f}")
    print(f"mb_per_second={fps * len(data) / 1e6:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
